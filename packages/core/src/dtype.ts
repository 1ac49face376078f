import { DTypeError } from './errors.js';

/**
 * The element types a tensor can hold. `float32` is the default.
 *
 * @example
 * ```ts
 * const d: DType = 'float64';
 * ```
 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/**
 * The typed array that stores each dtype.
 *
 * @example
 * ```ts
 * const a: TypedArrayFor<'int32'> = new Int32Array(3);
 * ```
 */
export type TypedArrayFor<D extends DType> = {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  bool: Uint8Array;
}[D];

/**
 * Any typed array tapegrad stores tensor data in.
 *
 * @example
 * ```ts
 * const a: TypedArray = new Float32Array(4);
 * ```
 */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * The typed-array constructor of each dtype: `new ARRAY_TYPES[d](n)` makes
 * `n` zeroed elements, `new ARRAY_TYPES[d](buffer)` views an ArrayBuffer.
 *
 * @example
 * ```ts
 * new ARRAY_TYPES.int32(3); // Int32Array [0, 0, 0]
 * ```
 */
export const ARRAY_TYPES: { readonly [D in DType]: { new (n: number): TypedArrayFor<D>; new (buffer: ArrayBuffer): TypedArrayFor<D> } } = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
};

/** All dtypes, in promotion order (a later one wins). */
export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * The dtype whose storage is the given typed array.
 *
 * @example
 * ```ts
 * dtypeOfArray(new Int32Array(2)); // 'int32'
 * ```
 */
export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/**
 * Whether the dtype is a floating-point type (and so can require gradients).
 *
 * @example
 * ```ts
 * isFloating('int32'); // false
 * ```
 */
export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/**
 * A dtype's category in PyTorch's promotion, lowest first: bool 0, integer 1,
 * floating 2 (a 0-d operand of a higher category decides a result's type).
 *
 * @example
 * ```ts
 * dtypeCategory('float64'); // 2
 * ```
 */
export function dtypeCategory(d: DType): number {
  return Math.min(RANK[d], 2);
}

/**
 * PyTorch's promotion of two tensor dtypes: the higher category and width wins.
 *
 * @example
 * ```ts
 * promoteTypes('int32', 'float32'); // 'float32'
 * promoteTypes('float32', 'float64'); // 'float64'
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype a plain JavaScript number takes when it meets a tensor of `dtype`:
 * as in PyTorch, a scalar never widens a tensor of the same category, but a
 * fractional number lifts an integer or bool tensor to the default float.
 *
 * @example
 * ```ts
 * scalarDtype(2, 'int32'); // 'int32'
 * scalarDtype(0.5, 'int32'); // 'float32'
 * ```
 */
export function scalarDtype(value: number, dtype: DType): DType {
  if (isFloating(dtype)) return dtype;
  if (!Number.isInteger(value)) return 'float32';
  return dtype === 'bool' ? 'int32' : dtype;
}

/**
 * Checks that a string names a dtype, for values that arrive untyped.
 *
 * @example
 * ```ts
 * assertDType('float16', 'tensor'); // throws DTypeError
 * ```
 */
export function assertDType(d: string, op: string): asserts d is DType {
  // Own keys only: `in` would also accept 'toString' or 'constructor'.
  if (typeof d !== 'string' || !Object.hasOwn(RANK, d)) throw new DTypeError(`${op}: unknown dtype '${d}', expected one of ${DTYPES.join(', ')}`);
}
