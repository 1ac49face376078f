// node --expose-gc bench/src/w7-steady.mjs [--plain] (after `npx pnpm@10.34.9
// build`): W7, the transformer step, in tapegrad alone, as a training loop
// sees it, with no other library loaded: two warm-up steps, then five
// samples of the benchmark's own (a collection, one untimed step, one timed);
// prints the median and the range. Run with --experimental-wasm-relaxed-simd
// on Node 20 and 21 to measure the products' multiply-add (Node 22 and later
// have it on); --plain runs the same build on a backend without it.
import * as tg from '@tapegrad/core';
import { createTapegrad } from './libs/tapegrad.mjs';
import { w7Inputs } from './w7/inputs.mjs';
import { w7Tapegrad } from './w7/tapegrad.mjs';

const plain = process.argv.includes('--plain');
const lib = createTapegrad('wasm');
if (plain) {
  // The same kernels with a multiply and an add; the backend is named 'wasm' too.
  const backend = tg.createWasmBackend({ relaxedSimd: false });
  if (backend === null) throw new Error('w7-steady: no WebAssembly SIMD here');
  tg.setBackend(backend);
}
const { run } = w7Tapegrad(lib)(w7Inputs());
run();
run();
const ms = [];
for (let i = 0; i < 5; i++) {
  globalThis.gc?.();
  run();
  const t0 = performance.now();
  run();
  ms.push(performance.now() - t0);
}
ms.sort((x, y) => x - y);
console.log(`W7 step, tapegrad ${plain ? 'plain' : 'wasm'}: median ${ms[2].toFixed(0)} ms (${ms[0].toFixed(0)}–${ms[4].toFixed(0)})`);
