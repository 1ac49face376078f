import { allocate } from '../../dtype.js';
import type { Backend } from '../backend.js';
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
