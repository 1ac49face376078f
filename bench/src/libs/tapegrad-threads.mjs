// tapegrad on the wasm backend with its matmuls on `threads` threads: the
// caller and threads - 1 worker_threads workers. setNumThreads is
// process-wide, so every tapegrad row sets its own count in activate (a no-op
// when unchanged, so the workers are spawned once per switch, untimed).
import { Worker } from 'node:worker_threads';
import * as tg from '@tapegrad/core';
import { createTapegrad } from './tapegrad.mjs';

const spawn = (source) => new Worker(source, { eval: true });

export function createTapegradThreads(threads = 2) {
  const lib = createTapegrad('wasm');
  return {
    ...lib,
    name: `tapegrad-${threads}t`,
    async activate() {
      lib.activate();
      await tg.setNumThreads({ threads, spawn });
    },
  };
}
