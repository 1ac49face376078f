// tapegrad on the wasm backend with its matmuls on `threads` threads: the
// caller and threads - 1 worker_threads workers. setNumThreads is
// process-wide, so every tapegrad row sets its own count in activate (a no-op
// when unchanged, so the workers are spawned once per switch, untimed).
import * as tg from '@tapegrad/core';
import { workerThread } from '@tapegrad/core/node';
import { createTapegrad } from './tapegrad.mjs';

export function createTapegradThreads(threads = 2) {
  const lib = createTapegrad('wasm', `tapegrad-${threads}t`);
  return {
    ...lib,
    async activate() {
      lib.activate();
      await tg.setNumThreads({ threads, spawn: workerThread });
    },
  };
}
