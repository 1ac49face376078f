import { optionRules as r, type OptionRules } from '@tapegrad/core';

const reduction = { reduction: r.oneOf('mean', 'sum', 'none') };
const nll = { weight: r.tensorOrNull, ignoreIndex: r.integer, ...reduction };
const bce = { weight: r.tensorOrNull, ...reduction };
const layer = { bias: r.boolean, dtype: r.dtype, generator: r.generator };
const conv = { stride: r.intOrInts, padding: r.either(r.intOrInts, r.oneOf('valid', 'same')), dilation: r.intOrInts, groups: r.positiveInteger };
const attention = { attnMask: r.tensorOrNull, isCausal: r.boolean, dropoutP: r.probability, scale: r.finite, generator: r.generator };
const recurrent = { ...layer, numLayers: r.positiveInteger, batchFirst: r.boolean, dropout: r.probability, bidirectional: r.boolean };
const gain = { gain: r.finite, generator: r.generator };
const normType = { expected: 'a number > 0 (Infinity for the largest |w|)', test: (v: unknown) => typeof v === 'number' && v > 0 };
const maxNorm = { maxNorm: r.nullable(r.nonNegative), normType };
const module = { expected: 'a module or null', test: (v: unknown) => v === null || (typeof v === 'object' && typeof (v as { forward?: unknown }).forward === 'function') };
const resize = {
  size: r.either(r.positiveInteger, { expected: 'a list of integers >= 1', test: (v: unknown) => Array.isArray(v) && v.every((s) => Number.isInteger(s) && s >= 1) }),
  scaleFactor: r.either(r.positive, r.numbers),
  mode: r.oneOf('nearest', 'nearest-exact', 'linear', 'bilinear', 'trilinear'),
  alignCorners: r.boolean,
  recomputeScaleFactor: r.boolean,
};

/**
 * The options every function and layer of `@tapegrad/nn` accepts, as data:
 * one row per function or class, checked at its entry by core's `checkOptions`.
 */
export const nnOptionRules = {
  batchNorm: { weight: r.tensorOrNull, bias: r.tensorOrNull, training: r.boolean, momentum: r.probability, eps: r.nonNegative },
  binaryCrossEntropy: bce,
  binaryCrossEntropyWithLogits: { ...bce, posWeight: r.tensorOrNull },
  nllLoss: nll,
  crossEntropy: { ...nll, labelSmoothing: r.probability },
  dropout: { training: r.boolean, generator: r.generator },
  embedding: { paddingIdx: r.nullable(r.integer), ...maxNorm },
  klDiv: { reduction: r.oneOf('mean', 'batchmean', 'sum', 'none'), logTarget: r.boolean },
  mseLoss: reduction,
  l1Loss: reduction,
  smoothL1Loss: { ...reduction, beta: r.nonNegative },
  huberLoss: { ...reduction, delta: r.positive },
  attention,
  interpolate: resize,
  Upsample: resize,
  Upsampling2d: { size: resize.size, scaleFactor: resize.scaleFactor },
  Linear: layer,
  Bilinear: layer,
  Conv: { ...layer, ...conv, paddingMode: r.oneOf('zeros', 'reflect', 'replicate', 'circular') },
  BatchNorm: { eps: r.nonNegative, momentum: r.nullable(r.probability), affine: r.boolean, trackRunningStats: r.boolean, dtype: r.dtype },
  Embedding: { paddingIdx: r.nullable(r.integer), dtype: r.dtype, generator: r.generator, ...maxNorm },
  LayerNorm: { eps: r.nonNegative, elementwiseAffine: r.boolean, bias: r.boolean, dtype: r.dtype },
  GroupNorm: { eps: r.nonNegative, affine: r.boolean, dtype: r.dtype },
  MultiheadAttention: { ...layer, batchFirst: r.boolean, dropout: r.probability, kdim: r.positiveInteger, vdim: r.positiveInteger, addBiasKV: r.boolean, addZeroAttn: r.boolean },
  multiheadAttentionForward: { keyPaddingMask: r.tensorOrNull, attnMask: r.tensorOrNull, needWeights: r.boolean, averageAttnWeights: r.boolean, isCausal: r.boolean },
  TransformerLayer: {
    ...layer,
    dimFeedforward: r.positiveInteger,
    dropout: r.probability,
    activation: r.either(r.oneOf('relu', 'gelu'), r.function),
    layerNormEps: r.nonNegative,
    batchFirst: r.boolean,
    normFirst: r.boolean,
  },
  transformerEncoderForward: { srcMask: r.tensorOrNull, srcKeyPaddingMask: r.tensorOrNull, isCausal: r.boolean },
  transformerDecoderForward: {
    tgtMask: r.tensorOrNull,
    memoryMask: r.tensorOrNull,
    tgtKeyPaddingMask: r.tensorOrNull,
    memoryKeyPaddingMask: r.tensorOrNull,
    tgtIsCausal: r.boolean,
    memoryIsCausal: r.boolean,
  },
  TransformerStack: { norm: module },
  transformerEncoderStackForward: { mask: r.tensorOrNull, srcKeyPaddingMask: r.tensorOrNull, isCausal: r.boolean },
  RNNCell: { ...layer, nonlinearity: r.oneOf('tanh', 'relu') },
  LSTMCell: layer,
  GRUCell: layer,
  RNN: { ...recurrent, nonlinearity: r.oneOf('tanh', 'relu') },
  LSTM: recurrent,
  GRU: recurrent,
  MaxPool2d: { stride: r.intOrInts, padding: r.intOrInts, dilation: r.intOrInts, ceilMode: r.boolean },
  AvgPool2d: { stride: r.intOrInts, padding: r.intOrInts, countIncludePad: r.boolean, divisorOverride: r.positive, ceilMode: r.boolean },
  Dropout: { generator: r.generator },
  resetParameters: { generator: r.generator },
  init: { generator: r.generator },
  gain,
  kaiming: { generator: r.generator, a: r.finite, mode: r.oneOf('fanIn', 'fanOut'), nonlinearity: r.string },
  loadStateDict: { strict: r.boolean },
} as const satisfies { readonly [name: string]: OptionRules };
