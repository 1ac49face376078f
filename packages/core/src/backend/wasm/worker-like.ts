/**
 * What tapegrad needs of a worker thread: something to post its first message
 * to. Node's `Worker` from `node:worker_threads` and the browser's `Worker`
 * both fit. `unref` (Node) is called so that workers never keep a process
 * alive; `terminate` is called when the threads are switched off.
 *
 * @example
 * ```ts
 * import { Worker } from 'node:worker_threads';
 * const spawn = (source: string): WorkerLike => new Worker(source, { eval: true });
 * ```
 */
export interface WorkerLike {
  postMessage(message: unknown): void;
  unref?(): void;
  terminate?(): unknown;
}
