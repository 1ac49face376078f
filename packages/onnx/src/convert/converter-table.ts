import { argConverters, reduceConverters } from './reduce.js';
import type { ConverterTable } from './convert-context.js';
import { col2imConverter, conv2dConverter, conv2dInputConverter, conv2dWeightConverter, im2colConverter, maxPoolIndicesConverter } from './conv-pool.js';
import { binaryConverters, castConverter, matmulConverter, unaryConverters, whereConverter } from './elementwise.js';
import { gatherConverter, scatterAddConverter } from './indexing.js';
import {
  aliasConverter,
  catConverter,
  expandConverter,
  foldConverter,
  permuteConverter,
  reshapeConverter,
  sliceConverter,
  unfoldConverter,
  unsliceConverter,
  writeConverter,
} from './movement.js';

/**
 * How each traced op becomes ONNX nodes: one entry per primitive of
 * `@tapegrad/core` (and `detach`), so a primitive added to core without a
 * converter does not compile.
 */
export const converters: ConverterTable = {
  ...unaryConverters,
  ...binaryConverters,
  ...reduceConverters,
  ...argConverters,
  where: whereConverter,
  reshape: reshapeConverter,
  permute: permuteConverter,
  expand: expandConverter,
  slice: sliceConverter,
  unslice: unsliceConverter,
  cat: catConverter,
  unfold: unfoldConverter,
  fold: foldConverter,
  im2col: im2colConverter,
  col2im: col2imConverter,
  conv2d: conv2dConverter,
  conv2dInput: conv2dInputConverter,
  conv2dWeight: conv2dWeightConverter,
  maxPoolIndices: maxPoolIndicesConverter,
  cast: castConverter,
  contiguous: aliasConverter,
  detach: aliasConverter,
  write: writeConverter,
  matmul: matmulConverter,
  gather: gatherConverter,
  scatterAdd: scatterAddConverter,
};
