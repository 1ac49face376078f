import { rejectOptionsObject } from '../options.js';
import { IndexError, ShapeError, fmtShape } from '../errors.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor } from '../tensor/tensor.js';
import { ones } from '../tensor/creation.js';
import { where } from './elementwise.js';
import { pad } from './pad.js';
import { unfold } from './unfold.js';

/**
 * A size, stride, padding or dilation: one number for every spatial dim, or one per dim.
 *
 * @example
 * ```ts
 * const k: SizeArg = [3, 5];
 * ```
 */
export type SizeArg = number | readonly number[];

/**
 * Spreads a size argument over `n` spatial dims, checking that each entry is
 * an integer of at least `min`.
 *
 * @example
 * ```ts
 * perDim('conv2d', 'stride', 2, 2, 1); // [2, 2]
 * ```
 */
export function perDim(op: string, what: string, v: SizeArg, n: number, min: number): number[] {
  if (typeof v !== 'number' && !Array.isArray(v)) {
    rejectOptionsObject(op, what, v, `${op} with ${what} as a number or ${n} numbers, and the options last`);
    throw new IndexError(`${op}: ${what} must be a number or ${n} numbers, got ${v === null ? 'null' : typeof v}`);
  }
  const list = typeof v === 'number' ? new Array<number>(n).fill(v) : v.slice();
  if (list.length !== n) throw new IndexError(`${op}: ${what} must be a number or ${n} numbers, got ${fmtShape(list)}`);
  if (list.some((s) => !Number.isInteger(s) || s < min)) {
    throw new IndexError(`${op}: ${what} must be integers of at least ${min}, got ${fmtShape(list)}`);
  }
  return list;
}

/** Padding before and after each spatial dim. @example `const p: Padding = { before: [1, 1], after: [1, 2] };` */
export interface Padding {
  readonly before: readonly number[];
  readonly after: readonly number[];
}

/** The same padding before and after. @example `symmetric([1, 1])` */
export function symmetric(pads: readonly number[]): Padding {
  return { before: pads, after: pads };
}

/**
 * Pads the trailing `before.length` dims of `x` with `value` and views them as
 * sliding windows: `[..., L1, …, Ld]` becomes `[..., O1, …, Od, K1, …, Kd]`.
 * Throws a ShapeError naming `op` when a window does not fit.
 *
 * @example
 * ```ts
 * windows('maxPool2d', x, [2, 2], [2, 2], [1, 1], symmetric([0, 0]), -Infinity); // [N, C, H/2, W/2, 2, 2]
 * ```
 */
export function windows(op: string, x: Tensor, kernel: readonly number[], stride: readonly number[], dilation: readonly number[], padding: Padding, value = 0): Tensor {
  const n = kernel.length;
  const lead = x.ndim - n;
  const pads: number[] = [];
  for (let i = n - 1; i >= 0; i--) pads.push(padding.before[i]!, padding.after[i]!);
  kernel.forEach((k, i) => {
    const size = x.shape[lead + i]! + padding.before[i]! + padding.after[i]!;
    const span = dilation[i]! * (k - 1) + 1;
    if (span > size) {
      throw new ShapeError(
        `${op}: input of shape ${fmtShape(x.shape)} is too small: spatial dim ${i} has ${size} elements after padding, fewer than the ${span} a window spans (kernel ${fmtShape(kernel)}, dilation ${fmtShape(dilation)})`,
      );
    }
  });
  let out = pads.some((p) => p > 0) ? padWith(x, pads, value) : x;
  for (let i = 0; i < n; i++) out = unfold(out, lead + i, kernel[i]!, stride[i]!, dilation[i]!);
  // unfold appends each window dim last; they already come out in order K1…Kd.
  return out;
}

/** Pads with any value, infinities included (the border is selected, not added). */
function padWith(x: Tensor, pads: readonly number[], value: number): Tensor {
  const placed = pad(x, pads);
  if (value === 0) return placed;
  const inside = noGrad(() => pad(ones(x.shape, { dtype: 'bool', device: x.device }), pads));
  return where(inside, placed, value);
}
