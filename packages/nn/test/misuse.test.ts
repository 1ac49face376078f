import { describe, expect, it } from 'vitest';
import { describeMisuse, named, type MisuseRow } from '../../core/test/misuse-table.js';
import { DTypeError, OptionError, randn, tensor, zeros, ones, IndexError, ShapeError, TapegradError } from '@tapegrad/core';
import { GroupNorm, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer, Upsample, groupNorm, interpolate } from '@tapegrad/nn';
import { BCELoss, BatchNorm1d, Conv2d, CrossEntropyLoss, Dropout, Embedding, GRUCell, LSTMCell, LayerNorm, Linear, MaxPool2d, MultiheadAttention, RNNCell, batchNorm, binaryCrossEntropy, conv2d, crossEntropy, dropout, embedding, huberLoss, init, klDiv, layerNorm, leakyRelu, maxPool2d, mseLoss, nllLoss, scaledDotProductAttention, softmax, SafetensorsError, logSoftmax } from '@tapegrad/nn';
import { loadModuleFile, loadSafetensorsFile, saveSafetensorsFile } from '@tapegrad/nn/node';
import { GRU, LSTM, RNN } from '@tapegrad/nn';

const logits = () => randn([4, 3]);
const labels = () => tensor([0, 2, 1, 0], { dtype: 'int32' });
const bogus = { bogus: 1 } as never;

// Options objects: unknown keys (with the camelCase twin), wrong values, and options where a positional argument goes.
const optionRows: MisuseRow[] = [
  { name: 'crossEntropy label_smoothing', call: () => crossEntropy(logits(), labels(), { label_smoothing: 0.5 } as never), error: OptionError, contains: ['crossEntropy', "'label_smoothing'", "did you mean 'labelSmoothing'", 'reduction'] },
  { name: 'crossEntropy reduction value', call: () => crossEntropy(logits(), labels(), { reduction: 'avg' } as never), error: OptionError, contains: ['crossEntropy', 'reduction', "'avg'", "'mean', 'sum', 'none'"] },
  { name: 'crossEntropy labelSmoothing range', call: () => crossEntropy(logits(), labels(), { labelSmoothing: 2 }), error: OptionError, contains: ['crossEntropy', 'labelSmoothing = 2', '[0, 1]'] },
  { name: 'nllLoss ignore_index', call: () => nllLoss(logits(), labels(), { ignore_index: 0 } as never), error: OptionError, contains: ['nllLoss', "did you mean 'ignoreIndex'"] },
  { name: 'mseLoss size_average', call: () => mseLoss(zeros([2]), zeros([2]), { size_average: true } as never), error: OptionError, contains: ['mseLoss', "'size_average'", 'accepts reduction'] },
  { name: 'huberLoss delta', call: () => huberLoss(zeros([2]), zeros([2]), { delta: -1 }), error: OptionError, contains: ['huberLoss', 'delta = -1'] },
  { name: 'binaryCrossEntropy pos_weight', call: () => binaryCrossEntropy(zeros([2]), zeros([2]), { pos_weight: ones([2]) } as never), error: OptionError, contains: ['binaryCrossEntropy', "'pos_weight'"] },
  { name: 'klDiv log_target', call: () => klDiv(zeros([2]), zeros([2]), { log_target: true } as never), error: OptionError, contains: ['klDiv', "did you mean 'logTarget'"] },
  { name: 'dropout inplace', call: () => dropout(zeros([2]), 0.5, { inplace: true } as never), error: OptionError, contains: ['dropout', "'inplace'", 'training, generator'] },
  { name: 'dropout options as p', call: () => dropout(zeros([2]), { p: 0.5 } as never), error: OptionError, contains: ['dropout', 'p', 'dropout(x, p'] },
  { name: 'embedding padding_idx', call: () => embedding(tensor([0], { dtype: 'int32' }), zeros([3, 2]), { padding_idx: 0 } as never), error: OptionError, contains: ['embedding', "did you mean 'paddingIdx'"] },
  { name: 'batchNorm eps', call: () => batchNorm(zeros([2, 3]), null, null, { eps: -1, training: true }), error: OptionError, contains: ['batchNorm', 'eps = -1', '>= 0'] },
  { name: 'scaledDotProductAttention is_causal', call: () => scaledDotProductAttention(zeros([2, 4]), zeros([2, 4]), zeros([2, 4]), { is_causal: true } as never), error: OptionError, contains: ['scaledDotProductAttention', "did you mean 'isCausal'"] },
  { name: 'layerNorm options as weight', call: () => layerNorm(zeros([2, 4]), [4], { eps: 1e-6 } as never), error: OptionError, contains: ['layerNorm', 'weight', '{ eps }', 'layerNorm(x, normalizedShape, weight ?? null, bias ?? null, eps)'] },
  { name: 'leakyRelu options as slope', call: () => leakyRelu(zeros([2]), { negativeSlope: 0.1 } as never), error: OptionError, contains: ['leakyRelu', 'negativeSlope', 'leakyRelu(x, negativeSlope)'] },
  { name: 'softmax options as dim', call: () => softmax(zeros([2]), { dim: 0 } as never), error: OptionError, contains: ['softmax', 'dim'] },
  { name: 'maxPool2d options as kernelSize', call: () => maxPool2d(zeros([1, 1, 4, 4]), { kernelSize: 2 } as never), error: OptionError, contains: ['maxPool2d', 'kernelSize'] },
  { name: 'conv2d options as bias', call: () => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), { stride: 2 } as never), error: OptionError, contains: ['conv2d', 'bias'] },
  { name: 'Linear bias type', call: () => new Linear(2, 3, { bias: 0 } as never), error: OptionError, contains: ['Linear', 'bias = 0', 'true or false'] },
  { name: 'Linear dtype', call: () => new Linear(2, 3, { dtype: 'half' } as never), error: DTypeError, contains: ['Linear', "'half'"] },
  { name: 'Linear in_features', call: () => new Linear(2, 3, { device: 'cpu' } as never), error: OptionError, contains: ['Linear', "'device'", 'bias, dtype, generator'] },
  { name: 'Module.to a dtype', call: () => new Linear(2, 3).to('float64' as never), error: TapegradError, contains: ['Module.to', "'float64'", "expected a device ('cpu' or 'webgpu')"] },
  { name: 'Module.toAsync an unknown device', call: () => new Linear(2, 3).toAsync('cuda' as never), error: TapegradError, contains: ['Module.toAsync', "'cuda'"] },
  { name: 'Conv2d padding_mode', call: () => new Conv2d(1, 1, 3, { padding_mode: 'zeros' } as never), error: OptionError, contains: ['Conv2d', "'padding_mode'"] },
  { name: 'BatchNorm1d track_running_stats', call: () => new BatchNorm1d(3, { track_running_stats: false } as never), error: OptionError, contains: ['BatchNorm1d', "did you mean 'trackRunningStats'"] },
  { name: 'Embedding unknown key', call: () => new Embedding(3, 2, bogus), error: OptionError, contains: ['Embedding', "'bogus'"] },
  { name: 'LayerNorm elementwise_affine', call: () => new LayerNorm(4, { elementwise_affine: false } as never), error: OptionError, contains: ['LayerNorm', "did you mean 'elementwiseAffine'"] },
  { name: 'MultiheadAttention batch_first', call: () => new MultiheadAttention(4, 2, { batch_first: true } as never), error: OptionError, contains: ['MultiheadAttention', "did you mean 'batchFirst'"] },
  { name: 'MultiheadAttention.forward need_weights', call: () => new MultiheadAttention(4, 2).forward(zeros([2, 4]), zeros([2, 4]), zeros([2, 4]), { need_weights: false } as never), error: OptionError, contains: ['MultiheadAttention.forward', "did you mean 'needWeights'"] },
  { name: 'RNNCell nonlinearity', call: () => new RNNCell(2, 3, { nonlinearity: 'gelu' } as never), error: OptionError, contains: ['RNNCell', "'gelu'", "'tanh', 'relu'"] },
  { name: 'LSTMCell unknown key', call: () => new LSTMCell(2, 3, bogus), error: OptionError, contains: ['LSTMCell', "'bogus'"] },
  { name: 'GRUCell unknown key', call: () => new GRUCell(2, 3, bogus), error: OptionError, contains: ['GRUCell', "'bogus'"] },
  { name: 'Dropout unknown key', call: () => new Dropout(0.5, bogus), error: OptionError, contains: ['Dropout', "'bogus'"] },
  { name: 'MaxPool2d ceil_mode', call: () => new MaxPool2d(2, { ceil_mode: true } as never), error: OptionError, contains: ['MaxPool2d', "'ceil_mode'"] },
  { name: 'Conv2d paddingMode value', call: () => new Conv2d(1, 1, 3, { paddingMode: 'mirror' } as never), error: OptionError, contains: ['Conv2d', 'paddingMode', "'zeros', 'reflect', 'replicate', 'circular'"] },
  { name: 'Conv2d reflect padding too wide', call: () => new Conv2d(1, 1, 5, { padding: 4, paddingMode: 'reflect' }).forward(zeros([1, 1, 4, 4])), error: ShapeError, contains: ['Conv2d', "paddingMode 'reflect'", 'padding (4, 4)', 'size 4'] },
  { name: 'Conv2d same with stride', call: () => new Conv2d(1, 1, 3, { padding: 'same', stride: 2, paddingMode: 'reflect' }), error: IndexError, contains: ['Conv2d', "padding 'same' needs stride 1"] },
  { name: 'Embedding max_norm', call: () => new Embedding(3, 2, { max_norm: 1 } as never), error: OptionError, contains: ['Embedding', "did you mean 'maxNorm'"] },
  { name: 'embedding normType', call: () => embedding(tensor([0], { dtype: 'int32' }), zeros([3, 2]), { maxNorm: 1, normType: -2 }), error: OptionError, contains: ['embedding', 'normType = -2'] },
  { name: 'MultiheadAttention add_bias_kv', call: () => new MultiheadAttention(4, 2, { add_bias_kv: true } as never), error: OptionError, contains: ['MultiheadAttention', "did you mean 'addBiasKV'"] },
  { name: 'interpolate size and scaleFactor', call: () => interpolate(zeros([1, 1, 2, 2]), { size: 4, scaleFactor: 2 }), error: TapegradError, contains: ['interpolate', 'exactly one of size and scaleFactor', 'both'] },
  { name: 'interpolate align_corners', call: () => interpolate(zeros([1, 1, 2, 2]), { scaleFactor: 2, align_corners: true } as never), error: OptionError, contains: ['interpolate', "did you mean 'alignCorners'"] },
  { name: 'interpolate alignCorners with nearest', call: () => interpolate(zeros([1, 1, 2, 2]), { scaleFactor: 2, alignCorners: false }), error: TapegradError, contains: ['interpolate', 'alignCorners applies only to the linear modes', "'nearest'"] },
  { name: 'interpolate linear on 4-D', call: () => interpolate(zeros([1, 1, 2, 2]), { scaleFactor: 2, mode: 'linear' }), error: ShapeError, contains: ['interpolate', "mode 'linear' needs a 3-D input", '[1, 1, 2, 2]'] },
  { name: 'Upsample scale_factor', call: () => new Upsample({ scale_factor: 2 } as never), error: OptionError, contains: ['Upsample', "did you mean 'scaleFactor'"] },
  { name: 'groupNorm groups', call: () => groupNorm(zeros([2, 6, 3]), 4), error: ShapeError, contains: ['groupNorm', '6 channels', 'numGroups 4'] },
  { name: 'GroupNorm num_channels', call: () => new GroupNorm(2, 4, { num_channels: 4 } as never), error: OptionError, contains: ['GroupNorm', "'num_channels'", 'eps, affine, dtype'] },
  { name: 'TransformerEncoderLayer dim_feedforward', call: () => new TransformerEncoderLayer(4, 2, { dim_feedforward: 8 } as never), error: OptionError, contains: ['TransformerEncoderLayer', "did you mean 'dimFeedforward'"] },
  { name: 'TransformerEncoderLayer activation', call: () => new TransformerEncoderLayer(4, 2, { activation: 'tanh' } as never), error: OptionError, contains: ['TransformerEncoderLayer', "'tanh'", "'relu', 'gelu'"] },
  { name: 'TransformerEncoderLayer.forward src_key_padding_mask', call: () => new TransformerEncoderLayer(4, 2, { dimFeedforward: 4 }).forward(zeros([3, 4]), { src_key_padding_mask: null } as never), error: OptionError, contains: ['TransformerEncoderLayer.forward', "did you mean 'srcKeyPaddingMask'"] },
  { name: 'TransformerDecoderLayer nhead', call: () => new TransformerDecoderLayer(6, 4), error: TapegradError, contains: ['TransformerDecoderLayer', 'dModel 6', 'nhead 4'] },
  { name: 'TransformerEncoder norm', call: () => new TransformerEncoder(new TransformerEncoderLayer(4, 2, { dimFeedforward: 4 }), 2, { norm: 'layer' } as never), error: OptionError, contains: ['TransformerEncoder', 'norm', 'a module or null'] },
  { name: 'CrossEntropyLoss label_smoothing', call: () => new CrossEntropyLoss({ label_smoothing: 0.1 } as never), error: OptionError, contains: ['CrossEntropyLoss', "did you mean 'labelSmoothing'"] },
  { name: 'BCELoss unknown key', call: () => new BCELoss(bogus), error: OptionError, contains: ['BCELoss', "'bogus'"] },
  { name: 'resetParameters unknown key', call: () => new Linear(2, 3).resetParameters(bogus), error: OptionError, contains: ['resetParameters', "'bogus'", 'generator'] },
  { name: 'init.kaimingUniform_ mode', call: () => init.kaimingUniform_(zeros([3, 2]), { mode: 'fan_in' } as never), error: OptionError, contains: ['init.kaimingUniform_', "'fan_in'", "'fanIn'"] },
  { name: 'init.normal_ unknown key', call: () => init.normal_(zeros([3]), 0, 1, { seed: 1 } as never), error: OptionError, contains: ['init.normal_', "'seed'"] },
  { name: 'init.xavierUniform_ gain type', call: () => init.xavierUniform_(zeros([3, 2]), { gain: '1' } as never), error: OptionError, contains: ['init.xavierUniform_', 'gain'] },
  { name: 'loadStateDict unknown key', call: () => new Linear(2, 3).loadStateDict({}, { strict: false, ...{ assign: true } } as never), error: OptionError, contains: ['loadStateDict', "'assign'", 'strict'] },
];

// Odd inputs and numerics: errors that once named an internal op, or came raw from the engine.

const missing = '/nonexistent-folder/weights.safetensors';

/** Errors that once named an internal op, or came raw from the engine or from Node. */
const numericsRows: Omit<MisuseRow, 'name'>[] = [
  { call: () => softmax(zeros([2, 3]), 3), error: IndexError, contains: ['softmax', 'dim 3', '2 dims'] },
  { call: () => logSoftmax(zeros([2, 3]), -3), error: IndexError, contains: ['logSoftmax', 'dim -3', '2 dims'] },
  { call: () => softmax(zeros([2, 3], { dtype: 'int32' }), 1), error: DTypeError, contains: ['softmax', 'int32'] },
  { call: () => loadModuleFile(new Linear(2, 2), missing), error: SafetensorsError, contains: ['loadModuleFile', missing, 'no such file'] },
  { call: () => loadSafetensorsFile(missing), error: SafetensorsError, contains: ['loadSafetensorsFile', missing, 'ENOENT'] },
  { call: () => saveSafetensorsFile(missing, { w: tensor([1]) }), error: SafetensorsError, contains: ['saveSafetensorsFile', missing] },
];

describe('softmax of an empty tensor', () => {
  it('is empty, as in PyTorch', () => {
    expect(softmax(zeros([2, 0]), 1).shape).toEqual([2, 0]);
    expect(logSoftmax(zeros([0, 3]), 1).shape).toEqual([0, 3]);
  });
});

/** Recurrent layers: options, and inputs or states that do not fit (the layer, what it expected, what it got). */
const recurrentRows: MisuseRow[] = [
  { name: 'LSTM proj_size', call: () => new LSTM(3, 4, { proj_size: 2 } as never), error: OptionError, contains: ['LSTM', "'proj_size'", 'numLayers', 'bidirectional'] },
  { name: 'GRU batch_first', call: () => new GRU(3, 4, { batch_first: true } as never), error: OptionError, contains: ['GRU', "did you mean 'batchFirst'"] },
  { name: 'RNN nonlinearity', call: () => new RNN(3, 4, { nonlinearity: 'sigmoid' } as never), error: OptionError, contains: ['RNN', "'sigmoid'", "'tanh', 'relu'"] },
  { name: 'LSTM numLayers', call: () => new LSTM(3, 4, { numLayers: 0 }), error: OptionError, contains: ['LSTM', 'numLayers = 0', 'an integer >= 1'] },
  { name: 'GRU dropout', call: () => new GRU(3, 4, { dropout: 1.5 }), error: OptionError, contains: ['GRU', 'dropout = 1.5', '[0, 1]'] },
  { name: 'RNN hiddenSize', call: () => new RNN(3, 0), error: TapegradError, contains: ['RNN', 'hiddenSize', 'positive integer', 'got 0'] },
  { name: 'LSTM input rank', call: () => new LSTM(3, 4).forward(zeros([2, 2, 2, 3])), error: ShapeError, contains: ['LSTM', 'expected input of shape [L, N, 3] or [L, 3] (unbatched)', 'got [2, 2, 2, 3]'] },
  { name: 'GRU input features, batch first', call: () => new GRU(3, 4, { batchFirst: true }).forward(zeros([2, 5, 4])), error: ShapeError, contains: ['GRU', '[N, L, 3]', 'got [2, 5, 4]'] },
  { name: 'RNN empty sequence', call: () => new RNN(3, 4).forward(zeros([0, 2, 3])), error: ShapeError, contains: ['RNN', 'at least one step', 'got input of shape [0, 2, 3]'] },
  { name: 'RNN input dtype', call: () => new RNN(3, 4, { dtype: 'float64' }).forward(zeros([5, 2, 3])), error: DTypeError, contains: ['RNN', 'expected input of dtype float64', 'got float32'] },
  { name: 'RNN h0 batch', call: () => new RNN(3, 4, { numLayers: 2 }).forward(zeros([5, 2, 3]), zeros([2, 3, 4])), error: ShapeError, contains: ['RNN', 'expected h0 of shape [2, 2, 4] for input of shape [5, 2, 3]', 'got [2, 3, 4]'] },
  { name: 'GRU h0 layers, bidirectional', call: () => new GRU(3, 4, { bidirectional: true }).forward(zeros([5, 2, 3]), zeros([1, 2, 4])), error: ShapeError, contains: ['GRU', 'expected h0 of shape [2, 2, 4]', 'got [1, 2, 4]'] },
  { name: 'LSTM batched h0 for unbatched input', call: () => new LSTM(3, 4).forward(zeros([5, 3]), [zeros([1, 1, 4]), zeros([1, 1, 4])]), error: ShapeError, contains: ['LSTM', 'expected h0 of shape [1, 4] for input of shape [5, 3]', 'got [1, 1, 4]'] },
  { name: 'LSTM c0', call: () => new LSTM(3, 4).forward(zeros([5, 2, 3]), [zeros([1, 2, 4]), zeros([1, 2, 5])]), error: ShapeError, contains: ['LSTM', 'expected c0 of shape [1, 2, 4]', 'got [1, 2, 5]'] },
  { name: 'LSTM h0 dtype', call: () => new LSTM(3, 4).forward(zeros([5, 2, 3]), [zeros([1, 2, 4], { dtype: 'float64' }), zeros([1, 2, 4])]), error: DTypeError, contains: ['LSTM', 'expected h0 of dtype float32', 'got float64'] },
  { name: 'LSTM state not a pair', call: () => new LSTM(3, 4).forward(zeros([5, 2, 3]), zeros([1, 2, 4]) as never), error: TapegradError, contains: ['LSTM', 'pair [h0, c0]'] },
];

describeMisuse([...optionRows, ...named(numericsRows), ...recurrentRows]);
