import { Worker } from 'node:worker_threads';
import type { WorkerLike } from '../backend/wasm/threads/worker-like.js';

/**
 * Starts a tapegrad worker on a Node `worker_threads` thread: the `spawn`
 * that `setNumThreads` (from `@tapegrad/core`) needs in Node. The worker script tapegrad hands
 * over defines a `start` function and imports nothing, so that the main entry
 * stays free of Node-only APIs; this adds the one Node-specific line, handing
 * the worker's first message to `start`.
 *
 * @example
 * ```ts
 * import { setNumThreads } from '@tapegrad/core';
 * import { workerThread } from '@tapegrad/core/node';
 * await setNumThreads({ threads: 2, spawn: workerThread });
 * ```
 */
export function workerThread(source: string): WorkerLike {
  // A dynamic import works whether Node runs the eval'd script as CommonJS or
  // as a module (it inherits the main script's kind); messages wait in the
  // port's queue until the listener is there.
  return new Worker(`${source}\nimport('node:worker_threads').then((m) => m.parentPort.once('message', start));\n`, { eval: true });
}
