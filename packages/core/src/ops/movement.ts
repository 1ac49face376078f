import { IndexError, ShapeError, TapegradError, fmtShape } from '../errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import { apply } from '../primitives/apply.js';
import { checkShape, isContiguous, normalizeDim, normalizeDims, numelOf, shapesEqual, viewStrides } from '../shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { full } from '../tensor/creation.js';
import { viewOf } from '../tensor/make.js';
import { where } from './elementwise.js';

function inferShape(op: string, x: Tensor, shape: readonly number[]): number[] {
  const out = shape.slice();
  const free = out.indexOf(-1);
  if (free !== out.lastIndexOf(-1)) throw new ShapeError(`${op}: only one dimension can be -1, got ${fmtShape(shape)}`);
  if (free >= 0) {
    const known = out.reduce((n, s, i) => (i === free ? n : n * s), 1);
    if (known === 0 || x.numel % known !== 0) {
      throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for a tensor of shape ${fmtShape(x.shape)} (${x.numel} elements)`);
    }
    out[free] = x.numel / known;
  }
  checkShape(op, out);
  if (numelOf(out) !== x.numel) {
    throw new ShapeError(`${op}: shape ${fmtShape(shape)} is invalid for a tensor of shape ${fmtShape(x.shape)} (${x.numel} elements)`);
  }
  return out;
}

/** The same elements in another shape; a view when the layout allows, else a copy. @example `reshape(x, [3, -1])` */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const s = inferShape('reshape', x, shape);
  return shapesEqual(s, x.shape) ? x : apply('reshape', [x], { shape: s });
}

/** A view in another shape; throws when the layout needs a copy (use reshape). @example `view(x, [6])` */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  const s = inferShape('view', x, shape);
  if (viewStrides(x.shape, x.strides, s) === null) {
    throw new ShapeError(`view: a tensor of shape ${fmtShape(x.shape)} and strides ${fmtShape(x.strides)} cannot be viewed as ${fmtShape(s)}; use reshape(), which copies`);
  }
  return shapesEqual(s, x.shape) ? x : apply('reshape', [x], { shape: s });
}

/** Merges dims `startDim..endDim`. @example `flatten(x, 1)` */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const a = normalizeDim('flatten', startDim, x.ndim);
  const b = normalizeDim('flatten', endDim, x.ndim);
  if (a > b) throw new IndexError(`flatten: startDim ${startDim} comes after endDim ${endDim}`);
  const merged = x.shape.slice(a, b + 1).reduce((n, s) => n * s, 1);
  return reshape(x, [...x.shape.slice(0, a), merged, ...x.shape.slice(b + 1)]);
}

/** Reorders dims (a view). @example `permute(x, [1, 0])` */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new IndexError(`permute: got ${dims.length} dims ${fmtShape(dims)} for a tensor of ${x.ndim} dims (shape ${fmtShape(x.shape)})`);
  }
  const norm = dims.map((d) => normalizeDim('permute', d, x.ndim));
  if (new Set(norm).size !== norm.length) throw new IndexError(`permute: dims ${fmtShape(dims)} repeat a dimension`);
  if (norm.every((d, i) => d === i)) return x;
  return apply('permute', [x], { dims: norm });
}

/** Swaps two dims (a view). @example `transpose(x, 0, 1)` */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.ndim < 2 && (dim0 === -2 || dim1 === -2)) {
    throw new IndexError(`transpose: a tensor of shape ${fmtShape(x.shape)} has no matrix dims to transpose`);
  }
  const a = normalizeDim('transpose', dim0, x.ndim);
  const b = normalizeDim('transpose', dim1, x.ndim);
  if (a === b) return x;
  const dims = Array.from({ length: x.ndim }, (_, i) => (i === a ? b : i === b ? a : i));
  return apply('permute', [x], { dims });
}

/** Broadcasts to `shape` without copying (−1 keeps a size). @example `expand(b, [4, 3])` */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < x.ndim) {
    throw new ShapeError(`expand: the target shape ${fmtShape(shape)} has fewer dims than the tensor's ${fmtShape(x.shape)}`);
  }
  const lead = shape.length - x.ndim;
  const out = shape.map((s, i) => {
    const own = i < lead ? undefined : x.shape[i - lead]!;
    if (s === -1) {
      if (own === undefined) throw new ShapeError(`expand: -1 is not allowed for the new leading dim ${i} of ${fmtShape(shape)}`);
      return own;
    }
    if (own !== undefined && own !== 1 && own !== s) {
      throw new ShapeError(`expand: the size of dim ${i - lead} (${own}) of a tensor of shape ${fmtShape(x.shape)} must match ${s} in ${fmtShape(shape)}, or be 1`);
    }
    return s;
  });
  checkShape('expand', out);
  return shapesEqual(out, x.shape) ? x : apply('expand', [x], { shape: out });
}

/** Removes size-1 dims (all, or the given ones if size 1). @example `squeeze(x, 0)` */
export function squeeze(x: Tensor, dim?: number | readonly number[] | null): Tensor {
  const dims = dim === undefined || dim === null ? x.shape.map((_, i) => i) : normalizeDims('squeeze', dim, x.ndim);
  const shape = x.shape.filter((s, i) => !(s === 1 && dims.includes(i)));
  return reshape(x, shape);
}

/** Inserts a size-1 dim at `dim` (−1 appends). @example `unsqueeze(x, 0)` */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim('unsqueeze', dim, x.ndim + 1);
  return reshape(x, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)]);
}

function window(x: Tensor, dim: number, start: number, step: number, len: number): Tensor {
  const starts = x.shape.map((_, i) => (i === dim ? start : 0));
  const steps = x.shape.map((_, i) => (i === dim ? step : 1));
  const shape = x.shape.map((s, i) => (i === dim ? len : s));
  return apply('slice', [x], { starts, steps, shape });
}

/**
 * The view `start:end:step` along `dim`; negative bounds count from the end
 * and out-of-range bounds clamp, as in Python.
 *
 * @example
 * ```ts
 * slice(x, 0, 1, -1);
 * ```
 */
export function slice(x: Tensor, dim: number, start?: number, end?: number, step = 1): Tensor {
  const d = normalizeDim('slice', dim, x.ndim);
  if (x.ndim === 0) throw new IndexError('slice: cannot slice a 0-d tensor');
  if (!Number.isInteger(step) || step <= 0) throw new TapegradError(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d]!;
  const clampIdx = (v: number): number => Math.min(n, Math.max(0, v < 0 ? v + n : v));
  const s = clampIdx(start ?? 0);
  const e = clampIdx(end ?? n);
  const len = Math.max(0, Math.ceil((e - s) / step));
  if (s === 0 && len === n && step === 1) return x;
  return window(x, d, len === 0 ? 0 : s, step, len);
}

/** `length` elements from `start` along `dim` (a view). @example `narrow(x, 0, 1, 2)` */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim('narrow', dim, x.ndim);
  const n = x.shape[d]!;
  const s = start < 0 ? start + n : start;
  if (s < 0 || length < 0 || s + length > n) {
    throw new IndexError(`narrow: start ${start} and length ${length} are out of range for dim ${dim} of size ${n} (shape ${fmtShape(x.shape)})`);
  }
  return s === 0 && length === n ? x : window(x, d, s, 1, length);
}

/** The view at `index` along `dim`, which is removed. @example `select(x, 0, -1)` */
export function select(x: Tensor, dim: number, index: number): Tensor {
  const d = normalizeDim('select', dim, x.ndim);
  const n = x.shape[d]!;
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new IndexError(`select: index ${index} is out of range for dim ${dim} of size ${n} (shape ${fmtShape(x.shape)})`);
  }
  const i = index < 0 ? index + n : index;
  return reshape(window(x, d, i, 1, 1), x.shape.filter((_, k) => k !== d));
}

/** Whether `x` is laid out row-major without gaps. @example `isContiguousTensor(x)` */
export function isContiguousTensor(x: Tensor): boolean {
  return isContiguous(x.shape, x.strides);
}

/** `x` itself if contiguous, else a contiguous copy. @example `contiguous(x.mT)` */
export function contiguous(x: Tensor): Tensor {
  return isContiguousTensor(x) ? x : apply('contiguous', [x], undefined);
}

/** A view that shares storage but is cut out of the graph. @example `detach(x)` */
export function detach(x: Tensor): Tensor {
  return viewOf(x, x.shape, x.strides, x.offset);
}

/** Pieces of `size` (or the given sizes) along `dim`. @example `split(x, 2)` */
export function split(x: Tensor, size: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim('split', dim, x.ndim);
  const n = x.shape[d]!;
  let sizes: number[];
  if (typeof size === 'number') {
    if (!Number.isInteger(size) || size <= 0) throw new TapegradError(`split: size must be a positive integer, got ${size}`);
    sizes = [];
    for (let at = 0; at < n; at += size) sizes.push(Math.min(size, n - at));
  } else {
    sizes = size.slice();
    if (sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new ShapeError(`split: sizes ${fmtShape(sizes)} do not add up to ${n}, the size of dim ${dim} of ${fmtShape(x.shape)}`);
    }
  }
  let at = 0;
  return sizes.map((s) => {
    const piece = narrow(x, d, at, s);
    at += s;
    return piece;
  });
}

/** `chunks` pieces (the last may be smaller) along `dim`. @example `chunk(x, 3)` */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0) throw new TapegradError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d]! / chunks)), d);
}

/** A copy reversed along `dims`. @example `flip(x, [0])` */
export function flip(x: Tensor, dims: readonly number[]): Tensor {
  const ds = normalizeDims('flip', dims, x.ndim);
  if (ds.length === 0) return x.clone();
  const starts = x.shape.map((s, i) => (ds.includes(i) ? s - 1 : 0));
  const steps = x.shape.map((_, i) => (ds.includes(i) ? -1 : 1));
  return apply('slice', [x], { starts, steps, shape: x.shape }).clone();
}

/**
 * Pads the last dims: `pads = [left, right]` for the last dim, then
 * `[top, bottom]` for the one before it, and so on, with `value`.
 *
 * @example
 * ```ts
 * pad(img, [1, 1, 1, 1]);
 * ```
 */
export function pad(x: Tensor, pads: readonly number[], value = 0): Tensor {
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim) {
    throw new ShapeError(`pad: pads ${fmtShape(pads)} must be pairs for at most the ${x.ndim} dims of ${fmtShape(x.shape)}`);
  }
  if (pads.some((p) => !Number.isInteger(p) || p < 0)) throw new ShapeError(`pad: pads must be non-negative integers, got ${fmtShape(pads)}`);
  const before = x.shape.map(() => 0);
  const shape = x.shape.slice();
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.ndim - 1 - i;
    before[d] = pads[2 * i]!;
    shape[d] = shape[d]! + pads[2 * i]! + pads[2 * i + 1]!;
  }
  const steps = x.shape.map(() => 1);
  const placed = apply('unslice', [x], { starts: before, steps, shape });
  if (value === 0) return placed;
  // A mask rather than arithmetic, so that value = ±∞ (max pooling's padding) stays exact.
  const inside = noGrad(() => apply('unslice', [full(x.shape, 1, { dtype: 'bool', device: x.device })], { starts: before, steps, shape }));
  return where(inside, placed, value);
}

/** Tiles `x` `repeats[i]` times along each dim (PyTorch's `repeat`). @example `repeat(x, [2, 1])` */
export function repeat(x: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length < x.ndim) {
    throw new ShapeError(`repeat: ${repeats.length} repeats given for a tensor of ${x.ndim} dims (shape ${fmtShape(x.shape)}); give at least one per dim`);
  }
  checkShape('repeat', repeats);
  const lead = repeats.length - x.ndim;
  const own = [...repeats.slice(0, lead).map(() => 1), ...x.shape];
  const interleaved = own.flatMap((s) => [1, s]);
  const expanded = own.flatMap((s, i) => [repeats[i]!, s]);
  return reshape(expand(reshape(x, interleaved), expanded), own.map((s, i) => s * repeats[i]!));
}

/** Concatenates along an existing dim. @example `cat([a, b], 0)` */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const first = tensors[0];
  if (first === undefined) throw new TapegradError('cat: expected a non-empty list of tensors');
  if (first.ndim === 0) throw new ShapeError('cat: zero-dimensional tensors cannot be concatenated; use stack');
  const d = normalizeDim('cat', dim, first.ndim);
  tensors.forEach((t, i) => {
    if (t.ndim !== first.ndim || t.shape.some((s, k) => k !== d && s !== first.shape[k])) {
      throw new ShapeError(`cat: tensor ${i} has shape ${fmtShape(t.shape)} but tensor 0 has ${fmtShape(first.shape)}; sizes must match except in dim ${d}`);
    }
  });
  return apply('cat', tensors, { dim: d });
}

/** Stacks along a new dim. @example `stack([a, b])` */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const first = tensors[0];
  if (first === undefined) throw new TapegradError('stack: expected a non-empty list of tensors');
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, first.shape)) {
      throw new ShapeError(`stack: tensor ${i} has shape ${fmtShape(t.shape)} but tensor 0 has ${fmtShape(first.shape)}; all must be equal`);
    }
  });
  const d = normalizeDim('stack', dim, first.ndim + 1);
  return cat(tensors.map((t) => unsqueeze(t, d)), d);
}
