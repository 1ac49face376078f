// node --expose-gc node-peer-process.mjs NAME [CONFIG]: one JavaScript W7
// peer (node-peer.mjs), its model built from w7Inputs(CONFIG) as every peer
// builds it. Prints {"ready":true} once loaded, then answers each line on
// stdin: "step" with {"loss"} after one training step (which checks the
// backend, as every timed function does), "gc" after a full collection,
// "usage" with process.resourceUsage(); any other line, or the end of stdin,
// ends it.
import { createInterface } from 'node:readline';
import { w7Inputs } from './inputs.mjs';
import { w7Jax } from './jax.mjs';
import { w7Tapegrad } from './tapegrad.mjs';
import { w7Tfjs } from './tfjs.mjs';

const LOADERS = {
  tapegrad: async () => (await import('../libs/tapegrad.mjs')).createTapegrad('wasm'),
  'tapegrad-2t': async () => (await import('../libs/tapegrad-threads.mjs')).createTapegradThreads(2),
  'tapegrad-js': async () => (await import('../libs/tapegrad.mjs')).createTapegrad('js'),
  'tfjs-wasm': async () => (await import('../libs/tfjs.mjs')).createTfjs('wasm'),
  'jax-js-jit': async () => (await import('../libs/jax.mjs')).createJax(true),
};

const say = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);
const reason = (e) => String(e?.message ?? e).split('\n')[0];

const [name, configArg] = process.argv.slice(2);
let run;
try {
  if (!(name in LOADERS)) throw new Error(`node-peer-process: no W7 peer '${name}' (${Object.keys(LOADERS).join(', ')})`);
  const lib = await LOADERS[name]();
  await lib.activate?.();
  const make = name.startsWith('tapegrad') ? w7Tapegrad(lib) : name === 'tfjs-wasm' ? w7Tfjs(lib) : w7Jax(lib);
  const config = configArg === undefined ? undefined : JSON.parse(configArg);
  ({ run } = make(w7Inputs(config)));
  say({ ready: true });
} catch (e) {
  say({ error: reason(e) });
  process.exit(1);
}
for await (const line of createInterface({ input: process.stdin })) {
  try {
    if (line === 'step') say({ loss: await run() });
    else if (line === 'gc') {
      globalThis.gc?.();
      say({});
    } else if (line === 'usage') say({ usage: process.resourceUsage() });
    else break;
  } catch (e) {
    say({ error: reason(e) });
  }
}
// The two-thread peer's workers would keep the process alive.
process.exit(0);
