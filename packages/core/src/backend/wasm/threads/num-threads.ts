import { checkOptions, optionRules } from '../../../options.js';
import { TapegradError } from '../../../errors.js';
import { MATMUL_BLOCKING, MATMUL_TILE } from '../kernels/matmul-config.js';
import { simdSupported } from '../emitter/simd-support.js';
import { wasmApi } from '../emitter/wasm-api.js';
import { createThreadedMatmul, type ThreadedMatmul } from './wasm-matmul-threaded.js';
import type { WorkerLike } from './worker-like.js';

/**
 * How many threads float32 matmuls of the WebAssembly backend use, and how to
 * start a worker thread.
 *
 * @example
 * ```ts
 * import { workerThread } from '@tapegrad/core/node';
 * const options: NumThreadsOptions = { threads: 2, spawn: workerThread };
 * ```
 */
export interface NumThreadsOptions {
  /** Threads in all, the calling one included: 2 is the caller and one worker; 1 switches workers off. */
  readonly threads: number;
  /**
   * Starts a worker running the JavaScript `source` (Node: `workerThread`
   * from `@tapegrad/core/node`; a browser: a Worker on a Blob URL of it). Needed the first time more than one thread is asked for; later calls
   * reuse the last one given.
   */
  readonly spawn?: (source: string) => WorkerLike;
}

let threaded: ThreadedMatmul | null = null;
let lastSpawn: ((source: string) => WorkerLike) | null = null;

/** How long `setNumThreads`' promise waits for the workers to start. */
const START_TIMEOUT_MS = 10_000;

/**
 * Sets the number of threads the WebAssembly backend's float32 matmul uses
 * (PyTorch's `torch.set_num_threads`), counting the calling thread: with 2,
 * each large product is split between the caller and one worker. The call
 * stays synchronous: the caller does its share, then blocks (`Atomics.wait`)
 * until the workers are done, which is why in a browser this belongs in a
 * worker of your own (a page's main thread may not block; there the caller
 * spins instead). Small products stay on one thread. Threads need
 * `SharedArrayBuffer` and `Atomics` (in browsers, a cross-origin isolated
 * page). Workers never keep a Node process alive.
 *
 * The returned promise resolves once every worker has started; products
 * computed before then use the threads already running. Asking for the count
 * already running (with the same `spawn`, or none) keeps the workers;
 * `setNumThreads(1)` stops them.
 *
 * @example
 * ```ts
 * import { randn, setNumThreads } from '@tapegrad/core';
 * import { workerThread } from '@tapegrad/core/node';
 *
 * await setNumThreads({ threads: 2, spawn: workerThread });
 * randn([512, 512]).matmul(randn([512, 512])); // on two threads
 * await setNumThreads(1);                        // back to one
 * ```
 */
export function setNumThreads(options: number | NumThreadsOptions): Promise<void> {
  // Unknown keys here; the values are checked below, with messages of their own.
  if (typeof options !== 'number') checkOptions('setNumThreads', options, { threads: optionRules.any, spawn: optionRules.any });
  const { threads, spawn } = typeof options === 'number' ? { threads: options, spawn: undefined } : options;
  if (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1) {
    throw new TapegradError(`setNumThreads: threads must be a positive integer (1 = the calling thread only), got ${String(threads)}`);
  }
  if (spawn !== undefined && typeof spawn !== 'function') {
    throw new TapegradError(`setNumThreads: spawn must be a function (source: string) => WorkerLike, got ${typeof spawn}`);
  }
  const start = spawn ?? lastSpawn;
  if (threads > 1 && start === null) {
    throw new TapegradError(
      `setNumThreads: ${threads} threads need a spawn function (source: string) => WorkerLike, such as workerThread from @tapegrad/core/node`,
    );
  }
  if (threads > 1) checkThreadSupport();
  // Asking again for what runs keeps the workers (a benchmark or app may set its count before each use).
  if (threads === getNumThreads() && (spawn === undefined || spawn === lastSpawn)) {
    return threaded === null ? Promise.resolve() : whenReady(threaded);
  }
  threaded?.stop();
  threaded = null;
  if (spawn !== undefined) lastSpawn = spawn;
  if (threads === 1 || start === null) return Promise.resolve();
  const api = wasmApi()!;
  const t = createThreadedMatmul(api, MATMUL_TILE, MATMUL_BLOCKING, threads, start);
  threaded = t;
  return whenReady(t);
}

/**
 * The number of threads matmuls use (1 unless `setNumThreads` asked for more).
 *
 * @example
 * ```ts
 * getNumThreads(); // 1
 * ```
 */
export function getNumThreads(): number {
  return threaded?.threads ?? 1;
}

/**
 * The threaded matmul while more than one thread is configured, else null.
 *
 * @example
 * ```ts
 * threadedMatmul()?.matmul(a, b, 'float32') ?? singleThreaded(a, b, 'float32');
 * ```
 */
export function threadedMatmul(): ThreadedMatmul | null {
  return threaded;
}

/** Throws, naming what is missing, where threads cannot run. */
function checkThreadSupport(): void {
  const g = globalThis as { SharedArrayBuffer?: unknown; Atomics?: unknown };
  const missing = [g.SharedArrayBuffer === undefined ? 'SharedArrayBuffer' : '', g.Atomics === undefined ? 'Atomics' : ''].filter((m) => m !== '');
  if (missing.length > 0) {
    throw new TapegradError(
      `setNumThreads: threads need ${missing.join(' and ')}, which this environment lacks (browsers provide SharedArrayBuffer only to cross-origin isolated pages)`,
    );
  }
  const api = wasmApi();
  if (api === null || !simdSupported(api)) {
    throw new TapegradError('setNumThreads: threads run the WebAssembly SIMD matmul, and this engine lacks WebAssembly SIMD');
  }
}

/** Polls (timers exist in Node and browsers alike) until every worker of `t` is ready, or it is replaced. */
function whenReady(t: ThreadedMatmul): Promise<void> {
  const timers = globalThis as unknown as { setTimeout(fn: () => void, ms: number): unknown };
  const deadline = Date.now() + START_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      if (threaded !== t || t.ready()) resolve();
      else if (Date.now() > deadline) {
        reject(new TapegradError(`setNumThreads: the worker threads did not start within ${START_TIMEOUT_MS / 1000} s; matmuls stay on one thread`));
      } else timers.setTimeout(poll, 1);
    };
    poll();
  });
}
