import { dtypeOfArray, type DType, type TypedArray } from '../../dtype.js';
import { allocate, allocateUninit } from '../cpu/allocate.js';
import { contiguousStrides, numelOf } from '../../shape.js';
import type { ArrayView } from '../cpu/cpu-kernels.js';
import { copy } from './elementwise.js';
import { coalesce, runs } from './strided-rows.js';

/** `n` elements of `value` (a fresh or recycled array comes zeroed). */
function filled(dtype: DType, n: number, value: number): TypedArray {
  const out = allocate(dtype, n);
  return value === 0 ? out : out.fill(value);
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
  const out = allocateUninit(outDtype, numelOf(index.shape));
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
  // Otherwise (an expanded index, as indexSelect's gradient has) both are made
  // contiguous first: two copies instead of a table of offsets per element.
  const shape = index.shape;
  const strides = contiguousStrides(shape);
  const idx = { data: copy(index, 'int32'), shape, strides, offset: 0 };
  const s = outView.strides[dim]!;
  const id = idx.data;
  const sd = copy(src, dtypeOfArray(src.data));
  const { len, stepA, stepB, a, b } = indexRuns(outView, idx, dim);
  for (let r = 0; r < a.length; r++) {
    for (let j = 0, oa = a[r]!, ib = b[r]!; j < len; j++, oa += stepA, ib += stepB) out[oa + id[ib]! * s]! += sd[ib]!;
  }
  return out;
}
