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

  return (a, b, outDtype) => {
    if (outDtype !== element || !(a.data instanceof Arr) || !(b.data instanceof Arr)) return null;
    const [B, M, K] = a.shape as [number, number, number];
    const N = b.shape[2]!;
    if (B * M * N > 0 && K > 0 && B * M * N * K < MIN_WORK) return null;
    // An empty sum is zero; otherwise the first block of k stores every element, so nothing is zeroed.
    if (B * M * N === 0 || K === 0) return allocate(element, B * M * N);
    const out = allocateUninit(element, B * M * N);
    const staged = stageOperands(rt, a, b, dataAt, out.length);
    if (staged === null) return null;
    const { a0, b0, c: cAt } = staged;
    const [sab, sam, sak] = a.strides as [number, number, number];
    const [sbb, sbk, sbn] = b.strides as [number, number, number];
    for (let p = 0; p < B; p++) {
      for (let jc = 0; jc < N; jc += NC) {
        const nc = Math.min(NC, N - jc);
        for (let pc = 0; pc < K; pc += KC) {
          const kc = Math.min(KC, K - pc);
          packB(nc, kc, b0 + (p * sbb + pc * sbk + jc * sbn) * bytes, sbn, sbk, packBAt);
          for (let ic = 0; ic < M; ic += MC) {
            const mc = Math.min(MC, M - ic);
            packA(mc, kc, a0 + (p * sab + ic * sam + pc * sak) * bytes, sam, sak, packAAt);
            // The first block of k stores into C, later ones add to it.
            macro(mc, nc, kc, packAAt, packBAt, cAt + ((p * M + ic) * N + jc) * bytes, N * bytes, tileAt, pc === 0 ? 0 : 1);
          }
        }
      }
    }
    const mem = element === 'float64' ? rt.f64 : rt.f32;
    out.set(mem.subarray(cAt / bytes, cAt / bytes + out.length));
    return out;
  };
}
