import { allocate, allocateUninit, type DType, type TypedArray } from '../../dtype.js';
import type { View } from '../backend.js';
import { matmulModuleBytes, type MatmulElement, type MicroTile } from './matmul-module.js';
import { stageOperands } from './matmul-operands.js';
import type { WasmRuntime } from './wasm-runtime.js';

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

type Strides3 = readonly [number, number, number];

/**
 * A batched matmul `[B, M, K] · [B, K, N]` in `element` (float32 unless
 * given) on views of any strides (transposed operands are read by the
 * packing routines, with no extra copy), or null for what it does not handle
 * (other dtypes, tiny products), which the caller hands to the reference
 * kernel.
 *
 * @example
 * ```ts
 * const matmul = createWasmMatmul(rt, 0, { mr: 4, nr: 8 }, { mc: 128, kc: 256, nc: 512 });
 * matmul(a, b, 'float32') ?? jsMatmul(a, b, 'float32');
 * ```
 */
export function createWasmMatmul(
  rt: WasmRuntime,
  base: number,
  tile: MicroTile,
  blocking: Blocking,
  element: MatmulElement = 'float32',
): (a: View, b: View, outDtype: DType) => TypedArray | null {
  const ex = rt.instantiate(matmulModuleBytes(tile, undefined, element));
  const bytes = element === 'float64' ? 8 : 4;
  const Arr = element === 'float64' ? Float64Array : Float32Array;
  const macro = ex['macro'] as Fn;
  const packA = ex['packA'] as Fn;
  const packB = ex['packB'] as Fn;
  const { mr, nr } = tile;
  const { mc: MC, kc: KC, nc: NC } = blocking;
  // Fixed regions after `base`: the edge tile, then the packed blocks (bytes, 64-aligned).
  const tileAt = base;
  const packAAt = tileAt + 256;
  const packBAt = packAAt + Math.ceil(MC / mr) * mr * KC * bytes;
  const dataAt = packBAt + Math.ceil(NC / nr) * nr * KC * bytes;

  /** Lanes a product of M×N computes, edge tiles padded to whole tiles. */
  const padded = (m: number, n: number): number => Math.ceil(m / mr) * mr * Math.ceil(n / nr) * nr;

  /**
   * `C[p] = A[p]·B[p]` for every p < `batch`, C at byte address `c` with
   * `mp ≥ M` rows per batch (rows past M hold whatever the zero-padded tiles
   * gave); `a0`/`b0` are byte addresses of element 0, `sa` A's element
   * strides (batch, row, k) and `sb` B's (batch, k, column).
   */
  function multiply(batch: number, M: number, N: number, mp: number, K: number, a0: number, sa: Strides3, b0: number, sb: Strides3, c: number): void {
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
            // The first block of k stores into C, later ones add to it.
            macro(Math.min(MC, mp - ic), nc, kc, packAAt, packBAt, c + ((p * mp + ic) * N + jc) * bytes, N * bytes, tileAt, pc === 0 ? 0 : 1);
          }
        }
      }
    }
  }

  return (a, b, outDtype) => {
    if (outDtype !== element || !(a.data instanceof Arr) || !(b.data instanceof Arr)) return null;
    const [B, M, K] = a.shape as [number, number, number];
    const N = b.shape[2]!;
    if (B * M * N > 0 && K > 0 && B * M * N * K < MIN_WORK) return null;
    // An empty sum is zero; otherwise the first block of k stores every element, so nothing is zeroed.
    if (B * M * N === 0 || K === 0) return allocate(element, B * M * N);
    const out = allocateUninit(element, B * M * N);
    // Cᵀ = Bᵀ·Aᵀ when that wastes fewer lanes on edge tiles (a thin product's
    // ragged N) and the result is small enough to transpose back cheaply.
    const flip = B * M * N <= MAX_FLIPPED && padded(N, M) < padded(M, N);
    const [m, n] = flip ? [N, M] : [M, N];
    // With whole tiles of columns, rows padded to whole tiles make every tile
    // a full one, stored straight into C (the padding rows are dropped).
    const mp = n % nr === 0 ? Math.ceil(m / mr) * mr : m;
    const staged = stageOperands(rt, a, b, dataAt, B * mp * n);
    if (staged === null) return null;
    const [sab, sam, sak] = a.strides as [number, number, number];
    const [sbb, sbk, sbn] = b.strides as [number, number, number];
    const mem = element === 'float64' ? rt.f64 : rt.f32;
    const c = staged.c / bytes;
    if (flip) {
      multiply(B, m, n, mp, K, staged.b0, [sbb, sbn, sbk], staged.a0, [sab, sak, sam], staged.c);
      for (let p = 0; p < B; p++) {
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) out[(p * M + i) * N + j] = mem[c + (p * mp + j) * M + i]!;
      }
    } else {
      multiply(B, m, n, mp, K, staged.a0, [sab, sam, sak], staged.b0, [sbb, sbk, sbn], staged.c);
      if (mp === M) out.set(mem.subarray(c, c + out.length));
      else for (let p = 0; p < B; p++) out.set(mem.subarray(c + p * mp * N, c + (p * mp + M) * N), p * M * N);
    }
    return out;
  };
}
