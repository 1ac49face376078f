import { IndexError, ShapeError, fmtShape } from './errors.js';

/**
 * A tensor's shape: one size per dimension, `[]` for a 0-d tensor.
 *
 * @example
 * ```ts
 * const s: Shape = [2, 3];
 * ```
 */
export type Shape = readonly number[];

/**
 * Number of elements of a shape.
 *
 * @example
 * ```ts
 * numelOf([2, 3]); // 6
 * ```
 */
export function numelOf(shape: Shape): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/**
 * Row-major strides of a contiguous tensor of the given shape.
 *
 * @example
 * ```ts
 * contiguousStrides([2, 3]); // [3, 1]
 * ```
 */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i] as number;
  }
  return strides;
}

let lastShape: readonly number[] = [];
let lastStrides: readonly number[] = [];

/**
 * {@link contiguousStrides} for a new tensor, shared with the previous call
 * when the shape is the same (strides are never mutated): a chain of ops on
 * one shape makes one strides array, not one per result, which is less for
 * the collector to trace when the tape keeps them all.
 *
 * @example
 * ```ts
 * tensorStrides([2, 3]) === tensorStrides([2, 3]); // true
 * ```
 */
export function tensorStrides(shape: Shape): readonly number[] {
  if (!shapesEqual(shape, lastShape)) {
    lastStrides = contiguousStrides(shape);
    lastShape = shape.slice();
  }
  return lastStrides;
}

/**
 * Whether two shapes are equal.
 *
 * @example
 * ```ts
 * shapesEqual([2, 3], [2, 3]); // true
 * ```
 */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The shape two or more shapes broadcast to, by NumPy's rules; throws a
 * ShapeError naming `op` and the shapes when they do not fit.
 *
 * @example
 * ```ts
 * broadcastShapes('add', [2, 1], [3]); // [2, 3]
 * ```
 */
export function broadcastShapes(op: string, ...shapes: Shape[]): Shape {
  if (shapes.length === 2) {
    // The common pairs, with no new array: equal shapes, and a 0-d operand.
    const [a, b] = shapes as [Shape, Shape];
    if (b.length === 0 || shapesEqual(a, b)) return a;
    if (a.length === 0) return b;
  }
  const ndim = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(ndim).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = ndim - s.length + i;
      const d = s[i] as number;
      const cur = out[o] as number;
      if (d === cur || d === 1) continue;
      if (cur === 1) out[o] = d;
      else {
        throw new ShapeError(
          `${op}: shapes ${shapes.map(fmtShape).join(' and ')} cannot be broadcast together (dim ${o - ndim} is ${cur} vs ${d})`,
        );
      }
    }
  }
  return out;
}

/**
 * Resolves a possibly negative dimension against `ndim`, or throws an IndexError naming `op`.
 *
 * @example
 * ```ts
 * normalizeDim('sum', -1, 3); // 2
 * ```
 */
export function normalizeDim(op: string, dim: number, ndim: number): number {
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new IndexError(`${op}: dim ${dim} is out of range for a tensor of ${ndim} dims (expected ${lo}..${hi})`);
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/**
 * Resolves a list of dims (or all dims when undefined), sorted and without repeats.
 *
 * @example
 * ```ts
 * normalizeDims('sum', [-1, 0], 3); // [0, 2]
 * ```
 */
export function normalizeDims(op: string, dims: number | readonly number[] | null | undefined, ndim: number): number[] {
  if (dims === undefined || dims === null) return Array.from({ length: ndim }, (_, i) => i);
  if (typeof dims !== 'number' && !Array.isArray(dims)) {
    throw new IndexError(`${op}: expected dim to be an integer, a list of integers or null (all dims), got ${typeof dims === 'object' ? 'an object' : typeof dims}`);
  }
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = list.map((d) => normalizeDim(op, d, ndim));
  if (ndim === 0) return [];
  const set = new Set(out);
  if (set.size !== out.length) throw new IndexError(`${op}: dim ${list.join(', ')} repeats a dimension`);
  return [...set].sort((a, b) => a - b);
}

/**
 * Checks that every size is a non-negative integer.
 *
 * @example
 * ```ts
 * checkShape('zeros', [2, -1]); // throws ShapeError
 * ```
 */
export function checkShape(op: string, shape: Shape): void {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new ShapeError(`${op}: invalid shape ${fmtShape(shape)}: sizes must be non-negative integers`);
  }
}

/**
 * Whether a layout walks its storage in row-major order without gaps.
 *
 * @example
 * ```ts
 * isContiguous([2, 3], [3, 1]); // true
 * ```
 */
export function isContiguous(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const s = shape[i]!;
    if (s !== 1 && strides[i] !== expected) return false;
    expected *= s;
  }
  return true;
}

/**
 * Strides that show a tensor of `(shape, strides)` in `newShape` without
 * copying, or null when no such view exists (PyTorch's rule: each run of
 * merged dims must be contiguous within itself).
 *
 * @example
 * ```ts
 * viewStrides([2, 3], [1, 2], [2, 3, 1]); // [1, 2, 1]
 * viewStrides([2, 3], [1, 2], [6]); // null
 * ```
 */
export function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  if (numelOf(shape) <= 1) return contiguousStrides(newShape);
  const out = new Array<number>(newShape.length).fill(0);
  let viewD = newShape.length - 1;
  let chunkBase = strides[strides.length - 1]!;
  let tensorNumel = 1;
  let viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkBase)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkBase = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}
