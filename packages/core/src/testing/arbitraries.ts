/**
 * fast-check arbitraries of shapes and tensors, for property tests of your own ops (needs `fast-check`).
 *
 * @module @tapegrad/core/testing/arbitraries
 */
// The entry `@tapegrad/core/testing/arbitraries`: the only module of the
// package that imports fast-check (an optional peer dependency), kept apart so
// that `@tapegrad/core/testing` loads without it.
import * as fc from 'fast-check';
import type { DType } from '../dtype.js';
import { fromArray } from '../tensor/make.js';
import { ARRAY_TYPES } from '../dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Bounds for generated shapes.
 *
 * @example
 * ```ts
 * shapes({ minDims: 1, maxDims: 2, maxSize: 5 });
 * ```
 */
export interface ShapeConstraints {
  readonly minDims?: number;
  readonly maxDims?: number;
  readonly minSize?: number;
  readonly maxSize?: number;
}

/**
 * Shapes of `minDims..maxDims` dims (0 to 3 by default; 0 dims is a 0-d
 * tensor) with sizes in `minSize..maxSize` (1 to 4).
 *
 * @example
 * ```ts
 * fc.assert(fc.property(shapes(), (s) => s.length <= 3));
 * ```
 */
export function shapes(c: ShapeConstraints = {}): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: c.minSize ?? 1, max: c.maxSize ?? 4 }), {
    minLength: c.minDims ?? 0,
    maxLength: c.maxDims ?? 3,
  });
}

/**
 * `n` shapes that broadcast together: drawn from one shape, each dropping
 * some leading dims and turning some dims into 1.
 *
 * @example
 * ```ts
 * fc.property(broadcastableShapes(2), ([a, b]) => broadcastShapes('add', a, b).length >= a.length);
 * ```
 */
export function broadcastableShapes(n: number, c: ShapeConstraints = {}): fc.Arbitrary<number[][]> {
  return shapes(c).chain((base) => {
    const one = fc
      .tuple(fc.integer({ min: 0, max: base.length }), fc.array(fc.boolean(), { minLength: base.length, maxLength: base.length }))
      .map(([drop, ones]) => base.slice(drop).map((s, i) => (ones[i + drop] ? 1 : s)));
    return fc.array(one, { minLength: n, maxLength: n });
  });
}

/**
 * What {@link tensors} generates.
 *
 * @example
 * ```ts
 * tensors({ shape: [2, 3], min: 0.1, max: 5 });
 * ```
 */
export interface TensorConstraints {
  /** A fixed shape, or an arbitrary of shapes ({@link shapes} by default). */
  readonly shape?: readonly number[] | fc.Arbitrary<number[]>;
  /** float64 by default, for gradient checks. */
  readonly dtype?: DType;
  readonly min?: number;
  readonly max?: number;
  readonly requiresGrad?: boolean;
}

/**
 * Tensors with values in `[min, max]` (−2 to 2 by default; integers for int32,
 * booleans for bool). Shrinks towards small shapes and simple values.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(tensors({ min: 0.1 }), (x) => { gradcheck((t) => t.log(), [x.requiresGrad_()]); }));
 * ```
 */
export function tensors(c: TensorConstraints = {}): fc.Arbitrary<Tensor> {
  const dtype = c.dtype ?? 'float64';
  const min = c.min ?? -2;
  const max = c.max ?? 2;
  const shapeArb = c.shape === undefined ? shapes() : Array.isArray(c.shape) ? fc.constant([...(c.shape as number[])]) : (c.shape as fc.Arbitrary<number[]>);
  const value: fc.Arbitrary<number> =
    dtype === 'bool'
      ? fc.boolean().map(Number)
      : dtype === 'int32'
        ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
        : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
  return shapeArb.chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return fc.array(value, { minLength: n, maxLength: n }).map((values) => {
      const data = new ARRAY_TYPES[dtype](n);
      values.forEach((v, i) => (data[i] = v));
      const t = fromArray(data, shape, dtype);
      return c.requiresGrad ? t.requiresGrad_(true) : t;
    });
  });
}
