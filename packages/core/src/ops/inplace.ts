import type { Backend, View } from '../backend/backend.js';
import { isFloating, scalarDtype, type DType } from '../dtype.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { resultType } from '../primitives/forward.js';
import { isGradEnabled, noGrad } from '../autograd/grad-mode.js';
import { broadcastShapes, shapesEqual, type Shape } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor/tensor.js';
import { asTensor, clamp, maximum, where } from './elementwise.js';
import { backendFor, broadcastView, constant, kernelView } from '../tensor/make.js';
import { checkInPlace, rebaseThroughView } from '../autograd/views.js';
import { isTracing, noteTraced } from '../primitives/trace.js';
import { anyBatched, batchInfo, topLevel } from '../primitives/batching.js';
import { moveTo } from './device-move.js';

function recording(self: Tensor, operands: readonly TensorLike[]): boolean {
  return isGradEnabled() && (self.requiresGrad || operands.some((o) => o instanceof Tensor && o.requiresGrad));
}

/** Throws unless a result of `shape` and `dtype` can be written into `self` (it broadcasts to self's shape, and no float goes into an integer tensor). */
function checkWritable(op: string, self: Tensor, { shape, dtype }: { readonly shape: Shape; readonly dtype: DType }): void {
  if (!shapesEqual(broadcastShapes(op, self.shape, shape), self.shape)) {
    throw new ShapeError(`${op}: the result has shape ${fmtShape(shape)}, which does not broadcast to the tensor's shape ${fmtShape(self.shape)}`);
  }
  if (isFloating(dtype) && !isFloating(self.dtype)) {
    throw new DTypeError(`${op}: the result type ${dtype} cannot be written into a ${self.dtype} tensor`);
  }
}

/**
 * The recorded path (and the fallback of the direct one): writes `compute()`,
 * an out-of-place temporary, into `self`'s storage and bumps its version. When the
 * write is recorded, `self` takes over the history of the result, so later
 * ops differentiate through it; when `self` is a view, its base takes a
 * history that puts the result in the view's place, and every view of that
 * base (`self` included) takes its history again from there (as PyTorch's
 * CopySlices). Writes whose gradient would be lost or ambiguous are refused
 * while recording, as in PyTorch (see `checkInPlace`).
 */
function writeInto<T extends Tensor>(op: string, self: T, record: boolean, compute: Compute, readsSelf: boolean): T {
  // A recorded op whose rule reads `self` gets a copy to read (PyTorch saves
  // the original self likewise): the write would change what it saved.
  let result = record ? compute(readsSelf ? self.clone() : self) : noGrad(() => compute(self));
  checkWritable(op, self, result);
  if (record && self.viewInfo === null && !result.requiresGrad && self.requiresGrad) {
    // A constant written over a tensor with history (fill_, copy_ of a constant):
    // the tensor keeps requiring grad, and its old history gets a zero gradient.
    result = where(constant(1, 'bool', self.device), result, self);
  }
  backendFor(op, [self, result]).assign(kernelView(self), broadcastView(result, self.shape));
  noteTraced('write', [self, result], undefined, self, self.version + 1);
  self.storage.version++;
  if (record) {
    if (self.viewInfo !== null) rebaseThroughView(self, result);
    else if (result.gradFn !== null) self.setGradFn(result.gradFn);
  }
  return self;
}

/** The out-of-place result of an in-place op, computed from `self` (or a recorded copy of it). */
type Compute = (self: Tensor) => Tensor;

// ---- the direct path: unrecorded writes go straight into self's storage ----

/** What decides a result's dtype: its own, and whether it is 0-d (a plain number counts as 0-d). */
type Typed = Pick<Tensor, 'ndim' | 'dtype'>;

/** The dtype `v` takes next to `like`, without making a tensor for a plain number. */
const typeOf = (v: TensorLike, like: Typed): Typed => (v instanceof Tensor ? v : { ndim: 0, dtype: scalarDtype(v as number, like.dtype) });

/** The type of `op(a, b)`, as the out-of-place primitive computes it. */
const promote = (a: Typed, b: Typed): Typed => ({ ndim: Math.max(a.ndim, b.ndim), dtype: resultType(a, b) });

const floatOf = (t: Typed): Typed => (isFloating(t.dtype) ? t : { ndim: t.ndim, dtype: 'float32' });

const shapeOf = (v: TensorLike): Shape => (v instanceof Tensor ? v.shape : []);

const zeroStrides: number[][] = [];

/** A view of `value` in `dtype` (rounded or truncated as storing it would) broadcast to the shape of `self`, on its device. */
function scalarView(value: number, dtype: DType, self: Tensor): View {
  const shape = self.shape;
  const strides = (zeroStrides[shape.length] ??= new Array<number>(shape.length).fill(0));
  return { buffer: constant(value, dtype, self.device).storage.buffer, shape, strides, offset: 0 };
}

/** What a kernel reads of an operand broadcast to `self`'s shape. */
function operandView(v: TensorLike, self: Tensor): View {
  return v instanceof Tensor ? broadcastView(v, self.shape) : scalarView(v as number, scalarDtype(v as number, self.dtype), self);
}

/**
 * Whether no two elements of a view share a storage position: sorted by
 * stride, each dim must step past everything the smaller dims reach.
 * (An expanded or overlapping-window view fails; writing it element by
 * element would apply the update several times.)
 */
function distinctPositions(shape: Shape, strides: readonly number[]): boolean {
  const dims: number[] = [];
  for (let d = 0; d < shape.length; d++) if (shape[d]! > 1) dims.push(d);
  dims.sort((a, b) => Math.abs(strides[a]!) - Math.abs(strides[b]!));
  let reach = 0;
  for (const d of dims) {
    const s = Math.abs(strides[d]!);
    if (s <= reach) return false;
    reach += s * (shape[d]! - 1);
  }
  return true;
}

/** Whether `v` reads storage that `self` writes at other positions (`x.add_(x.t())`), so a direct write would read updated values. */
function aliases(self: Tensor, v: TensorLike): boolean {
  if (!(v instanceof Tensor) || v.storage !== self.storage) return false;
  const w = broadcastView(v, self.shape);
  return w.offset !== self.offset || w.strides.some((s, d) => s !== self.strides[d] && self.shape[d] !== 1);
}

/**
 * An unrecorded in-place update: the shape and dtype its out-of-place result
 * would have (checked as `writeInto` checks them, with the same errors) and
 * the kernels that write it directly into `self`.
 */
interface Plan {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly run: (be: Backend, dst: View) => void;
}

/**
 * Runs an in-place op. When the tape does not record it (under `noGrad`, or
 * no tensor involved requires grad: an optimizer step), `plan()` writes the
 * result straight into `self`'s storage with no temporary. Recorded writes,
 * writes into a view whose elements share positions, operands that read
 * `self`'s storage at other positions, and what `plan()` declines (null) go
 * through `writeInto` and its temporary.
 */
function update<T extends Tensor>(
  op: string,
  self: T,
  operands: readonly TensorLike[],
  compute: Compute,
  plan: () => Plan | null,
  readsSelf = false,
): T {
  const record = recording(self, operands);
  if (batchInfo(self) !== undefined || anyBatched(operands)) {
    // Inside vmap: the out-of-place result, written into every example of self.
    const level = topLevel(op, [self, ...operands]);
    level.hooks.update(level, op, self, () => {
      const result = compute(record && readsSelf ? self.clone() : self);
      checkWritable(op, self, result);
      return result;
    });
    return self;
  }
  // A view taken inside noGrad() of a base that requires grad is refused even
  // when nothing else of the write requires grad, as in PyTorch (whose view
  // would require grad through its base).
  if (record || (isGradEnabled() && self.viewInfo?.madeWithoutGrad === true && self.viewInfo.base.requiresGrad)) {
    checkInPlace(op, self, !distinctPositions(self.shape, self.strides));
  }
  // A trace must see how the value was made: while one is written, the
  // value goes through writeInto's temporary, computed by primitives.
  const direct =
    !record &&
    !isTracing() &&
    operands.every((o) => o instanceof Tensor || typeof o === 'number') &&
    distinctPositions(self.shape, self.strides);
  const p = direct ? plan() : null;
  if (p === null) return writeInto(op, self, record, compute, readsSelf);
  checkWritable(op, self, p);
  if (operands.some((o) => aliases(self, o))) return writeInto(op, self, record, compute, readsSelf);
  p.run(backendFor(op, [self, ...operands.filter((o): o is Tensor => o instanceof Tensor)]), kernelView(self));
  self.storage.version++;
  return self;
}

const scaled = (v: TensorLike, alpha: number, like: Tensor): Tensor => (alpha === 1 ? asTensor(v, like) : asTensor(v, like).mul(alpha));

/** `self + alpha·other` (alpha may be negative for `sub_`), planned: one kernel, fused when alpha ≠ 1. */
function planAdd(self: Tensor, other: TensorLike, alpha: number, name: 'add' | 'sub'): Plan {
  const t = typeOf(other, self);
  if (name === 'sub' && (self.dtype === 'bool' || t.dtype === 'bool')) {
    throw new DTypeError(`sub_: subtraction of a bool tensor (self ${self.dtype} ${fmtShape(self.shape)}, other ${t.dtype}) is not supported; to invert a mask use .not()`);
  }
  const dtype = promote(self, alpha === 1 ? t : promote(t, typeOf(alpha, t))).dtype;
  const sign = name === 'sub' ? -1 : 1;
  return {
    shape: broadcastShapes(name, self.shape, shapeOf(other)),
    dtype,
    run: (be, dst) => {
      const src = operandView(other, self);
      if (alpha === 1) be.binaryInPlace(name, dst, src);
      // The factor 1 is exact in float32, which every backend holds (a GPU holds no float64).
      else be.addcInPlace('mul', dst, src, scalarView(1, 'float32', self), sign * alpha);
    },
  };
}

/** `self += alpha·other`. @example `add_(w, g, -0.1)` */
export function add_<T extends Tensor>(self: T, other: TensorLike, alpha = 1): T {
  return update('add_', self, [other], (s) => s.add(scaled(other, alpha, s)), () => planAdd(self, other, alpha, 'add'));
}

/** `self −= alpha·other`. @example `sub_(w, g)` */
export function sub_<T extends Tensor>(self: T, other: TensorLike, alpha = 1): T {
  return update('sub_', self, [other], (s) => s.sub(scaled(other, alpha, s)), () => planAdd(self, other, alpha, 'sub'));
}

/** `self *= other`. @example `mul_(m, 0.9)` */
export function mul_<T extends Tensor>(self: T, other: TensorLike): T {
  return update('mul_', self, [other], (s) => s.mul(other), () => ({
    shape: broadcastShapes('mul', self.shape, shapeOf(other)),
    dtype: promote(self, typeOf(other, self)).dtype,
    run: (be, dst) => {
      be.binaryInPlace('mul', dst, operandView(other, self));
    },
  }), true);
}

/** `self /= other`. @example `div_(v, 2)` */
export function div_<T extends Tensor>(self: T, other: TensorLike): T {
  return update('div_', self, [other], (s) => s.div(other), () => ({
    shape: broadcastShapes('div', self.shape, shapeOf(other)),
    dtype: floatOf(promote(self, typeOf(other, self))).dtype,
    run: (be, dst) => {
      be.binaryInPlace('div', dst, operandView(other, self));
    },
  }), true);
}

/** `self + value·op(t1, t2)`, planned as one fused kernel. */
function planAddc(self: Tensor, t1: Tensor, t2: Tensor, value: number, op: 'mul' | 'div'): Plan {
  const product = op === 'div' ? floatOf(promote(t1, t2)) : promote(t1, t2);
  return {
    shape: broadcastShapes('add', self.shape, broadcastShapes(op, t1.shape, t2.shape)),
    dtype: promote(self, promote(product, typeOf(value, product))).dtype,
    run: (be, dst) => be.addcInPlace(op, dst, broadcastView(t1, self.shape), broadcastView(t2, self.shape), value),
  };
}

/** `self += value·t1·t2`. @example `addcmul_(v, g, g, 0.001)` */
export function addcmul_<T extends Tensor>(self: T, t1: Tensor, t2: Tensor, value = 1): T {
  return update('addcmul_', self, [t1, t2], (s) => s.add(t1.mul(t2).mul(value)), () => planAddc(self, t1, t2, value, 'mul'));
}

/** `self += value·t1/t2`. @example `addcdiv_(w, m, denom, -lr)` */
export function addcdiv_<T extends Tensor>(self: T, t1: Tensor, t2: Tensor, value = 1): T {
  return update('addcdiv_', self, [t1, t2], (s) => s.add(t1.div(t2).mul(value)), () => planAddc(self, t1, t2, value, 'div'));
}

/** `self += weight·(end − self)`. @example `lerp_(avg, x, 0.1)` */
export function lerp_<T extends Tensor>(self: T, end: TensorLike, weight: number): T {
  return update('lerp_', self, [end], (s) => s.add(asTensor(end, s).sub(s).mul(weight)), () => {
    const diff = promote(typeOf(end, self), self);
    return {
      shape: broadcastShapes('add', self.shape, broadcastShapes('sub', shapeOf(end), self.shape)),
      dtype: promote(self, promote(diff, typeOf(weight, diff))).dtype,
      // self is its own second operand: each element is read before it is written.
      run: (be, dst) => be.addcInPlace('sub', dst, operandView(end, self), dst, weight),
    };
  });
}

/** Square root in place. @example `sqrt_(v)` */
export function sqrt_<T extends Tensor>(self: T): T {
  return update('sqrt_', self, [], (s) => s.sqrt(), () => ({
    shape: self.shape,
    dtype: floatOf(self).dtype,
    run: (be, dst) => be.unaryInPlace('sqrt', dst),
  }));
}

/** Clamps in place. @example `clamp_(g, -1, 1)` */
export function clamp_<T extends Tensor>(self: T, min?: TensorLike, max?: TensorLike): T {
  const bound = (b: TensorLike | undefined): boolean => b === undefined || (typeof b === 'number' && !Number.isNaN(b));
  return update('clamp_', self, [min ?? 0, max ?? 0], (s) => clamp(s, min, max), () => {
    // Number bounds only (tensor or NaN bounds keep clamp's `where` semantics
    // through the temporary). A bound takes self's dtype, as in `clamp`, so
    // max/min then match its comparisons.
    if ((min === undefined && max === undefined) || !bound(min) || !bound(max)) return null;
    return {
      shape: self.shape,
      dtype: self.dtype,
      run: (be, dst) => {
        if (min !== undefined) be.binaryInPlace('maximum', dst, scalarView(min as number, self.dtype, self));
        if (max !== undefined) be.binaryInPlace('minimum', dst, scalarView(max as number, self.dtype, self));
      },
    };
  }, true);
}

/** `max(self, other)` in place. @example `maximum_(vmax, v)` */
export function maximum_<T extends Tensor>(self: T, other: TensorLike): T {
  return update('maximum_', self, [other], (s) => maximum(s, other), () => ({
    shape: broadcastShapes('maximum', self.shape, shapeOf(other)),
    dtype: promote(self, typeOf(other, self)).dtype,
    run: (be, dst) => be.binaryInPlace('maximum', dst, operandView(other, self)),
  }), true);
}

/** Sets every element to `value`. @example `fill_(b, 0)` */
export function fill_<T extends Tensor>(self: T, value: number): T {
  return update('fill_', self, [], (s) => asTensor(value, s), () => ({
    shape: self.shape,
    dtype: typeOf(value, self).dtype,
    run: (be, dst) => be.assign(dst, scalarView(value, self.dtype, self)),
  }));
}

/**
 * Copies `src`, broadcast to `self`'s shape and converted to its dtype; a
 * source on another device is moved first (as `src.to(self.device)`, so a
 * GPU source needs `toAsync`). @example `copy_(w, saved)`
 */
export function copy_<T extends Tensor>(self: T, value: TensorLike): T {
  const src = value instanceof Tensor && value.device !== self.device ? moveTo(value, self.device, 'copy_') : value;
  const compute = (): Tensor => {
    const s = asTensor(src, self);
    return s.dtype === self.dtype ? s.clone() : s.to(self.dtype);
  };
  return update('copy_', self, [src], compute, () => ({
    shape: shapeOf(src),
    dtype: self.dtype,
    run: (be, dst) =>
      be.assign(dst, src instanceof Tensor ? broadcastView(src, self.shape) : scalarView(src as number, self.dtype, self)),
  }));
}
