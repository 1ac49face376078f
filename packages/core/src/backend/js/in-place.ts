import { dtypeOfArray } from '../../dtype.js';
import type { ArrayView } from '../cpu/cpu-kernels.js';
import type { BinaryKernel, UnaryKernel } from '../../primitives/primitives.js';
import { binaryFn, unaryFn } from './elementwise.js';
import { offsetsOrNull } from './strided.js';

/**
 * How a loop finds element `i` of a view without a closure per element:
 * `offs[i]` when the view is strided, else `base + i·step` (step 1 for a
 * contiguous view, 0 for a scalar broadcast to every position).
 */
interface Walk {
  readonly offs: Int32Array | null;
  readonly base: number;
  readonly step: number;
}

function walk(v: ArrayView): Walk {
  if (v.strides.every((s) => s === 0)) return { offs: null, base: v.offset, step: 0 };
  return { offs: offsetsOrNull(v), base: v.offset, step: 1 };
}

function size(v: ArrayView): number {
  let n = 1;
  for (const s of v.shape) n *= s;
  return n;
}

/**
 * `dst = op(dst)` in place, in `dst`'s element type.
 *
 * @example
 * ```ts
 * unaryInPlace('sqrt', view);
 * ```
 */
export function unaryInPlace(op: UnaryKernel, dst: ArrayView): void {
  const f = unaryFn(op, dtypeOfArray(dst.data));
  const n = size(dst);
  const d = dst.data;
  const { offs, base } = walk(dst);
  if (offs === null) for (let i = base, end = base + n; i < end; i++) d[i] = f(d[i]!);
  else for (let i = 0; i < n; i++) d[offs[i]!] = f(d[offs[i]!]!);
}

/**
 * `dst = op(dst, src)` in place, `src` broadcast to `dst`'s shape.
 *
 * @example
 * ```ts
 * binaryInPlace('mul', paramView, scalarView);
 * ```
 */
export function binaryInPlace(op: BinaryKernel, dst: ArrayView, src: ArrayView): void {
  const f = binaryFn(op, dtypeOfArray(dst.data));
  const n = size(dst);
  const d = dst.data;
  const s = src.data;
  const w = walk(dst);
  const r = walk(src);
  if (w.offs === null && r.offs === null) {
    // The optimizer's case: contiguous or scalar operands, no index arrays.
    const [db, sb, ss] = [w.base, r.base, r.step];
    for (let i = 0; i < n; i++) d[db + i] = f(d[db + i]!, s[sb + i * ss]!);
    return;
  }
  for (let i = 0; i < n; i++) {
    const k = w.offs === null ? w.base + i : w.offs[i]!;
    d[k] = f(d[k]!, s[r.offs === null ? r.base + i * r.step : r.offs[i]!]!);
  }
}

/**
 * `dst = dst + value · op(a, b)` in place, `a` and `b` broadcast to `dst`'s
 * shape; the sum is rounded once, into `dst`'s element type.
 *
 * @example
 * ```ts
 * addcInPlace('mul', expAvgSq, grad, grad, 1 - beta2);
 * ```
 */
export function addcInPlace(op: BinaryKernel, dst: ArrayView, a: ArrayView, b: ArrayView, value: number): void {
  const f = binaryFn(op, 'float64');
  // Bool storage keeps 0/1; other types take the sum as an assignment would.
  const g = binaryFn('add', dtypeOfArray(dst.data));
  const n = size(dst);
  const d = dst.data;
  const [ad, bd] = [a.data, b.data];
  const w = walk(dst);
  const ra = walk(a);
  const rb = walk(b);
  if (w.offs === null && ra.offs === null && rb.offs === null) {
    const [db, ab, as, bb, bs] = [w.base, ra.base, ra.step, rb.base, rb.step];
    for (let i = 0; i < n; i++) d[db + i] = g(d[db + i]!, value * f(ad[ab + i * as]!, bd[bb + i * bs]!));
    return;
  }
  for (let i = 0; i < n; i++) {
    const k = w.offs === null ? w.base + i : w.offs[i]!;
    const x = ad[ra.offs === null ? ra.base + i * ra.step : ra.offs[i]!]!;
    const y = bd[rb.offs === null ? rb.base + i * rb.step : rb.offs[i]!]!;
    d[k] = g(d[k]!, value * f(x, y));
  }
}
