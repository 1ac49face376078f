import { OptionError, TapegradError, arange, autogradGrad, conv2d, enableGrad, randn, tensor, zeros, type Tensor } from '@tapegrad/core';
import { Linear, MultiheadAttention } from '@tapegrad/nn';
import { OnnxExportError, exportOnnx } from '@tapegrad/onnx';
import { describeMisuse, type MisuseRow } from '../../core/test/misuse-table.js';

const fc = new Linear(3, 2);
const x = randn([4, 3]);

const rows: MisuseRow[] = [
  // Options
  { name: 'unknown option', call: () => exportOnnx(fc, [x], { dynamic_batch: true } as never), error: OptionError, contains: ['exportOnnx', "'dynamic_batch'", "did you mean 'dynamicBatch'"] },
  { name: 'inputNames not strings', call: () => exportOnnx(fc, [x], { inputNames: [1] as never }), error: OptionError, contains: ['exportOnnx', 'inputNames', 'distinct non-empty strings'] },
  { name: 'repeated output names', call: () => exportOnnx(fc, [x], { outputNames: ['y', 'y'] }), error: OptionError, contains: ['outputNames', 'distinct'] },
  { name: 'dynamicBatch not a boolean', call: () => exportOnnx(fc, [x], { dynamicBatch: 1 as never }), error: OptionError, contains: ['dynamicBatch', 'true or false'] },
  { name: 'inputNames count', call: () => exportOnnx(fc, [x], { inputNames: ['a', 'b'] }), error: OnnxExportError, contains: ['exportOnnx', '2 inputNames', '1 example inputs'] },
  { name: 'outputNames count', call: () => exportOnnx(fc, [x], { outputNames: ['a', 'b'] }), error: OnnxExportError, contains: ['exportOnnx', '2 outputNames', '1 outputs'] },
  { name: 'a name for an input and an output', call: () => exportOnnx(fc, [x], { inputNames: ['v'], outputNames: ['v'] }), error: OnnxExportError, contains: ["'v'", 'both an input and an output'] },
  { name: 'batchAxes without dynamicBatch', call: () => exportOnnx(fc, [x], { batchAxes: [0] }), error: OnnxExportError, contains: ['batchAxes', 'dynamicBatch: true'] },
  { name: 'batchAxes count', call: () => exportOnnx(fc, [x], { dynamicBatch: true, batchAxes: [0, 0] }), error: OnnxExportError, contains: ['batchAxes has 2 entries', '1 inputs'] },
  { name: 'batch axis out of range', call: () => exportOnnx(fc, [x], { dynamicBatch: true, batchAxes: [2] }), error: OnnxExportError, contains: ['batchAxes[0] = 2', 'shape [4, 3]'] },
  { name: 'no batch axis at all', call: () => exportOnnx(fc, [x], { dynamicBatch: true, batchAxes: [null] }), error: OnnxExportError, contains: ['no input a batch dim'] },
  { name: 'batch sizes disagree', call: () => exportOnnx((a: Tensor, b: Tensor) => a.add(b.sum()), [x, randn([5, 3])], { dynamicBatch: true }), error: OnnxExportError, contains: ['different sizes', '4, 5'] },

  // What is exported
  { name: 'inputs not tensors', call: () => exportOnnx(fc, [[1, 2]] as never), error: OnnxExportError, contains: ['exampleInputs', 'tensor or a list of tensors'] },
  { name: 'one input twice', call: () => exportOnnx((a: Tensor, b: Tensor) => a.add(b), [x, x]), error: OnnxExportError, contains: ['given twice', 'clone()'] },
  { name: 'not a model', call: () => exportOnnx({} as never, [x]), error: OnnxExportError, contains: ['Module or a function', 'object'] },
  { name: 'null output', call: () => exportOnnx((q: Tensor) => new MultiheadAttention(3, 1).forward(q, q, q, { needWeights: false }), [randn([2, 3])]), error: OnnxExportError, contains: ['tensor or a list of tensors', 'item 1 is null'] },
  { name: 'no output', call: () => exportOnnx(() => [], [x]), error: OnnxExportError, contains: ['empty list'] },

  // Forward passes a graph cannot hold
  {
    name: 'an op with no ONNX form',
    call: () =>
      exportOnnx(
        (img: Tensor, w: Tensor) =>
          enableGrad(() => {
            const v = w.detach().requiresGrad_();
            return autogradGrad([conv2d(img, v).sum()], [v])[0]!;
          }),
        [randn([1, 1, 4, 4]), randn([1, 1, 3, 3])],
      ),
    error: OnnxExportError,
    contains: ["'conv2dWeight'", '[1, 1, 4, 4] float32', 'gradient of a convolution'],
  },
  { name: 'a branch on a value', call: () => exportOnnx((t: Tensor) => (t.data[0]! > 0 ? t.exp() : t.neg()), [tensor([1, -1, 2])]), error: OnnxExportError, contains: ['other ops', "'exp', then 'neg'", 'depends on the inputs'] },
  { name: 'a value read back', call: () => exportOnnx((t: Tensor) => tensor(Array.from(t.data)).mul(t), [tensor([1, -1, 2])]), error: OnnxExportError, contains: ["op #0 'mul'", 'values changed with the inputs'] },
  {
    name: 'a constant shaped by the batch, not of one value',
    call: () => exportOnnx((t: Tensor) => t.add(arange(t.shape[0]!).unsqueeze(1)), [x], { dynamicBatch: true }),
    error: OnnxExportError,
    contains: ["'reshape'", 'shape follows the batch size', 'not all one value'],
  },
  {
    name: 'a view read after an in-place write',
    call: () =>
      exportOnnx((t: Tensor) => {
        const y = t.mul(2);
        const v = y.reshape([-1]);
        y.add_(1);
        return v.exp();
      }, [x]),
    error: OnnxExportError,
    contains: ["input 0 of op #", "'exp'", 'in-place write'],
  },
  {
    name: 'a forward pass that throws on shifted values',
    call: () =>
      exportOnnx((t: Tensor) => {
        if (t.data[0] !== 1) throw new TapegradError('the first element must be 1');
        return t.exp();
      }, [tensor([1, 2, 3])]),
    error: OnnxExportError,
    contains: ['threw when run on the inputs with their elements shifted', 'the first element must be 1'],
  },
  {
    name: 'a size quadratic in the batch',
    call: () => exportOnnx((t: Tensor) => zeros([t.shape[0]! * t.shape[0]!]).add(t.sum()), [x], { dynamicBatch: true }),
    error: OnnxExportError,
    contains: ['other than linearly', '16, 25, 36'],
  },
];

describeMisuse(rows);
