import type { ArrayView } from '../../cpu/cpu-kernels.js';
import { viewSpan } from './view-span.js';
import { align, type WasmRuntime } from '../emitter/wasm-runtime.js';

/**
 * Where `stageOperands` put a product's operands and result in wasm memory
 * (byte addresses): `a0`/`b0` address element 0 of each view, so the packing
 * routines read them through the views' own strides; `c` is `outLength` elements.
 *
 * @example
 * ```ts
 * const at: StagedOperands = { a0: 4096, b0: 8192, c: 12288 };
 * ```
 */
export interface StagedOperands {
  readonly a0: number;
  readonly b0: number;
  readonly c: number;
}

/**
 * Copies the span of storage each operand's view touches (transposed or
 * flipped views included, with no transposing copy) to `dataAt` onwards and
 * reserves room for a result of `outLength` elements after them (float32, or
 * float64 when the operands are); null when the
 * memory cannot grow that far (the caller then hands the product to the
 * reference kernel, which needs no scratch).
 *
 * @example
 * ```ts
 * const at = stageOperands(rt, a, b, dataAt, M * N);
 * ```
 */
export function stageOperands(rt: WasmRuntime, a: ArrayView, b: ArrayView, dataAt: number, outLength: number): StagedOperands | null {
  const wide = a.data instanceof Float64Array;
  const bytes = wide ? 8 : 4;
  const sa = viewSpan(a)!;
  const sb = viewSpan(b)!;
  const aAt = dataAt;
  const bAt = align(aAt + (sa.hi - sa.lo) * bytes);
  const c = align(bAt + (sb.hi - sb.lo) * bytes);
  try {
    rt.reserve(c + outLength * bytes);
  } catch {
    // Past what the engine lets a memory grow to (4 GB at most, less for a shared one).
    return null;
  }
  const mem = wide ? rt.f64 : rt.f32;
  mem.set(a.data.subarray(sa.lo, sa.hi), aAt / bytes);
  mem.set(b.data.subarray(sb.lo, sb.hi), bAt / bytes);
  return { a0: aAt + (a.offset - sa.lo) * bytes, b0: bAt + (b.offset - sb.lo) * bytes, c };
}
