// node --expose-gc node-peer-process.mjs NAME [CONFIG]: one JavaScript W7
// peer (node-peer.mjs), its model built from w7Inputs(CONFIG) as every peer
// builds it. Prints {"ready":true} once loaded, then answers each line on
// stdin: "step" with {"loss"} after one training step (which checks the
// backend, as every timed function does), "gc" after a full collection,
// "usage" with process.resourceUsage(); any other line, or the end of stdin,
// ends it.
import { createInterface } from 'node:readline';
import { loadLibrary } from '../libs/by-name.mjs';
import { w7Inputs } from './inputs.mjs';
import { w7Jax } from './jax.mjs';
import { NODE_PEERS } from './node-peer.mjs';
import { w7Tapegrad } from './tapegrad.mjs';
import { w7Tfjs } from './tfjs.mjs';

const say = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);
const reason = (e) => String(e?.message ?? e).split('\n')[0];

const [name, configArg] = process.argv.slice(2);
let run;
try {
  if (!NODE_PEERS.includes(name)) throw new Error(`node-peer-process: no W7 peer '${name}' (${NODE_PEERS.join(', ')})`);
  const lib = await loadLibrary(name);
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
