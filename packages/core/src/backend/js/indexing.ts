import type { DType, TypedArray } from '../../dtype.js';
import { allocate } from '../cpu/allocate.js';
import { contiguousStrides, numelOf } from '../../shape.js';
import type { ArrayView } from '../cpu/cpu-kernels.js';
import { copy } from './elementwise.js';
import { stridedOffsets } from './strided.js';
import { coalesce, runs } from './strided-rows.js';

/** `n` elements of `value` (a fresh or recycled array comes zeroed). */
function filled(dtype: DType, n: number, value: number): TypedArray {
  const out = allocate(dtype, n);
  return value === 0 ? out : out.fill(value);
}

/** Offsets into `v` at every position of `shape`, with `dim` pinned to 0. */
function offsetsWithout(v: { strides: readonly number[]; offset: number }, shape: readonly number[], dim: number): Int32Array {
  const strides = v.strides.map((s, d) => (d === dim ? 0 : s));
  return stridedOffsets(shape, strides, v.offset);
}

/**
 * The runs of `index`'s positions (see `runs`): their starts in `target`
 * with `dim` pinned to 0 (`a`), and in `index` (`b`).
 */
function indexRuns(target: { strides: readonly number[]; offset: number }, index: ArrayView, dim: number): ReturnType<typeof runs> {
  const pinned = target.strides.map((st, d) => (d === dim ? 0 : st));
  return runs(coalesce(index.shape, [pinned, index.strides]), [target.offset, index.offset]);
}

/**
 * `out[p] = x[p with p[dim] = index[p]]`, the output shaped like `index`.
 * Indices are checked by the caller.
 *
 * @example
 * ```ts
 * gather(x, 1, index, 'float32');
 * ```
 */
export function gather(x: ArrayView, dim: number, index: ArrayView, outDtype: DType): TypedArray {
  const out = copy({ ...index, data: index.data }, outDtype);
  const s = x.strides[dim]!;
  const xd = x.data;
  const id = index.data;
  // Run by run of the last dim: a table of run starts, not of every element.
  const { len, stepA, stepB, a, b } = indexRuns(x, index, dim);
  for (let r = 0, o = 0; r < a.length; r++) {
    for (let j = 0, xa = a[r]!, ib = b[r]!; j < len; j++, xa += stepA, ib += stepB) out[o++] = xd[xa + id[ib]! * s]!;
  }
  return out;
}

/**
 * A contiguous copy of `x` with `src[p]` added at `p with p[dim] = index[p]`
 * for every position `p` of `index`.
 *
 * @example
 * ```ts
 * scatterAdd(x, 0, index, src, 'float32');
 * ```
 */
export function scatterAdd(x: ArrayView, dim: number, index: ArrayView, src: ArrayView, outDtype: DType): TypedArray {
  // A broadcast scalar (the zeros of gather's gradient) is a fill, not a copy of one element over and over.
  const out = x.strides.every((st) => st === 0) ? filled(outDtype, numelOf(x.shape), x.data[x.offset]!) : copy(x, outDtype);
  const outView = { strides: contiguousStrides(x.shape), offset: 0 };
  if (index.strides.every((st, d) => st === src.strides[d])) {
    // `src` walks like `index` (the usual case): run by run, as `gather`.
    const s = outView.strides[dim]!;
    const { len, stepA, stepB, a, b } = indexRuns(outView, index, dim);
    const [id, sd, shift] = [index.data, src.data, src.offset - index.offset];
    for (let r = 0; r < a.length; r++) {
      for (let j = 0, oa = a[r]!, ib = b[r]!; j < len; j++, oa += stepA, ib += stepB) out[oa + id[ib]! * s]! += sd[ib + shift]!;
    }
    return out;
  }
  const oo = offsetsWithout(outView, index.shape, dim);
  const io = stridedOffsets(index.shape, index.strides, index.offset);
  const so = stridedOffsets(index.shape, src.strides, src.offset);
  const s = outView.strides[dim]!;
  const id = index.data;
  const sd = src.data;
  for (let i = 0; i < io.length; i++) out[oo[i]! + id[io[i]!]! * s]! += sd[so[i]!]!;
  return out;
}
