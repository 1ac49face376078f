import { getBackend } from '../backend/active-backend.js';
import { isFloating } from '../dtype.js';
import { AutogradError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { isGradEnabled, noGrad } from '../grad-mode.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { Tensor, type TensorLike } from '../tensor.js';
import { asTensor, clamp, maximum } from './elementwise.js';
import { broadcastView, kernelView } from './make.js';

function recording(self: Tensor, operands: readonly TensorLike[]): boolean {
  return isGradEnabled() && (self.requiresGrad || operands.some((o) => o instanceof Tensor && o.requiresGrad));
}

/**
 * Writes `compute()` into `self`'s storage and bumps its version. When the
 * write is recorded, `self` takes over the history of the result, so later
 * ops differentiate through it; a leaf that requires grad cannot be written
 * while recording (its gradient would be lost), as in PyTorch.
 */
function writeInto<T extends Tensor>(op: string, self: T, operands: readonly TensorLike[], compute: () => Tensor): T {
  const record = recording(self, operands);
  if (record && self.isLeaf && self.requiresGrad) {
    throw new AutogradError(`${op}: a leaf tensor that requires grad (shape ${fmtShape(self.shape)}) cannot be modified in place while recording; wrap the update in noGrad()`);
  }
  if (record && self.viewBase !== null && (self.requiresGrad || self.viewBase.requiresGrad)) {
    // The base shares this storage but not this history: its gradient would be silently wrong.
    throw new AutogradError(`${op}: in-place modification of a view (shape ${fmtShape(self.shape)}) of a tensor that requires grad is not supported while recording; clone() the view first`);
  }
  const result = record ? compute() : noGrad(compute);
  if (!shapesEqual(broadcastShapes(op, self.shape, result.shape), self.shape)) {
    throw new ShapeError(`${op}: the result has shape ${fmtShape(result.shape)}, which does not broadcast to the tensor's shape ${fmtShape(self.shape)}`);
  }
  if (isFloating(result.dtype) && !isFloating(self.dtype)) {
    throw new DTypeError(`${op}: the result type ${result.dtype} cannot be written into a ${self.dtype} tensor`);
  }
  getBackend().assign(kernelView(self), broadcastView(result, self.shape));
  self.storage.version++;
  if (record && result.gradFn !== null) self.setGradFn(result.gradFn);
  return self;
}

const scaled = (v: TensorLike, alpha: number, like: Tensor): Tensor => (alpha === 1 ? asTensor(v, like) : asTensor(v, like).mul(alpha));

/** `self += alpha·other`. @example `add_(w, g, -0.1)` */
export function add_<T extends Tensor>(self: T, other: TensorLike, alpha = 1): T {
  return writeInto('add_', self, [other], () => self.add(scaled(other, alpha, self)));
}

/** `self −= alpha·other`. @example `sub_(w, g)` */
export function sub_<T extends Tensor>(self: T, other: TensorLike, alpha = 1): T {
  return writeInto('sub_', self, [other], () => self.sub(scaled(other, alpha, self)));
}

/** `self *= other`. @example `mul_(m, 0.9)` */
export function mul_<T extends Tensor>(self: T, other: TensorLike): T {
  return writeInto('mul_', self, [other], () => self.mul(other));
}

/** `self /= other`. @example `div_(v, 2)` */
export function div_<T extends Tensor>(self: T, other: TensorLike): T {
  return writeInto('div_', self, [other], () => self.div(other));
}

/** `self += value·t1·t2`. @example `addcmul_(v, g, g, 0.001)` */
export function addcmul_<T extends Tensor>(self: T, t1: Tensor, t2: Tensor, value = 1): T {
  return writeInto('addcmul_', self, [t1, t2], () => self.add(t1.mul(t2).mul(value)));
}

/** `self += value·t1/t2`. @example `addcdiv_(w, m, denom, -lr)` */
export function addcdiv_<T extends Tensor>(self: T, t1: Tensor, t2: Tensor, value = 1): T {
  return writeInto('addcdiv_', self, [t1, t2], () => self.add(t1.div(t2).mul(value)));
}

/** `self += weight·(end − self)`. @example `lerp_(avg, x, 0.1)` */
export function lerp_<T extends Tensor>(self: T, end: TensorLike, weight: number): T {
  return writeInto('lerp_', self, [end], () => self.add(asTensor(end, self).sub(self).mul(weight)));
}

/** Square root in place. @example `sqrt_(v)` */
export function sqrt_<T extends Tensor>(self: T): T {
  return writeInto('sqrt_', self, [], () => self.sqrt());
}

/** Clamps in place. @example `clamp_(g, -1, 1)` */
export function clamp_<T extends Tensor>(self: T, min?: TensorLike, max?: TensorLike): T {
  return writeInto('clamp_', self, [min ?? 0, max ?? 0], () => clamp(self, min, max));
}

/** `max(self, other)` in place. @example `maximum_(vmax, v)` */
export function maximum_<T extends Tensor>(self: T, other: TensorLike): T {
  return writeInto('maximum_', self, [other], () => maximum(self, other));
}

/** Sets every element to `value`. @example `fill_(b, 0)` */
export function fill_<T extends Tensor>(self: T, value: number): T {
  return writeInto('fill_', self, [], () => asTensor(value, self));
}

/** Copies `src`, broadcast to `self`'s shape and converted to its dtype. @example `copy_(w, saved)` */
export function copy_<T extends Tensor>(self: T, src: TensorLike): T {
  return writeInto('copy_', self, [src], () => {
    const s = asTensor(src, self);
    return s.dtype === self.dtype ? s.clone() : s.to(self.dtype);
  });
}
