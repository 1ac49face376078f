import { availableParallelism, cpus } from 'node:os';
import { setNumThreads } from '../backend/wasm/threads/num-threads.js';
import { workerThread } from './worker-thread.js';

/**
 * Runs tapegrad's threaded kernels on every core this process may use (one
 * worker thread per core, the calling thread included): the one call a Node
 * script needs for all cores. Resolves to the number of threads. The workers
 * do not keep the process alive: a script still exits at its end.
 *
 * @example
 * ```ts
 * import { useAllCores } from '@tapegrad/core/node';
 * const threads = await useAllCores(); // e.g. 8
 * ```
 */
export async function useAllCores(): Promise<number> {
  const threads = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  await setNumThreads({ threads: Math.max(1, threads), spawn: workerThread });
  return Math.max(1, threads);
}
