import { TapegradError, type Tensor } from '@tapegrad/core';

// A WeakSet marks trainable tensors: Tensor's constructor is internal, so a
// subclass is not an option, and a marker keeps every parameter a plain Tensor.
const marked = new WeakSet<Tensor>();

/**
 * A tensor marked as trainable: {@link Module} collects it in `parameters()`
 * and `stateDict()`. It is an ordinary {@link Tensor}; the alias documents intent.
 *
 * @example
 * ```ts
 * const w: Parameter = parameter(randn([3, 2]));
 * ```
 */
export type Parameter = Tensor;

/**
 * Marks `t` as a trainable parameter and makes it require grad (unless
 * `requiresGrad` is false). A tensor produced by a recorded op is detached
 * first, so that a parameter is always a leaf. Returns the marked tensor.
 *
 * @example
 * ```ts
 * class Scale extends Module<[Tensor], Tensor> {
 *   readonly s = parameter(ones([1]));
 *   forward(x: Tensor): Tensor { return x.mul(this.s); }
 * }
 * ```
 */
export function parameter(t: Tensor, requiresGrad = true): Parameter {
  if (t.dtype !== 'float32' && t.dtype !== 'float64' && requiresGrad) {
    throw new TapegradError(`parameter: a trainable parameter must be a float tensor, got ${t.dtype}; pass requiresGrad = false for a frozen integer parameter`);
  }
  const leaf = t.isLeaf ? t : t.detach();
  leaf.requiresGrad_(requiresGrad);
  marked.add(leaf);
  return leaf;
}

/**
 * Whether `value` is a tensor marked by {@link parameter}.
 *
 * @example
 * ```ts
 * isParameter(parameter(zeros([2]))); // true
 * isParameter(zeros([2])); // false
 * ```
 */
export function isParameter(value: unknown): value is Parameter {
  return typeof value === 'object' && value !== null && marked.has(value as Tensor);
}
