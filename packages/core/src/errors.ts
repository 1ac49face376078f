/**
 * Base class of every error tapegrad throws on purpose.
 *
 * @example
 * ```ts
 * try { zeros([2, 3]).matmul(zeros([2, 3])); } catch (e) { if (e instanceof TapegradError) console.log(e.message); }
 * ```
 */
export class TapegradError extends Error {
  override name = 'TapegradError';
}

/**
 * Thrown when shapes do not fit an op: broadcasting, matmul, reshape, concatenation.
 *
 * @example
 * ```ts
 * // ShapeError: add: shapes [2, 3] and [4] cannot be broadcast together
 * ones([2, 3]).add(ones([4]));
 * ```
 */
export class ShapeError extends TapegradError {
  override name = 'ShapeError';
}

/**
 * Thrown when a dtype does not fit an op (for example a float index tensor).
 *
 * @example
 * ```ts
 * // DTypeError: gather: index must be int32, got float32
 * ones([3]).gather(0, ones([2]));
 * ```
 */
export class DTypeError extends TapegradError {
  override name = 'DTypeError';
}

/**
 * Thrown for an argument that is out of range: a dimension, an index, a count.
 *
 * @example
 * ```ts
 * // IndexError: sum: dim 2 is out of range for a tensor of 2 dims
 * ones([2, 3]).sum(2);
 * ```
 */
export class IndexError extends TapegradError {
  override name = 'IndexError';
}

/**
 * Thrown by the autodiff engine: backward through freed values, through a tensor
 * modified in place after it was saved, on a non-scalar root without a gradient.
 *
 * @example
 * ```ts
 * const x = tensor([1, 2], { requiresGrad: true });
 * x.mul(2).backward(); // AutogradError: backward: the root has shape [2] ...
 * ```
 */
export class AutogradError extends TapegradError {
  override name = 'AutogradError';
}

/**
 * A tensor is on the wrong device for what was asked: operands of one op on
 * different devices, or a synchronous read of memory only readable asynchronously.
 *
 * @example
 * ```ts
 * // DeviceError: add: the operands are on different devices (cpu and webgpu); move one with .to()
 * ```
 */
export class DeviceError extends TapegradError {
  override name = 'DeviceError';
}

/**
 * Formats a shape as `[2, 3]` for error messages.
 *
 * @example
 * ```ts
 * fmtShape([2, 3]); // "[2, 3]"
 * ```
 */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Thrown for an options object a function does not accept: an unknown key (with
 * the keys it takes and the closest one), or a value of the wrong type or range.
 *
 * @example
 * ```ts
 * // OptionError: var: unknown option 'unbiased'; var accepts correction, keepdim ...
 * ones([3]).var(0, { unbiased: false } as never);
 * ```
 */
export class OptionError extends TapegradError {
  override name = 'OptionError';
}
