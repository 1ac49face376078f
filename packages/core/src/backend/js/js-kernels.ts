import type { CpuKernels } from '../cpu/cpu-kernels.js';
import { convolutions } from './conv2d.js';
import { assign, binary, copy, unary, where } from './elementwise.js';
import { fold } from './fold.js';
import { col2im, im2col } from './im2col.js';
import { addcInPlace, binaryInPlace, unaryInPlace } from './in-place.js';
import { gather, scatterAdd } from './indexing.js';
import { matmul } from './matmul.js';
import { maxPoolIndices } from './max-pool.js';
import { argReduce, reduce } from './reduce.js';

/**
 * The plain-TypeScript kernels: short, obviously correct, and the reference
 * every faster kernel is tested against.
 *
 * @example
 * ```ts
 * jsKernels.unary('exp', { data: Float32Array.of(0), shape: [1], strides: [1], offset: 0 }, 'float32'); // Float32Array [1]
 * ```
 */
export const jsKernels: CpuKernels = {
  copy,
  assign,
  unary,
  unaryInPlace,
  binary,
  binaryInPlace,
  addcInPlace,
  where,
  reduce,
  argReduce,
  matmul,
  gather,
  scatterAdd,
  fold,
  im2col,
  col2im,
  ...convolutions({ copy, im2col, col2im, matmul }),
  maxPoolIndices,
};
