// node gpu-soak.mjs <steps> <batch> [--no-gc-pressure]: W2 training steps on
// tapegrad's WebGPU backend, written the plain way: no dispose, no gc() (run
// without --expose-gc), the loss awaited every 10 steps as a loop that logs
// it does. Prints one JSON line: the GPU memory the backend holds (in use +
// pooled, memoryStats) after the first step, at its peak and at the end, the
// means of the third and last quarters of the steps (flat memory: the last no
// higher, within V8's 64 MiB collection step), the process's RSS likewise,
// and the time per step.
import { w2Inputs } from './inputs.mjs';
import { probeWebGpu } from './gpu.mjs';

const [stepsArg, batchArg] = process.argv.slice(2);
const steps = Number(stepsArg);
const batch = Number(batchArg);
const gcPressure = !process.argv.includes('--no-gc-pressure');
const MB = 2 ** 20;
try {
  const probe = await probeWebGpu();
  if (probe.adapter === null) throw new Error(probe.reason);
  const tg = await import('@tapegrad/core');
  const { w2Step } = await import('./libs/tapegrad.mjs');
  const backend = tg.createWebGpuBackend(await probe.adapter.requestDevice(), { gcPressure });
  tg.setBackend(backend);
  const step = w2Step(w2Inputs(batch));
  const gpuBytes = () => {
    const s = backend.memoryStats();
    return s.liveBytes + s.pooledBytes;
  };
  const gpu = [];
  const rss = [];
  const losses = [];
  const t0 = performance.now();
  for (let i = 1; i <= steps; i++) {
    const loss = step();
    if (i % 10 === 0 || i === 1 || i === steps) losses.push(await loss.itemAsync());
    gpu.push(gpuBytes() / MB);
    rss.push(process.memoryUsage().rss / MB);
  }
  const msPerStep = (performance.now() - t0) / steps;
  const max = (xs) => xs.reduce((a, b) => Math.max(a, b), 0);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const quarter = Math.floor(steps / 4);
  console.log(
    JSON.stringify({
      adapter: probe.name,
      fallback: probe.fallback,
      gcPressure,
      steps,
      batch,
      gpuMB: { start: gpu[0], peak: max(gpu), end: gpu.at(-1), thirdQuarterMean: mean(gpu.slice(2 * quarter, 3 * quarter)), lastQuarterMean: mean(gpu.slice(3 * quarter)) },
      rssMB: { start: rss[0], peak: max(rss), end: rss.at(-1) },
      msPerStep,
      loss: { first: losses[0], last: losses.at(-1) },
    }),
  );
} catch (e) {
  console.log(JSON.stringify({ error: String(e?.message ?? e).split('\n')[0] }));
}
// Dawn keeps the process alive while a device exists.
process.exit(0);
