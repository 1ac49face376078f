import { allocate } from '../dtype.js';
import type { Backend } from './backend.js';
import { convolutions } from './js/conv2d.js';
import { assign, binary, copy, unary, where } from './js/elementwise.js';
import { fold } from './js/fold.js';
import { col2im, im2col } from './js/im2col.js';
import { addcInPlace, binaryInPlace, unaryInPlace } from './js/in-place.js';
import { gather, scatterAdd } from './js/indexing.js';
import { matmul } from './js/matmul.js';
import { maxPoolIndices } from './js/max-pool.js';
import { argReduce, reduce } from './js/reduce.js';

/**
 * The plain-TypeScript backend: short, obviously correct, and the reference
 * every faster backend is tested against.
 *
 * @example
 * ```ts
 * setBackend(jsBackend);
 * ```
 */
export const jsBackend: Backend = {
  name: 'js',
  alloc: allocate,
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
