/**
 * Modules, layers, activations, losses, initialisers and safetensors.
 *
 * @module @tapegrad/nn
 */
// ---- modules ----------------------------------------------------------------
export { Module, type StateDict, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { parameter, isParameter, type Parameter } from './parameter.js';
export { StateDictError, SafetensorsError } from './errors.js';

// ---- containers and simple layers ---------------------------------------------
export { Sequential, type TensorModule } from './layers/sequential.js';
export { ModuleList } from './layers/module-list.js';
export { ModuleDict } from './layers/module-dict.js';
export { Identity } from './layers/identity.js';
export { Flatten } from './layers/flatten.js';
export { Linear } from './layers/linear.js';
export { Bilinear } from './layers/bilinear.js';
export type { LayerOptions } from './layers/layer-options.js';

// ---- activations and softmax --------------------------------------------------
export { relu, leakyRelu, elu, gelu, silu, mish, sigmoid, tanh, softplus, hardtanh, log1pExp } from './functional/activations.js';
export { softmax, logSoftmax } from './functional/softmax.js';
export { ReLU, LeakyReLU, ELU, GELU, SiLU, Mish, Sigmoid, Tanh, Softplus, Hardtanh, Softmax, LogSoftmax } from './layers/activations.js';

// ---- losses ---------------------------------------------------------------------
export { mseLoss, l1Loss, smoothL1Loss, huberLoss, type ReductionOptions } from './functional/regression-losses.js';
export { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions } from './functional/cross-entropy.js';
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  type BinaryCrossEntropyOptions,
  type BinaryCrossEntropyWithLogitsOptions,
} from './functional/binary-cross-entropy.js';
export { klDiv, type KlDivOptions } from './functional/kl-div.js';
export type { Reduction } from './functional/reduction.js';
export { MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss } from './layers/losses.js';

// ---- weights that travel ---------------------------------------------------------
export { saveSafetensors, loadSafetensors, saveModule, loadModule, type SafetensorsContents, type SafetensorsDType } from './io/safetensors.js';

// ---- initialisation -------------------------------------------------------------
export * as init from './init.js';

// ---- convolution, pooling, normalisation, embedding, dropout, attention, recurrent cells ----
export { conv1d, conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, type ConvOptions, type MaxPoolOptions, type AvgPoolOptions, type SizeArg } from '@tapegrad/core';
export { dropout, type DropoutOptions } from './functional/dropout.js';
export { layerNorm } from './functional/layer-norm.js';
export { batchNorm, type BatchNormOptions } from './functional/batch-norm.js';
export { embedding, type EmbeddingOptions } from './functional/embedding.js';
export { scaledDotProductAttention, type AttentionOptions } from './functional/scaled-dot-product-attention.js';
export { ConvNd, Conv1d, Conv2d, type ConvLayerOptions, type PaddingMode } from './layers/conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './layers/pooling.js';
export { Embedding, type EmbeddingLayerOptions } from './layers/embedding.js';
export { Dropout } from './layers/dropout.js';
export { LayerNorm, type LayerNormOptions } from './layers/layer-norm.js';
export { BatchNorm, BatchNorm1d, BatchNorm2d, type BatchNormLayerOptions } from './layers/batch-norm.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './layers/multihead-attention.js';
export { RNNCellBase, RNNCell, LSTMCell, GRUCell, type RNNCellOptions } from './layers/rnn-cells.js';
export { RNNBase, RNN, LSTM, GRU, type RNNBaseOptions, type RNNOptions } from './layers/rnn.js';

// ---- resizing, group normalisation, transformer layers ----
export { interpolate, type InterpolateOptions, type InterpolateMode } from './functional/interpolate.js';
export { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, type UpsamplingOptions } from './layers/upsample.js';
export { groupNorm } from './functional/group-norm.js';
export { GroupNorm, type GroupNormOptions } from './layers/group-norm.js';
export type { TransformerLayerOptions, TransformerSettings } from './layers/transformer-options.js';
export { TransformerEncoderLayer, TransformerEncoder, type TransformerEncoderLayerForwardOptions, type TransformerEncoderForwardOptions } from './layers/transformer-encoder.js';
export { TransformerDecoderLayer, TransformerDecoder, type TransformerDecoderForwardOptions } from './layers/transformer-decoder.js';
