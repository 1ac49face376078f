import { tensor, type Tensor, type DType, fmtShape } from '@tapegrad/core';
import { OptimError } from './optim-error.js';

/**
 * A tensor as plain JSON: its shape, dtype and elements in row-major order.
 * `JSON.stringify` writes NaN and ±Infinity as `null`; they read back as NaN.
 *
 * @example
 * ```ts
 * const s: SerializedTensor = { shape: [2], dtype: 'float64', data: [0.5, -1] };
 * ```
 */
export interface SerializedTensor {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data: readonly (number | null)[];
}

/**
 * Writes a tensor as a {@link SerializedTensor}. JavaScript numbers print in
 * their shortest round-tripping form, so every finite value comes back bit for bit.
 *
 * @example
 * ```ts
 * serializeTensor(zeros([2])); // { shape: [2], dtype: 'float32', data: [0, 0] }
 * ```
 */
export function serializeTensor(t: Tensor): SerializedTensor {
  return { shape: [...t.shape], dtype: t.dtype, data: Array.from(t.data, Number) };
}

/**
 * Whether a value read from JSON has the form of a {@link SerializedTensor}.
 *
 * @example
 * ```ts
 * isSerializedTensor({ shape: [1], dtype: 'float32', data: [1] }); // true
 * ```
 */
export function isSerializedTensor(v: unknown): v is SerializedTensor {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return Array.isArray(o['shape']) && typeof o['dtype'] === 'string' && Array.isArray(o['data']);
}

/**
 * Reads a {@link SerializedTensor} back into a new tensor on the CPU; `who` names the caller in errors.
 *
 * @example
 * ```ts
 * deserializeTensor({ shape: [2], dtype: 'float64', data: [1, 2] }, 'SGD.loadStateDict');
 * ```
 */
export function deserializeTensor(s: SerializedTensor, who: string): Tensor {
  const numel = s.shape.reduce((n, d) => n * d, 1);
  if (numel !== s.data.length) {
    throw new OptimError(`${who}: a saved tensor of shape ${fmtShape(s.shape)} should hold ${numel} elements but has ${s.data.length}`);
  }
  const values = s.data.map((v) => (v === null ? NaN : v));
  // On the CPU, where its values are checked; it joins its parameter's device afterwards.
  return tensor(s.shape.length === 0 ? (values[0] ?? NaN) : new Float64Array(values), { dtype: s.dtype, shape: s.shape, device: 'cpu' });
}
