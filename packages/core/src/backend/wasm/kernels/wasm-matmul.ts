import type { DType, TypedArray } from '../../../dtype.js';
import { allocate, allocateUninit } from '../../cpu/allocate.js';
import type { ArrayView } from '../../cpu/cpu-kernels.js';
import { matmulModuleBytes } from '../modules/matmul-module.js';
import type { MatmulElement, MicroTile } from '../modules/micro-kernel.js';
import { stageOperands } from './matmul-operands.js';
import { batchOffsets } from '../../cpu/batch-offsets.js';
import type { WasmRuntime } from '../emitter/wasm-runtime.js';

type Fn = (...args: number[]) => void;

/**
 * Cache blocking (in floats): a `KC×NR` sliver of packed B stays in L1 while
 * the micro-kernel sweeps an `MC×KC` block of packed A held in L2; the packed
 * `KC×NC` block of B is reused across all row blocks of A.
 *
 * @example
 * ```ts
 * const b: Blocking = { mc: 128, kc: 256, nc: 512 };
 * ```
 */
export interface Blocking {
  readonly mc: number;
  readonly kc: number;
  readonly nc: number;
}

/** Below this many multiply-adds the copies cost more than the JS loop. */
const MIN_WORK = 4096;

/** Results up to this many elements may be computed transposed (and transposed back in JS). */
const MAX_FLIPPED = 1 << 16;

/**
 * The blocked product on operands already in wasm memory, for kernels that
 * stage their own (the matmul below, the convolutions): the micro-tile, and
 * the packing regions from `base` up to `dataAt`, where callers put their data.
 *
 * @example
 * ```ts
 * const blocks = createMatmulBlocks(rt, base, MATMUL_TILE, MATMUL_BLOCKING);
 * blocks.multiply(1, m, n, blocks.paddedRows(m, n), k, a0, [0, k, 1], b0, [0, n, 1], c, false);
 * ```
 */
export interface MatmulBlocks {
  readonly element: MatmulElement;
  readonly tile: MicroTile;
  /** First byte after the packing regions. */
  readonly dataAt: number;
  /**
   * Rows per batch to give C for an `m×n` product: rounded up to whole tiles
   * when the columns are whole tiles, so that every tile is a full one,
   * stored straight into C (the padding rows hold garbage); else `m`.
   */
  paddedRows(m: number, n: number): number;
  /** Whether `Cᵀ = Bᵀ·Aᵀ` (an `n×m` product) computes fewer lanes than the `m×n` one. */
  transposedIsCheaper(m: number, n: number): boolean;
  /**
   * `C[p] (+)= A[p]·B[p]` for every p < `batch`, C at byte address `c` with
   * `mp ≥ M` rows of N per batch; `a0`/`b0` are byte addresses of element 0,
   * `sa` A's element strides (batch, row, k) and `sb` B's (batch, k, column).
   * Stores unless `accumulate`.
   */
  multiply(batch: number, M: number, N: number, mp: number, K: number, a0: number, sa: Strides3, b0: number, sb: Strides3, c: number, accumulate: boolean): void;
  /**
   * Packs `count` rows of A (byte address `src`, element strides `sRow` and
   * `sK`) for `kc` steps into `MR`-tall slivers at `dst`, zero-padded to
   * whole slivers: `ceil(count / MR)·MR·kc` elements, the layout the
   * micro-kernel reads.
   */
  packRows(count: number, kc: number, src: number, sRow: number, sK: number, dst: number): void;
}

/**
 * Element strides of a batched matrix operand: batch, row (or k), column.
 *
 * @example
 * ```ts
 * const s: Strides3 = [0, 27, 1]; // one [M, 27] matrix for every batch
 * ```
 */
export type Strides3 = readonly [number, number, number];

/**
 * Instantiates the matmul module for `element` (float32 unless given) with
 * its packing regions at `base`; with `fma` its micro-kernel uses relaxed
 * SIMD's multiply-add (the engine must have relaxed SIMD).
 *
 * @example
 * ```ts
 * const blocks = createMatmulBlocks(rt, base, MATMUL_TILE, MATMUL_BLOCKING);
 * ```
 */
export function createMatmulBlocks(rt: WasmRuntime, base: number, tile: MicroTile, blocking: Blocking, element: MatmulElement = 'float32', fma = false): MatmulBlocks {
  const ex = rt.instantiate(matmulModuleBytes(tile, undefined, element, fma));
  const bytes = element === 'float64' ? 8 : 4;
  const macro = ex['macro'] as Fn;
  const packA = ex['packA'] as Fn;
  const packB = ex['packB'] as Fn;
  const { mr, nr } = tile;
  const { mc: MC, kc: KC, nc: NC } = blocking;
  // Fixed regions after `base`: the edge tile, then the packed blocks (bytes, 64-aligned).
  const tileAt = base;
  const packAAt = tileAt + 256;
  const packBAt = packAAt + Math.ceil(MC / mr) * mr * KC * bytes;
  // Lanes an m×n product computes, edge tiles padded to whole tiles.
  const lanes = (m: number, n: number): number => Math.ceil(m / mr) * mr * Math.ceil(n / nr) * nr;
  return {
    element,
    tile,
    packRows: (count, kc, src, sRow, sK, dst) => packA(count, kc, src, sRow, sK, dst),
    dataAt: packBAt + Math.ceil(NC / nr) * nr * KC * bytes,
    paddedRows: (m, n) => (n % nr === 0 ? Math.ceil(m / mr) * mr : m),
    transposedIsCheaper: (m, n) => lanes(n, m) < lanes(m, n),
    multiply(batch, M, N, mp, K, a0, sa, b0, sb, c, accumulate) {
      const [sab, sam, sak] = sa;
      const [sbb, sbk, sbn] = sb;
      // An operand broadcast over the batch (a conv's weight, a broadcast
      // gradient) that fits one packed block is the same block for every
      // batch: packed once.
      const oneBlock = K <= KC && N <= NC;
      const bOnce = oneBlock && sbb === 0;
      const aOnce = oneBlock && sab === 0 && M <= MC;
      for (let p = 0; p < batch; p++) {
        for (let jc = 0; jc < N; jc += NC) {
          const nc = Math.min(NC, N - jc);
          for (let pc = 0; pc < K; pc += KC) {
            const kc = Math.min(KC, K - pc);
            if (p === 0 || !bOnce) packB(nc, kc, b0 + (p * sbb + pc * sbk + jc * sbn) * bytes, sbn, sbk, packBAt);
            for (let ic = 0; ic < M; ic += MC) {
              if (p === 0 || !aOnce) packA(Math.min(MC, M - ic), kc, a0 + (p * sab + ic * sam + pc * sak) * bytes, sam, sak, packAAt);
              // The first block of k stores into C (unless accumulating), later ones add to it.
              macro(Math.min(MC, mp - ic), nc, kc, packAAt, packBAt, c + ((p * mp + ic) * N + jc) * bytes, N * bytes, tileAt, accumulate || pc > 0 ? 1 : 0);
            }
          }
        }
      }
    },
  };
}

/**
 * A batched matmul `[...batch, M, K] · [...batch, K, N]` in the element type
 * of `blocks` on views of any strides (transposed operands are read by the packing
 * routines, with no extra copy), or null for what it does not handle (other
 * dtypes, tiny products), which the caller hands to the reference kernel.
 *
 * @example
 * ```ts
 * const matmul = createWasmMatmul(rt, createMatmulBlocks(rt, 0, { mr: 4, nr: 8 }, { mc: 128, kc: 256, nc: 512 }));
 * matmul(a, b, 'float32') ?? jsMatmul(a, b, 'float32');
 * ```
 */
export function createWasmMatmul(rt: WasmRuntime, blocks: MatmulBlocks): (a: ArrayView, b: ArrayView, outDtype: DType) => TypedArray | null {
  const { element } = blocks;
  const bytes = element === 'float64' ? 8 : 4;
  const Arr = element === 'float64' ? Float64Array : Float32Array;
  return (a, b, outDtype) => {
    if (outDtype !== element || !(a.data instanceof Arr) || !(b.data instanceof Arr)) return null;
    const nd = a.shape.length;
    const [M, K, N] = [a.shape[nd - 2]!, a.shape[nd - 1]!, b.shape[nd - 1]!];
    let B = 1;
    for (let d = 0; d < nd - 2; d++) B *= a.shape[d]!;
    if (B * M * N > 0 && K > 0 && B * M * N * K < MIN_WORK) return null;
    // An empty sum is zero; otherwise the first block of k stores every element, so nothing is zeroed.
    if (B * M * N === 0 || K === 0) return allocate(element, B * M * N);
    const out = allocateUninit(element, B * M * N);
    // Cᵀ = Bᵀ·Aᵀ when that wastes fewer lanes on edge tiles (a thin product's
    // ragged N) and the result is small enough to transpose back cheaply.
    const flip = B * M * N <= MAX_FLIPPED && blocks.transposedIsCheaper(M, N);
    const [m, n] = flip ? [N, M] : [M, N];
    const mp = blocks.paddedRows(m, n);
    const staged = stageOperands(rt, a, b, blocks.dataAt, B * mp * n);
    if (staged === null) return null;
    const [sam, sak] = [a.strides[nd - 2]!, a.strides[nd - 1]!];
    const [sbk, sbn] = [b.strides[nd - 2]!, b.strides[nd - 1]!];
    // C's rows (or, flipped, its columns) are the left operand's.
    const [l0, sl, r0, sr] = flip ? [staged.b0, [sbn, sbk], staged.a0, [sak, sam]] : [staged.a0, [sam, sak], staged.b0, [sbk, sbn]];
    if (nd === 3) {
      const [sab, sbb] = [a.strides[0]!, b.strides[0]!];
      blocks.multiply(B, m, n, mp, K, l0, [flip ? sbb : sab, sl[0]!, sl[1]!], r0, [flip ? sab : sbb, sr[0]!, sr[1]!], staged.c, false);
    } else {
      // Batch dims no one stride walks: one product per matrix, from its own offset.
      const [ao, bo] = [batchOffsets(a), batchOffsets(b)];
      for (let p = 0; p < B; p++) {
        const [la, ra] = flip ? [(bo[p]! - b.offset) * bytes, (ao[p]! - a.offset) * bytes] : [(ao[p]! - a.offset) * bytes, (bo[p]! - b.offset) * bytes];
        blocks.multiply(1, m, n, mp, K, l0 + la, [0, sl[0]!, sl[1]!], r0 + ra, [0, sr[0]!, sr[1]!], staged.c + p * mp * n * bytes, false);
      }
    }
    const mem = element === 'float64' ? rt.f64 : rt.f32;
    const c = staged.c / bytes;
    if (flip) {
      for (let p = 0; p < B; p++) {
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[(p * M + i) * N + j] = mem[c + (p * mp + j) * M + i]!;
      }
    } else if (mp === M) out.set(mem.subarray(c, c + out.length));
    else for (let p = 0; p < B; p++) out.set(mem.subarray(c + p * mp * N, c + (p * mp + M) * N), p * M * N);
    return out;
  };
}
