import { describe, expect, it } from 'vitest';
import { describeMisuse, named, type MisuseRow } from '../../core/test/misuse-table.js';
import { DTypeError, OptionError, TapegradError, randn, tensor, zeros, ones, IndexError } from '@tapegrad/core';
import { BCELoss, BatchNorm1d, Conv2d, CrossEntropyLoss, Dropout, Embedding, GRUCell, LSTMCell, LayerNorm, Linear, MaxPool2d, MultiheadAttention, RNNCell, batchNorm, binaryCrossEntropy, conv2d, crossEntropy, dropout, embedding, huberLoss, init, klDiv, layerNorm, leakyRelu, maxPool2d, mseLoss, nllLoss, scaledDotProductAttention, softmax, SafetensorsError, logSoftmax } from '@tapegrad/nn';
import { loadModuleFile, loadSafetensorsFile, saveSafetensorsFile } from '@tapegrad/nn/node';

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

describeMisuse([...optionRows, ...named(numericsRows)]);
