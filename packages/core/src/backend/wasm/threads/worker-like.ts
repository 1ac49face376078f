/**
 * What tapegrad needs of a worker thread: something to post its first message
 * to. Node's `Worker` from `node:worker_threads` and the browser's `Worker`
 * both fit. `unref` (Node) is called so that workers never keep a process
 * alive; `terminate` is called when the threads are switched off.
 *
 * @example
 * ```ts
 * const spawn = (source: string): WorkerLike => new Worker(URL.createObjectURL(new Blob([source])));
 * ```
 */
export interface WorkerLike {
  postMessage(message: unknown): void;
  unref?(): void;
  terminate?(): unknown;
}
