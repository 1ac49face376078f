import type { DType, TypedArray } from '../../../dtype.js';
import { allocateUninit } from '../../cpu/allocate.js';
import type { ArrayView } from '../../cpu/cpu-kernels.js';
import type { ReduceKernel } from '../../../primitives/primitives.js';
import { streamLayout } from './stream-layout.js';
import type { StreamBuffers } from './wasm-elementwise.js';
import type { WasmRuntime } from '../emitter/wasm-runtime.js';

type SumRange = (n: number, src: number) => number;
type Fn = (...args: number[]) => void;
type Rows = (rows: number, len: number, src: number, dst: number) => void;

const MIN_ELEMENTS = 256;

/**
 * The element count `n` and row length `len` of a contiguous view of at
 * least MIN_ELEMENTS reduced over exactly its trailing dims (rows), or null.
 */
function trailingRows(x: ArrayView, axes: readonly number[]): { n: number; len: number } | null {
  let n = 1;
  for (const s of x.shape) n *= s;
  if (n < MIN_ELEMENTS || streamLayout(x)?.kind !== 'contiguous') return null;
  const nd = x.shape.length;
  if (!axes.every((d, i) => d === nd - axes.length + i)) return null;
  let len = 1;
  for (const d of axes) len *= x.shape[d]!;
  return { n, len };
}

/**
 * Float32 sums of a contiguous tensor over all its dims, its trailing dims
 * (rows, as in a softmax denominator) or its leading dims (columns, as in a
 * bias gradient), accumulated in float64 like the reference; null for the rest.
 * `f64At` is a float64 scratch buffer of `buf.chunk` elements.
 *
 * @example
 * ```ts
 * const sum = createWasmSum(rt, exports, buffers, f64At);
 * sum('sum', x, [1], 'float32') ?? jsReduce('sum', x, [1], 'float32');
 * ```
 */
export function createWasmSum(
  rt: WasmRuntime,
  ex: Record<string, unknown>,
  buf: StreamBuffers,
  f64At: number,
): (op: ReduceKernel, x: ArrayView, axes: readonly number[], outDtype: DType) => TypedArray | null {
  const sumRange = ex['sumRange'] as SumRange;
  const sumRows = ex['sumRows'] as Fn;
  const sumCols = ex['sumCols'] as Fn;
  const CH = buf.chunk;

  const sumRange64 = ex['sumRange_f64'] as SumRange;

  /** The float64 sum of `len` contiguous elements from `src[from]` (float32 or float64), chunk by chunk. */
  function sumSpan(src: Float32Array | Float64Array, from: number, len: number): number {
    const wide = src instanceof Float64Array;
    const [chunk, shift, f] = wide ? [CH >> 1, 3, sumRange64] : [CH, 2, sumRange];
    let acc = 0;
    for (let s = 0; s < len; s += chunk) {
      const m = Math.min(chunk, len - s);
      (wide ? rt.f64 : rt.f32).set(src.subarray(from + s, from + s + m), buf.a >> shift);
      acc += f(m, buf.a);
    }
    return acc;
  }

  /** float64 sums over all dims or trailing dims with long rows; null otherwise. */
  function sum64(x: ArrayView, axes: readonly number[], src: Float64Array): TypedArray | null {
    const rows = trailingRows(x, axes);
    if (rows === null || rows.len < MIN_ELEMENTS) return null;
    const { n, len } = rows;
    const out = allocateUninit('float64', n / len);
    for (let r = 0; r < out.length; r++) out[r] = sumSpan(src, x.offset + r * len, len);
    return out;
  }

  /** Sums (in float64) of the `out.length` contiguous rows of `len` floats from `src[from]`, into `out`. */
  function rowSums<T extends Float32Array | Float64Array>(src: Float32Array, from: number, len: number, out: T): T {
    const rows = out.length;
    if (len >= CH) {
      for (let r = 0; r < rows; r++) out[r] = sumSpan(src, from + r * len, len);
      return out;
    }
    const per = Math.floor(CH / len);
    for (let r = 0; r < rows; r += per) {
      const m = Math.min(per, rows - r);
      rt.f32.set(src.subarray(from + r * len, from + (r + m) * len), buf.a >> 2);
      sumRows(m, len, buf.a, f64At);
      out.set(rt.f64.subarray(f64At >> 3, (f64At >> 3) + m), r);
    }
    return out;
  }

  return (op, x, axes, outDtype) => {
    if (op === 'sum' && outDtype === 'float64' && x.data instanceof Float64Array) return sum64(x, axes, x.data);
    if (op !== 'sum' || outDtype !== 'float32' || !(x.data instanceof Float32Array)) return null;
    let n = 1;
    for (const s of x.shape) n *= s;
    if (n < MIN_ELEMENTS || streamLayout(x)?.kind !== 'contiguous') return null;
    const nd = x.shape.length;
    // Sorted axes that are exactly the last k dims, or exactly the first k (or both at once, below).
    const trailing = axes.every((d, i) => d === nd - axes.length + i);
    const leading = axes.every((d, i) => d === i);
    let len = 1;
    for (const d of axes) len *= x.shape[d]!;
    const src = x.data;
    if (trailing) {
      return rowSums(src, x.offset, len, allocateUninit('float32', n / len) as Float32Array);
    }
    // Leading and trailing dims (a conv bias's gradient, [N, C, H, W] over N, H, W):
    // float64 sums of the trailing rows, then of those over the leading dims.
    const lead = axes.findIndex((d, i) => d !== i);
    const tail = axes.slice(lead);
    if (lead > 0 && tail.every((d, i) => d === nd - tail.length + i)) {
      let rowLen = 1;
      for (const d of tail) rowLen *= x.shape[d]!;
      const sums = rowSums(src, x.offset, rowLen, new Float64Array(n / rowLen));
      const outer = len / rowLen;
      const kept = sums.length / outer;
      const acc = new Float64Array(kept);
      for (let o = 0; o < outer; o++) for (let j = 0; j < kept; j++) acc[j]! += sums[o * kept + j]!;
      const out = allocateUninit('float32', kept);
      out.set(acc);
      return out;
    }
    if (leading) {
      const cols = n / len;
      if (cols > CH - 4) return null;
      const f64 = rt.f64;
      f64.fill(0, f64At >> 3, (f64At >> 3) + cols + 4);
      const per = Math.max(1, Math.floor(CH / cols));
      for (let r = 0; r < len; r += per) {
        const m = Math.min(per, len - r);
        rt.f32.set(src.subarray(x.offset + r * cols, x.offset + (r + m) * cols), buf.a >> 2);
        sumCols(m, cols, buf.a, f64At);
      }
      const out = allocateUninit('float32', cols);
      for (let j = 0; j < cols; j++) out[j] = rt.f64[(f64At >> 3) + j]!;
      return out;
    }
    return null;
  };
}

/** The first zero of `len` elements of `src` from `from`, with its sign. */
function firstZero(src: Float32Array, from: number, len: number): number {
  for (let i = from; i < from + len; i++) if (src[i] === 0) return src[i]!;
  return 0;
}

/**
 * Float32 maxima and minima of a contiguous tensor over its trailing dims
 * (rows: a softmax's shift, a scale per slice), or over all of them; null
 * for the rest. As in the reference, a NaN wins, and of equal values the
 * first counts: where a row's extreme is zero, its sign is that of the
 * row's first zero (wasm's max and min would put +0 above −0).
 *
 * @example
 * ```ts
 * const extreme = createWasmExtreme(rt, exports, buffers);
 * extreme('max', x, [1], 'float32') ?? jsReduce('max', x, [1], 'float32');
 * ```
 */
export function createWasmExtreme(
  rt: WasmRuntime,
  ex: Record<string, unknown>,
  buf: StreamBuffers,
): (op: ReduceKernel, x: ArrayView, axes: readonly number[], outDtype: DType) => TypedArray | null {
  const kernels = { max: ex['maxRows'] as Rows, min: ex['minRows'] as Rows };
  const CH = buf.chunk;
  const at = buf.out >> 2;

  return (op, x, axes, outDtype) => {
    if ((op !== 'max' && op !== 'min') || outDtype !== 'float32' || !(x.data instanceof Float32Array)) return null;
    const trailing = trailingRows(x, axes);
    if (trailing === null) return null;
    const { n, len } = trailing;
    const f = kernels[op];
    const src = x.data;
    const out = allocateUninit('float32', n / len) as Float32Array;
    const rows = out.length;
    if (len > CH) {
      // Chunk by chunk, combined as wasm combines: Math.max and Math.min also let NaN win and put +0 above −0.
      const pick = op === 'max' ? Math.max : Math.min;
      for (let r = 0; r < rows; r++) {
        let acc = op === 'max' ? -Infinity : Infinity;
        for (let s = 0, from = x.offset + r * len; s < len; s += CH) {
          const m = Math.min(CH, len - s);
          rt.f32.set(src.subarray(from + s, from + s + m), buf.a >> 2);
          f(1, m, buf.a, buf.out);
          acc = pick(acc, rt.f32[at]!);
        }
        out[r] = acc;
      }
    } else {
      const per = Math.floor(CH / len);
      for (let r = 0; r < rows; r += per) {
        const m = Math.min(per, rows - r);
        rt.f32.set(src.subarray(x.offset + r * len, x.offset + (r + m) * len), buf.a >> 2);
        f(m, len, buf.a, buf.out);
        out.set(rt.f32.subarray(at, at + m), r);
      }
    }
    for (let r = 0; r < rows; r++) if (out[r] === 0) out[r] = firstZero(src, x.offset + r * len, len);
    return out;
  };
}
