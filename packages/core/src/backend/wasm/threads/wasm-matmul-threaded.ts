import type { DType, TypedArray } from '../../../dtype.js';
import { allocateUninit } from '../../cpu/allocate.js';
import type { ArrayView } from '../../cpu/cpu-kernels.js';
import { matmulModuleBytes } from '../modules/matmul-module.js';
import type { MicroTile } from '../modules/micro-kernel.js';
import { CONTROL_BYTES } from './thread-control.js';
import { startThreadPool } from './thread-pool.js';
import { stageOperands } from '../kernels/matmul-operands.js';
import type { Blocking } from '../kernels/wasm-matmul.js';
import type { WasmApi } from '../emitter/wasm-api.js';
import { relaxedSimdSupported } from '../emitter/simd-support.js';
import { WasmRuntime } from '../emitter/wasm-runtime.js';
import type { WorkerLike } from './worker-like.js';

type Fn = (...args: number[]) => void;

/**
 * Largest the shared memory may grow (a shared memory must declare a maximum,
 * and engines reserve its address space up front); products needing more
 * stay on one thread.
 */
const MAX_BYTES = 1 << 30;
const PAGE = 65536;

/**
 * Fewest multiply-adds in one `(jc, pc)` block worth splitting: below it the
 * handoff (tens of microseconds to wake a worker) costs more than it saves.
 */
const MIN_BLOCK_WORK = 1 << 20;

/** See `rowsPerChunk`. */
const CHUNKS_PER_THREAD = 8;

/**
 * A float32 matmul on several threads, and the means to stop them.
 *
 * @example
 * ```ts
 * const t = createThreadedMatmul(api, tile, blocking, 2, spawn);
 * t.matmul(a, b, 'float32') ?? singleThreaded(a, b, 'float32');
 * t.stop();
 * ```
 */
export interface ThreadedMatmul {
  readonly threads: number;
  /** Whether its micro-kernel uses relaxed SIMD's multiply-add (wherever the engine has it). */
  readonly relaxedSimd: boolean;
  /** True once every worker is ready for tasks. */
  ready(): boolean;
  /** The product, or null where one thread does as well (small products). */
  matmul(a: ArrayView, b: ArrayView, outDtype: DType): TypedArray | null;
  stop(): void;
}

/**
 * The blocked matmul of `createWasmMatmul` with the rows of each `(jc, pc)`
 * block cut into chunks (multiples of the micro-tile's `mr`) that `threads`
 * threads claim, in a runtime of its own: a shared memory and its own
 * instance of the matmul module, so the single-threaded backend is untouched.
 * The calling thread packs the block of B (shared by all), opens a round,
 * computes the chunks it claims, and waits for the rest. Each thread has its
 * own packed-A region and edge tile. Its micro-kernel uses relaxed SIMD's
 * multiply-add wherever the engine has it (a backend built without it keeps
 * its products on one thread).
 *
 * @example
 * ```ts
 * const t = createThreadedMatmul(api, { mr: 4, nr: 8 }, { mc: 128, kc: 256, nc: 1024 }, 2, spawn);
 * ```
 */
export function createThreadedMatmul(
  api: WasmApi,
  tile: MicroTile,
  blocking: Blocking,
  threads: number,
  spawn: (source: string) => WorkerLike,
): ThreadedMatmul {
  const { mr, nr } = tile;
  const { mc: MC, kc: KC, nc: NC } = blocking;
  // Layout (bytes, 64-aligned): [0, 64) unused, the control block, per thread
  // an edge tile and a packed-A block, the shared packed-B block, then the operands.
  const control = 64;
  const packABytes = Math.ceil(MC / mr) * mr * KC * 4;
  const tileAt = (t: number): number => control + CONTROL_BYTES + t * (256 + packABytes);
  const packAAt = (t: number): number => tileAt(t) + 256;
  const packBAt = tileAt(threads);
  const dataAt = packBAt + Math.ceil(NC / nr) * nr * KC * 4;
  const rt = new WasmRuntime(api, dataAt + (1 << 20), MAX_BYTES);
  const fma = relaxedSimdSupported(api);
  const module = compiled(api, tile, fma);
  const ex = rt.instantiateModule(module);
  const rows = ex['rows'] as Fn;
  const packB = ex['packB'] as Fn;
  const pool = startThreadPool(rt, module, control, (w) => [packAAt(w), tileAt(w)], threads, spawn);

  const matmul = (a: ArrayView, b: ArrayView, outDtype: DType): TypedArray | null => {
    if (outDtype !== 'float32' || !(a.data instanceof Float32Array) || !(b.data instanceof Float32Array)) return null;
    // Batch dims that no one stride walks (attention's heads) stay on one thread.
    if (a.shape.length !== 3) return null;
    const [B, M, K] = a.shape as [number, number, number];
    const N = b.shape[2]!;
    // Each thread needs a full micro-tile of rows, and some block must be worth splitting.
    if (M < threads * mr || M * Math.min(N, NC) * Math.min(K, KC) < MIN_BLOCK_WORK) return null;
    const out = allocateUninit('float32', B * M * N);
    // Growing is safe here: the workers are idle between calls.
    const staged = stageOperands(rt, a, b, dataAt, out.length);
    if (staged === null) return null;
    const { a0, b0, c: cAt } = staged;
    const [sab, sam, sak] = a.strides as [number, number, number];
    const [sbb, sbk, sbn] = b.strides as [number, number, number];
    const chunkRows = rowsPerChunk(M, threads, mr, MC);
    const chunks = Math.ceil(M / chunkRows);
    // A fresh result's pages fault on their first write (~12.5 µs per 4 KiB
    // here, 12 ms for 1024²), which the copy at the end would pay on this
    // thread alone. Instead the calling thread touches a share of them in each
    // round, in proportion to the round's work, while the workers compute;
    // the chunk claiming rebalances around it.
    const pages = new PageToucher(out, B * M * N * K);
    for (let p = 0; p < B; p++) {
      for (let jc = 0; jc < N; jc += NC) {
        const nc = Math.min(NC, N - jc);
        for (let pc = 0; pc < K; pc += KC) {
          const kc = Math.min(KC, K - pc);
          packB(nc, kc, b0 + (p * sbb + pc * sbk + jc * sbn) * 4, sbn, sbk, packBAt);
          const aBlock = a0 + (p * sab + pc * sak) * 4;
          const cBlock = cAt + (p * M * N + jc) * 4;
          // The first block of k stores into C, later ones add to it.
          const add = pc === 0 ? 0 : 1;
          if (M * nc * kc < MIN_BLOCK_WORK) {
            // A thin edge block of N or K: not worth waking anyone.
            rows(0, M, MC, kc, nc, aBlock, sam, sak, packAAt(0), packBAt, cBlock, N * 4, tileAt(0), add);
            continue;
          }
          const task = [chunkRows, M, kc, nc, aBlock, sam, sak, packBAt, cBlock, N * 4, add];
          let touch = true;
          pool.run(task, chunks, (c) => {
            if (touch) pages.touch(M * nc * kc);
            touch = false;
            const i0 = c * chunkRows;
            rows(i0, Math.min(M, i0 + chunkRows), chunkRows, kc, nc, aBlock, sam, sak, packAAt(0), packBAt, cBlock, N * 4, tileAt(0), add);
          });
        }
      }
    }
    pages.touch(Infinity);
    out.set(rt.f32.subarray(cAt >> 2, (cAt >> 2) + out.length));
    return out;
  };
  return { threads, relaxedSimd: fma, ready: () => pool.ready(), matmul, stop: () => pool.stop() };
}

/** Floats in a 4 KiB page. */
const PAGE_FLOATS = 1024;

/**
 * Writes one float per page of `out`, front to back, `work / totalWork` of
 * the pages per call, so the page faults of a fresh array are taken early
 * and spread over the rounds; a recycled array is already mapped and only
 * sees a few stores.
 */
class PageToucher {
  private next = 0;
  constructor(
    private readonly out: TypedArray,
    private readonly totalWork: number,
  ) {}

  touch(work: number): void {
    const n = this.out.length;
    const end = Math.min(n, this.next + Math.ceil((n * work) / this.totalWork / PAGE_FLOATS) * PAGE_FLOATS);
    for (let i = this.next; i < end; i += PAGE_FLOATS) this.out[i] = 0;
    this.next = Math.max(this.next, end);
  }
}

/**
 * Rows per chunk: a multiple of `mr` (so only the last chunk has an edge
 * tile), at most `mc`, and about `CHUNKS_PER_THREAD` chunks per thread, so a
 * thread that starts late leaves its share to the others.
 */
function rowsPerChunk(m: number, threads: number, mr: number, mc: number): number {
  return Math.min(mc, Math.ceil(m / (threads * CHUNKS_PER_THREAD) / mr) * mr);
}

let cache: { api: WasmApi; tile: MicroTile; fma: boolean; module: object } | null = null;

/**
 * The shared-memory matmul module, compiled once: V8 starts wasm code in its
 * baseline tier and optimises hot functions as they run, so a module kept
 * across `setNumThreads` calls keeps its optimised code.
 */
function compiled(api: WasmApi, tile: MicroTile, fma: boolean): object {
  if (cache === null || cache.api !== api || cache.tile !== tile || cache.fma !== fma) {
    cache = { api, tile, fma, module: new api.Module(matmulModuleBytes(tile, MAX_BYTES / PAGE, 'float32', fma)) };
  }
  return cache.module;
}
