import { TapegradError } from '../../../errors.js';
import { matmulWorkerSource } from './matmul-worker-source.js';
import { CHUNKS, CLOSED, CLOSED_TAG, COMPLETED, FAILED, NEXT, READY, SEQ, STOP, TASK, claimChunk, waitWhileEqual } from './thread-control.js';
import type { WasmRuntime } from '../emitter/wasm-runtime.js';
import type { WorkerLike } from './worker-like.js';

/**
 * Workers that run the shared matmul module's `rows` on chunks of a round's
 * task, and the calling thread's side of the handoff.
 *
 * @example
 * ```ts
 * const pool = startThreadPool(rt, module, 64, [aPack, tile], 2, spawn);
 * pool.run(task, chunks, (c) => rows(...));
 * ```
 */
export interface ThreadPool {
  /** Threads including the caller's. */
  readonly threads: number;
  /** True once every worker has instantiated its module and waits for rounds. */
  ready(): boolean;
  /**
   * Opens a round of `chunks` chunks of `task` (see `TASK_WORDS`), runs the
   * chunks the calling thread claims with `own`, and returns when every chunk
   * is finished, whoever claimed it.
   */
  run(task: readonly number[], chunks: number, own: (chunk: number) => void): void;
  /** Wakes the workers to leave their loop and terminates them. */
  stop(): void;
}

/**
 * Spawns `threads - 1` workers over `rt`'s shared memory, each instantiating
 * `module` (compiled against that memory), with the control block at byte
 * `control`; `scratch(w)` gives worker `w` its packed-A region and edge tile.
 * Workers are unref'd where they can be, so they never keep a Node process
 * alive.
 *
 * @example
 * ```ts
 * const pool = startThreadPool(rt, module, 64, (w) => [aPackAt(w), tileAt(w)], 2, spawn);
 * ```
 */
export function startThreadPool(
  rt: WasmRuntime,
  module: object,
  control: number,
  scratch: (w: number) => readonly [aPack: number, tile: number],
  threads: number,
  spawn: (source: string) => WorkerLike,
): ThreadPool {
  const base = control >> 2;
  Atomics.store(rt.i32, base + NEXT, CLOSED);
  const source = matmulWorkerSource();
  const workers: WorkerLike[] = [];
  for (let w = 1; w < threads; w++) {
    const worker = spawn(source);
    worker.unref?.();
    const [aPack, tile] = scratch(w);
    worker.postMessage({ memory: rt.memory, module, control, aPack, tile });
    workers.push(worker);
  }
  let allReady = false;
  let round = 0;
  return {
    threads,
    ready() {
      // Once true it stays true: read the shared word only until then.
      allReady ||= Atomics.load(rt.i32, base + READY) === threads - 1;
      return allReady;
    },
    run(task, chunks, own) {
      // rt.i32 is read here: the memory may have grown since the last round.
      const i32 = rt.i32;
      i32.set(task, base + TASK);
      Atomics.store(i32, base + CHUNKS, chunks);
      Atomics.store(i32, base + COMPLETED, 0);
      round = (round + 1) % CLOSED_TAG;
      Atomics.store(i32, base + NEXT, round << 20);
      Atomics.add(i32, base + SEQ, 1);
      Atomics.notify(i32, base + SEQ);
      for (let c = claimChunk(i32, base); c >= 0; c = claimChunk(i32, base)) {
        own(c);
        Atomics.add(i32, base + COMPLETED, 1);
      }
      for (let done = Atomics.load(i32, base + COMPLETED); done < chunks; done = Atomics.load(i32, base + COMPLETED)) {
        waitWhileEqual(i32, base + COMPLETED, done);
      }
      // Closed before the next task is written: a late claim now fails its compare-exchange.
      Atomics.store(i32, base + NEXT, CLOSED);
      if (Atomics.load(i32, base + FAILED) !== 0) {
        Atomics.store(i32, base + FAILED, 0);
        throw new TapegradError('matmul: a worker thread failed (a WebAssembly trap); the threads are still running');
      }
    },
    stop() {
      const i32 = rt.i32;
      Atomics.store(i32, base + STOP, 1);
      Atomics.add(i32, base + SEQ, 1);
      Atomics.notify(i32, base + SEQ);
      for (const worker of workers) void worker.terminate?.();
    },
  };
}
