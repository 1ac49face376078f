import { allocateUninit, type DType, type TypedArray } from '../../dtype.js';
import { contiguousStrides } from '../../shape.js';
import type { View } from '../backend.js';
import { coalesceAnyOrder, rowOffsets, type RowLayout } from '../js/strided-rows.js';
import { stridedModuleBytes } from './strided-module.js';
import { viewSpan } from './view-span.js';
import type { WasmRuntime } from './wasm-runtime.js';

type Fn = (...args: number[]) => void;

/** Below this many elements the staging copies cost more than the reference's loop. */
const MIN_ELEMENTS = 16384;

const align = (bytes: number): number => Math.ceil(bytes / 64) * 64;

/**
 * The float32 strided copy (im2col: the unfolded windows of a convolution's
 * input laid out as columns) and fold (col2im: their overlap-add back, in
 * backward) in wasm. Both walk the same rows as the reference kernels
 * (`coalesceAnyOrder`, `rowOffsets`), with the source's span and the row
 * offsets staged in the scratch region at `base`, so results are identical
 * to the reference's; a row of unit strides is one `memory.copy`. Each
 * returns null for what it leaves to the reference (other dtypes, small
 * tensors, views that reach far beyond their elements).
 *
 * @example
 * ```ts
 * const strided = createWasmStrided(rt, scratchAt);
 * strided.copy(im2colView, 'float32') ?? jsBackend.copy(im2colView, 'float32');
 * ```
 */
export function createWasmStrided(
  rt: WasmRuntime,
  base: number,
): {
  copy(x: View, outDtype: DType): TypedArray | null;
  fold(x: View, dim: number, size: number, step: number, dilation: number, length: number, outDtype: DType): TypedArray | null;
} {
  const ex = rt.instantiate(stridedModuleBytes());
  const copyRows = ex['copyRows'] as Fn;
  const addRows = ex['addRows'] as Fn;

  /**
   * Stages `x`'s span and the rows of `layout` (offsets from `x.offset`, and
   * into an output of `outLength` elements), runs `kernel`, and returns the
   * output's byte address (still in wasm memory) or null.
   */
  function run(kernel: Fn, x: View, layout: RowLayout, outLength: number, zeroOut: boolean): number | null {
    const span = viewSpan(x);
    if (span === null || span.hi - span.lo > 4 * outLength + 4096) return null;
    const last = layout.shape.length - 1;
    const rows = rowOffsets(layout, [x.offset - span.lo, 0]);
    const src = align(base);
    const aAt = align(src + (span.hi - span.lo) * 4);
    const bAt = aAt + rows.a.length * 4;
    const dst = align(bAt + rows.b.length * 4);
    try {
      rt.reserve(dst + outLength * 4);
    } catch {
      return null;
    }
    rt.f32.set(x.data.subarray(span.lo, span.hi), src >> 2);
    rt.i32.set(rows.a, aAt >> 2);
    rt.i32.set(rows.b, bAt >> 2);
    if (zeroOut) rt.f32.fill(0, dst >> 2, (dst >> 2) + outLength);
    kernel(rows.a.length, layout.shape[last]!, layout.strides[0]![last]! * 4, layout.strides[1]![last]! * 4, aAt, bAt, src, dst);
    return dst;
  }

  function result(at: number, n: number): TypedArray {
    const out = allocateUninit('float32', n);
    out.set(rt.f32.subarray(at >> 2, (at >> 2) + n));
    return out;
  }

  return {
    copy(x, outDtype) {
      let n = 1;
      for (const s of x.shape) n *= s;
      if (outDtype !== 'float32' || !(x.data instanceof Float32Array) || n < MIN_ELEMENTS) return null;
      const at = run(copyRows, x, coalesceAnyOrder(x.shape, [x.strides, contiguousStrides(x.shape)]), n, false);
      return at === null ? null : result(at, n);
    },
    fold(x, dim, size, step, dilation, length, outDtype) {
      let n = 1;
      for (const s of x.shape) n *= s;
      if (outDtype !== 'float32' || !(x.data instanceof Float32Array) || n < MIN_ELEMENTS) return null;
      // As the reference: the windows seen as an overlapping view of the output.
      const outShape = x.shape.slice(0, -1);
      outShape[dim] = length;
      const outStrides = contiguousStrides(outShape);
      let outLength = 1;
      for (const s of outShape) outLength *= s;
      const windowStrides = [...outStrides, outStrides[dim]! * dilation];
      windowStrides[dim] = outStrides[dim]! * step;
      const at = run(addRows, x, coalesceAnyOrder(x.shape, [x.strides, windowStrides]), outLength, true);
      return at === null ? null : result(at, outLength);
    },
  };
}
