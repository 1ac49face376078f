import type { TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import type { Kernels } from '../backend.js';

/**
 * A strided window onto a typed array: what the CPU kernels read and write.
 * Broadcast dims have stride 0.
 *
 * @example
 * ```ts
 * const v: ArrayView = { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2], strides: [1, 2], offset: 0 }; // a transpose
 * ```
 */
export interface ArrayView {
  readonly data: TypedArray;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
}

/**
 * The kernels of a CPU backend, over typed arrays: each returns a fresh
 * array (see {@link Kernels}). The reference backend and the WebAssembly
 * backend both provide them; `cpuBackend` puts the CPU's memory management
 * (deferred chains, copy-on-write, recycling) around them.
 *
 * @example
 * ```ts
 * const out = jsKernels.unary('exp', { data: new Float32Array([0]), shape: [1], strides: [1], offset: 0 }, 'float32');
 * ```
 */
export type CpuKernels = Kernels<ArrayView, TypedArray>;

