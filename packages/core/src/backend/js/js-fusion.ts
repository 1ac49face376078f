import type { TypedArray } from '../../dtype.js';
import type { ArrayView, CpuKernels } from '../cpu/cpu-kernels.js';
import type { Fusion, FusedExpr } from '../cpu/fusion.js';
import { BINARY_KERNELS, UNARY_KERNELS } from './elementwise.js';

const contiguous = (data: TypedArray, offset: number, n: number): ArrayView => ({ data, shape: [n], strides: [1], offset });

/**
 * The reference fusion: evaluates a deferred expression node by node with
 * the reference kernels themselves, so a deferred chain gives exactly what
 * running its ops one by one gives. Slow (every node writes an array) and
 * obviously right: the oracle the fused wasm evaluator is tested against,
 * and what makes deferred chains run on the reference backend too.
 *
 * @example
 * ```ts
 * const fusion = referenceFusion(jsKernels);
 * fusion.sum({ kind: 'scalar', value: 2 }, 3); // 6
 * ```
 */
export function referenceFusion(kernels: CpuKernels): Fusion {
  function values(e: FusedExpr, n: number): ArrayView {
    switch (e.kind) {
      case 'scalar':
        return { data: Float32Array.of(e.value), shape: [n], strides: [0], offset: 0 };
      case 'input':
        return contiguous(e.data, e.offset, n);
      case 'broadcast':
        return e.view;
      case 'unary':
        return contiguous(kernels.unary(e.op, values(e.x, n), 'float32'), 0, n);
      case 'binary':
        return contiguous(kernels.binary(e.op, flat(values(e.a, n), n), flat(values(e.b, n), n), 'float32'), 0, n);
    }
  }
  // A broadcast leaf has the result's shape; the flat kernels read it as n elements.
  const flat = (v: ArrayView, n: number): ArrayView => (v.shape.length === 1 ? v : contiguous(kernels.copy(v, 'float32'), 0, n));
  return {
    slots: Number.POSITIVE_INFINITY,
    unary: new Set(UNARY_KERNELS),
    binary: new Set(BINARY_KERNELS),
    canRead: () => true,
    evaluate(e, n, out, offset = 0) {
      const v = flat(values(e, n), n);
      const result = kernels.copy(v, 'float32') as Float32Array;
      if (out === undefined) return result;
      out.set(result, offset);
      return out;
    },
    sum: (e, n) => kernels.reduce('sum', flat(values(e, n), n), [0], 'float32')[0]!,
  };
}
