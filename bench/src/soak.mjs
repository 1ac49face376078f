// node --expose-gc soak.mjs <library> <steps>: runs MLP training steps and
// prints one JSON line with the peak RSS and the RSS at a third, two thirds
// and all of the steps (MB), after a full GC at each mark.
import { w2Inputs } from './inputs.mjs';
import { loadLibrary } from './libs/by-name.mjs';

const [name, stepsArg] = process.argv.slice(2);
const steps = Number(stepsArg);
const mb = () => process.memoryUsage().rss / 2 ** 20;
try {
  const lib = await loadLibrary(name);
  await lib.activate?.();
  const { run: step } = lib.w2(w2Inputs());
  let peak = mb();
  const marks = [];
  for (let i = 1; i <= steps; i++) {
    step();
    peak = Math.max(peak, mb());
    if (i % (steps / 3) === 0) {
      globalThis.gc?.();
      marks.push(mb());
    }
  }
  console.log(JSON.stringify({ peakMB: peak, marks }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.message ?? e).split('\n')[0] }));
}
