import { CHUNKS, CLOSED, COMPLETED, FAILED, NEXT, READY, SEQ, SPINS, STOP, TASK } from './thread-control.js';

/**
 * The source of a matmul worker, as a string so that core ships no worker
 * file and needs no bundler support: the user's `spawn` runs it (a browser:
 * from a `Blob` URL; Node: `workerThread` from `@tapegrad/core/node`). Its first
 * message carries `{ memory, module, control, aPack, tile }`: the shared
 * memory, the compiled matmul module, the control block's byte address, and
 * this thread's own packed-A region and edge tile. It instantiates the module,
 * then loops forever: wait for a round, claim chunks of rows until none is
 * left (the loop of `claimChunk`), run `rows` on each, count it finished.
 *
 * It imports nothing: in a browser worker it listens on `self`; elsewhere the
 * spawner hands the first message to the script's `start` function
 * (`workerThread` appends a line that does it through `parentPort`).
 *
 * @example
 * ```ts
 * new Worker(URL.createObjectURL(new Blob([matmulWorkerSource()])));
 * ```
 */
export function matmulWorkerSource(): string {
  return `'use strict';
function start(d) {
  const rows = new WebAssembly.Instance(d.module, { env: { memory: d.memory } }).exports.rows;
  const i32 = new Int32Array(d.memory.buffer);
  const base = d.control >> 2;
  const t = base + ${TASK};
  let seen = Atomics.load(i32, base + ${SEQ});
  Atomics.add(i32, base + ${READY}, 1);
  for (;;) {
    let spins = 0;
    while (Atomics.load(i32, base + ${SEQ}) === seen) {
      if (++spins < ${SPINS}) continue;
      spins = 0;
      Atomics.wait(i32, base + ${SEQ}, seen);
    }
    seen = Atomics.load(i32, base + ${SEQ});
    if (Atomics.load(i32, base + ${STOP}) !== 0) break;
    for (;;) {
      const v = Atomics.load(i32, base + ${NEXT});
      if (v === ${CLOSED}) break;
      const n = Atomics.load(i32, base + ${CHUNKS});
      if (Atomics.compareExchange(i32, base + ${NEXT}, v, v + 1) !== v) continue;
      const c = v & 0xfffff;
      if (c >= n) break;
      const i0 = c * i32[t];
      try {
        rows(i0, Math.min(i32[t + 1], i0 + i32[t]), i32[t], i32[t + 2], i32[t + 3], i32[t + 4], i32[t + 5], i32[t + 6],
          d.aPack, i32[t + 7], i32[t + 8], i32[t + 9], d.tile, i32[t + 10]);
      } catch (e) {
        Atomics.store(i32, base + ${FAILED}, 1);
      }
      Atomics.add(i32, base + ${COMPLETED}, 1);
      Atomics.notify(i32, base + ${COMPLETED});
    }
  }
  // A browser worker ends itself; a Node worker ends when its script has nothing left to run.
  if (typeof close === 'function') close();
}
if (typeof self !== 'undefined' && typeof self.addEventListener === 'function') {
  self.addEventListener('message', (e) => start(e.data), { once: true });
}
`;
}
