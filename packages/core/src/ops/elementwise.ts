import { DTYPES, isFloating, scalarDtype, type DType, type TypedArray } from '../dtype.js';
import { DTypeError, DeviceError, ShapeError, TapegradError, fmtShape } from '../errors.js';
import { apply } from '../primitives/apply.js';
import { foreignTensorMessage, hasTensorBrand } from '../tensor/brand.js';
import { shapesEqual } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { constant, kernelView } from '../tensor/make.js';
import { refuseBatchedRead } from '../primitives/batching.js';

/**
 * Turns a plain number into a 0-d tensor of the dtype it takes next to `like`
 * (PyTorch's rule: a scalar never widens a tensor of its own category), on
 * `like`'s device.
 *
 * @example
 * ```ts
 * asTensor(2, x);
 * ```
 */
export function asTensor(v: TensorLike, like: Tensor, op?: string): Tensor {
  if (v instanceof Tensor) return v;
  if (typeof v !== 'number') {
    const who = op === undefined ? '' : `${op}: `;
    if (hasTensorBrand(v)) throw new TapegradError(foreignTensorMessage(op ?? 'an op', 'an operand'));
    const got = typeof v === 'object' && v !== null && !Array.isArray(v) ? `an object { ${Object.keys(v).join(', ')} }` : Array.isArray(v) ? 'an array (wrap it with tensor(...))' : String(v === null ? 'null' : typeof v);
    throw new TapegradError(`${who}expected a tensor or a number, got ${got}`);
  }
  return constant(v, scalarDtype(v, like.dtype), like.device);
}

const un =
  (name: 'neg' | 'exp' | 'log' | 'log1p' | 'expm1' | 'sqrt' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'abs' | 'sign' | 'erf') =>
  (x: Tensor): Tensor =>
    apply(name, [x], undefined);

const bin =
  (name: 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 'and' | 'or') =>
  (a: TensorLike, b: TensorLike): Tensor => {
    if (!(a instanceof Tensor) && hasTensorBrand(a)) throw new TapegradError(foreignTensorMessage(name, 'the first operand'));
    if (!(b instanceof Tensor) && hasTensorBrand(b)) throw new TapegradError(foreignTensorMessage(name, 'the second operand'));
    if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new TapegradError(`${name}: at least one operand must be a tensor`);
    const ta = a instanceof Tensor ? a : asTensor(a, b as Tensor, name);
    return apply(name, [ta, asTensor(b, ta, name)], undefined);
  };

/** Negation. @example `neg(x)` */
export const neg = un('neg');
/** Exponential. @example `exp(x)` */
export const exp = un('exp');
/** Natural logarithm. @example `log(x)` */
export const log = un('log');
/** `log(1 + x)`. @example `log1p(x)` */
export const log1p = un('log1p');
/** `eˣ − 1`. @example `expm1(x)` */
export const expm1 = un('expm1');
/** Square root. @example `sqrt(x)` */
export const sqrt = un('sqrt');
/** Sine. @example `sin(x)` */
export const sin = un('sin');
/** Cosine. @example `cos(x)` */
export const cos = un('cos');
/** Hyperbolic tangent. @example `tanh(x)` */
export const tanh = un('tanh');
/** Logistic sigmoid. @example `sigmoid(x)` */
export const sigmoid = un('sigmoid');
/** `max(x, 0)`. @example `relu(x)` */
export const relu = un('relu');
/** Absolute value. @example `abs(x)` */
export const abs = un('abs');
/** Sign (−1, 0, 1). @example `sign(x)` */
export const sign = un('sign');
/** Error function. @example `erf(x)` */
export const erf = un('erf');

/** `a + b`, broadcasting. @example `add(x, 1)` */
export const add = bin('add');
/** `a − b`. @example `sub(x, y)` */
export const sub = bin('sub');
/** `a · b`. @example `mul(x, y)` */
export const mul = bin('mul');
/** `a / b` (true division). @example `div(x, 2)` */
export const div = bin('div');
/** `aᵇ`. @example `pow(x, 2)` */
export const pow = bin('pow');
/** Elementwise maximum. @example `maximum(x, 0)` */
export const maximum = bin('maximum');
/** Elementwise minimum. @example `minimum(x, y)` */
export const minimum = bin('minimum');
/** `a == b` as bool. @example `eq(x, 0)` */
export const eq = bin('eq');
/** `a != b` as bool. @example `ne(x, 0)` */
export const ne = bin('ne');
/** `a < b` as bool. @example `lt(x, 0)` */
export const lt = bin('lt');
/** `a <= b` as bool. @example `le(x, 0)` */
export const le = bin('le');
/** `a > b` as bool. @example `gt(x, 0)` */
export const gt = bin('gt');
/** `a >= b` as bool. @example `ge(x, 0)` */
export const ge = bin('ge');
/** Logical and. @example `and(a, b)` */
export const and = bin('and');
/** Logical or. @example `or(a, b)` */
export const or = bin('or');

/** Logical not. @example `not(mask)` */
export function not(x: Tensor): Tensor {
  return apply('not', [x], undefined);
}

/** `1/√x`. @example `rsqrt(x)` */
export function rsqrt(x: Tensor): Tensor {
  return sqrt(x).reciprocal();
}

/** `x²`. @example `square(x)` */
export function square(x: Tensor): Tensor {
  return mul(x, x);
}

/** `1/x`. @example `reciprocal(x)` */
export function reciprocal(x: Tensor): Tensor {
  return div(asTensor(1, x), x);
}

/** Tangent, as `sin/cos`. @example `tan(x)` */
export function tan(x: Tensor): Tensor {
  return div(sin(x), cos(x));
}

/**
 * Limits `x` to `[min, max]`; the gradient flows where `x` is inside.
 *
 * @example
 * ```ts
 * clamp(x, 0, 6);
 * ```
 */
export function clamp(x: Tensor, min?: TensorLike, max?: TensorLike): Tensor {
  if (min === undefined && max === undefined) throw new TapegradError('clamp: at least one of min and max must be given');
  // NOTE: x passes its gradient only where min ≤ x ≤ max, as in PyTorch: a
  // NaN input stays NaN (no comparison holds) and gets no gradient.
  let out = x.detach();
  let inside: Tensor | null = null;
  if (min !== undefined) {
    out = where(lt(x, min), asTensor(min, x).to(x.dtype), out);
    inside = ge(x, min);
  }
  if (max !== undefined) {
    out = where(gt(out, max), asTensor(max, x).to(x.dtype), out);
    inside = inside === null ? le(x, max) : and(inside, le(x, max));
  }
  return where(inside!, x, out);
}

/**
 * `cond ? a : b` elementwise, broadcasting all three; `cond` must be bool.
 *
 * @example
 * ```ts
 * where(x.gt(0), x, 0);
 * ```
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (cond.dtype !== 'bool') throw new DTypeError(`where: condition must be a bool tensor, got ${cond.dtype}`);
  const ints = Number.isInteger(a) && Number.isInteger(b);
  const ref = a instanceof Tensor ? a : b instanceof Tensor ? b : constant(0, ints ? 'int32' : 'float32', cond.device);
  return apply('where', [cond, asTensor(a, ref), asTensor(b, ref)], undefined);
}

/**
 * Converts to `dtype` (returns `x` itself when it already has it), recorded
 * so that gradients flow between float types.
 *
 * @example
 * ```ts
 * cast(x, 'float64');
 * ```
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  if (!(DTYPES as readonly unknown[]).includes(dtype)) {
    const got = typeof dtype === 'string' ? `'${dtype}'` : typeof dtype === 'object' && dtype !== null ? `an object { ${Object.keys(dtype).join(', ')} }` : String(dtype);
    throw new DTypeError(`to: unknown dtype ${got}; expected one of ${DTYPES.map((d) => `'${d}'`).join(', ')}`);
  }
  return x.dtype === dtype ? x : apply('cast', [x], { dtype });
}

/** A contiguous copy, recorded on the tape. @example `clone(x)` */
export function clone(x: Tensor): Tensor {
  return apply('contiguous', [x], undefined);
}

/**
 * A contiguous copy of the elements in `dtype`, as a typed array the caller
 * owns. Synchronous: throws where the tensor's device is read asynchronously.
 *
 * @example
 * ```ts
 * copyData(x, 'float64');
 * ```
 */
export function copyData(x: Tensor, dtype: DType, op = 'data'): TypedArray {
  refuseBatchedRead(op, x);
  // The tensor's own backend reads it, whichever backend is active.
  const be = x.storage.backend;
  return be.read(be.copy(kernelView(x), dtype));
}

/**
 * A contiguous copy of the elements in `dtype`, once every kernel that
 * computes them has run: works on every device.
 *
 * @example
 * ```ts
 * await copyDataAsync(x, 'float32');
 * ```
 */
export function copyDataAsync(x: Tensor, dtype: DType, op = 'dataAsync'): Promise<TypedArray> {
  refuseBatchedRead(op, x);
  const be = x.storage.backend;
  return be.readAsync(be.copy(kernelView(x), dtype));
}

/**
 * Whether `x`'s elements can be read synchronously (`data`, `item()`,
 * `toArray()`): true on the CPU, false on a GPU, whose reads are
 * asynchronous (`dataAsync()`, `itemAsync()`, `toArrayAsync()`). Checks that
 * need the values at once (index ranges) are skipped where this is false.
 *
 * @example
 * ```ts
 * const labels = canReadSync(t) ? t.data : await t.dataAsync();
 * ```
 */
export function canReadSync(x: Tensor): boolean {
  return x.storage.backend.readsSync !== false;
}

/** Throws a DeviceError naming `op` unless `x` can be read synchronously. */
export function requireSyncRead(op: string, x: Tensor): void {
  if (!canReadSync(x)) {
    throw new DeviceError(`${op}: reads values synchronously, but a tensor of shape ${fmtShape(x.shape)} is on device '${x.storage.backend.device}', which is read asynchronously; read it with await dataAsync(), itemAsync() or toArrayAsync() (or move it to the CPU) first`);
  }
}

/** Throws unless `x` has exactly one element (for `item` and `itemAsync`). */
export function checkOneElement(op: string, x: Tensor): void {
  if (x.numel !== 1) throw new ShapeError(`${op}: only a tensor with one element can be converted to a number, got shape ${fmtShape(x.shape)}`);
}

/**
 * The value of a one-element tensor.
 *
 * @example
 * ```ts
 * item(x.sum());
 * ```
 */
export function item(x: Tensor): number {
  checkOneElement('item', x);
  return copyData(x, x.dtype, 'item')[0]!;
}

/**
 * Whether two tensors have the same shape and equal elements.
 *
 * @example
 * ```ts
 * equal(a, b);
 * ```
 */
export function equal(a: Tensor, b: Tensor): boolean {
  requireSyncRead('equal', a);
  requireSyncRead('equal', b);
  if (!shapesEqual(a.shape, b.shape)) return false;
  const x = copyData(a, 'float64', 'equal');
  const y = copyData(b, 'float64', 'equal');
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Whether `|a − b| ≤ atol + rtol·|b|` everywhere (shapes must broadcast); NaNs are never close.
 *
 * @example
 * ```ts
 * allClose(a, b, 1e-5, 1e-8);
 * ```
 */
export function allClose(a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8): boolean {
  requireSyncRead('allClose', a);
  requireSyncRead('allClose', b);
  const d = abs(sub(a.double(), b.double()));
  const tol = abs(b.double()).mul(rtol).add(atol);
  const ok = copyData(le(d, tol), 'bool', 'allClose');
  for (let i = 0; i < ok.length; i++) if (!ok[i]) return false;
  return true;
}

/** @internal 'NaN' or 'Inf' for the first non-finite element, null if all are finite. */
export function firstNonFinite(x: Tensor): 'NaN' | 'Inf' | null {
  if (!isFloating(x.dtype)) return null;
  requireSyncRead('detectAnomaly (checking a gradient for NaN/Inf)', x);
  const d = copyData(x, x.dtype);
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (v !== v) return 'NaN';
    if (v === Infinity || v === -Infinity) return 'Inf';
  }
  return null;
}
