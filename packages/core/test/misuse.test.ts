import { describe, expect, it } from 'vitest';
import { describeMisuse, named, type MisuseRow } from './misuse-table.js';
import { DeviceError, configureStoragePool, createWasmBackend, createWebGpuBackend, getBackend, setBackend, setDefaultDevice, setNumThreads, type Backend } from '@tapegrad/core';
import { createWebGpu } from '@tapegrad/core/node';

/** Runs `make` with `backend` as the default, so its result lives on that backend's device. */
function onBackend<T>(backend: Backend, make: () => T): T {
  const previous = getBackend();
  setBackend(backend);
  try {
    return make();
  } finally {
    setBackend(previous);
  }
}

/** The CPU backend relabelled as another device. */
const onToyDevice = <T>(make: () => T): T => onBackend({ ...getBackend(), name: 'toy', device: 'toy' }, make);

/** The CPU backend relabelled as a device read only asynchronously, as a GPU is. */
const onAsyncDevice = <T>(make: () => T): T =>
  onBackend({ ...getBackend(), name: 'async', device: 'async', readsSync: false, read: () => { throw new DeviceError('read: asynchronous only'); } }, make);
import { AutogradError, DTypeError, IndexError, OptionError, TapegradError, vmap, arange, pad, autogradGrad, avgPool2d, backward, col2im, conv1d, conv2d, customOp, grad, im2col, linspace, maxPool2d, ones, rand, randn, randperm, std, tensor, toDot, valueAndGrad, zeros, zerosLike, type Tensor, ShapeError, empty, eye, full, randint } from '@tapegrad/core';
import { assertAllClose, gradcheck, gradgradcheck } from '@tapegrad/core/testing';

const x = (): Tensor => randn([2, 3]);
const img = (): Tensor => randn([1, 2, 5, 5]);
const bogus = { bogus: 1 } as never;

// Misuse of options objects: unknown keys, wrong value types, options where a positional argument goes.
const optionRows: MisuseRow[] = [
  { name: 'var unbiased', call: () => x().var(0, { unbiased: false } as never), error: OptionError, contains: ['var', "'unbiased'", 'correction: 0', 'keepdim'] },
  { name: 'std unknown key', call: () => std(x(), 0, { keep_dim: true } as never), error: OptionError, contains: ['std', "did you mean 'keepdim'"] },
  { name: 'var correction type', call: () => x().var(0, { correction: '1' } as never), error: OptionError, contains: ['var', 'correction', "'1'", 'a finite number'] },
  { name: 'conv2d stride_', call: () => conv2d(img(), randn([3, 2, 3, 3]), null, { strides: 2 } as never), error: OptionError, contains: ['conv2d', "'strides'", "did you mean 'stride'"] },
  { name: 'conv2d groups', call: () => conv2d(img(), randn([3, 2, 3, 3]), null, { groups: 0 }), error: OptionError, contains: ['conv2d', 'groups = 0', 'an integer >= 1'] },
  { name: 'conv2d options as bias', call: () => conv2d(img(), randn([3, 2, 3, 3]), { stride: 2 } as never), error: OptionError, contains: ['conv2d', 'bias', '{ stride }', 'bias ?? null'] },
  { name: 'conv1d options as bias', call: () => conv1d(randn([1, 2, 5]), randn([3, 2, 3]), { padding: 1 } as never), error: OptionError, contains: ['conv1d', 'bias'] },
  { name: 'maxPool2d options as kernelSize', call: () => maxPool2d(img(), { kernelSize: 2 } as never), error: OptionError, contains: ['maxPool2d', 'kernelSize', 'positional'] },
  { name: 'maxPool2d kernel_size key', call: () => maxPool2d(img(), 2, { kernel_size: 2 } as never), error: OptionError, contains: ['maxPool2d', "'kernel_size'", 'stride, padding, dilation'] },
  { name: 'avgPool2d count_include_pad', call: () => avgPool2d(img(), 2, { count_include_pad: false } as never), error: OptionError, contains: ['avgPool2d', "did you mean 'countIncludePad'"] },
  { name: 'maxPool2d ceil_mode', call: () => maxPool2d(img(), 2, { ceil_mode: true } as never), error: OptionError, contains: ['maxPool2d', "did you mean 'ceilMode'"] },
  { name: 'avgPool2d ceilMode type', call: () => avgPool2d(img(), 2, { ceilMode: 1 } as never), error: OptionError, contains: ['avgPool2d', 'ceilMode', 'true or false'] },
  { name: 'maxPool2d ceilMode too small', call: () => maxPool2d(randn([1, 1, 1, 4]), 3, { stride: 1, ceilMode: true }), error: ShapeError, contains: ['maxPool2d', 'too small', 'the output would be [-1, 2]'] },
  { name: 'pad reflect wider than the dim', call: () => pad(randn([1, 2, 3]), [3, 0], 'reflect'), error: ShapeError, contains: ['pad', 'reflect padding (3, 0) of dim 2', 'less than its size 3'] },
  { name: 'pad circular wraps twice', call: () => pad(randn([1, 2, 3]), [0, 4], 'circular'), error: ShapeError, contains: ['pad', 'circular padding (0, 4)', 'at most its size 3'] },
  { name: 'pad unknown mode', call: () => pad(x(), [1, 1], 'wrap' as never), error: TapegradError, contains: ['pad', 'wrap', "'constant', 'reflect', 'replicate', 'circular'"] },
  { name: 'pad value with reflect', call: () => pad(x(), [1, 1], 'reflect', 2), error: TapegradError, contains: ['pad', "mode 'reflect' takes no fill value", '2'] },
  { name: 'im2col unknown key', call: () => im2col(img(), 2, bogus), error: OptionError, contains: ['im2col', "'bogus'"] },
  { name: 'col2im unknown key', call: () => col2im(ones([1, 4, 9]), [4, 4], 2, bogus), error: OptionError, contains: ['col2im', "'bogus'"] },
  { name: 'zeros requires_grad', call: () => zeros([2], { requires_grad: true } as never), error: OptionError, contains: ['zeros', "did you mean 'requiresGrad'"] },
  { name: 'zeros requiresGrad type', call: () => zeros([2], { requiresGrad: 'yes' } as never), error: OptionError, contains: ['zeros', 'requiresGrad', 'true or false'] },
  { name: 'zerosLike dtype_', call: () => zerosLike(x(), { dtype_: 'float64' } as never), error: OptionError, contains: ['zerosLike', "'dtype_'", 'dtype, requiresGrad, device'] },
  { name: 'zeros device type', call: () => zeros([2], { device: 0 } as never), error: OptionError, contains: ['zeros', 'device = 0', "'cpu' or 'webgpu'"] },
  { name: 'tensor dtype', call: () => tensor([1], { dtype: 'float16' as never }), error: DTypeError, contains: ['tensor', "'float16'", "'float32'"] },
  { name: 'arange unknown key', call: () => arange(0, 3, bogus), error: OptionError, contains: ['arange', "'bogus'"] },
  { name: 'linspace unknown key', call: () => linspace(0, 1, 3, bogus), error: OptionError, contains: ['linspace', "'bogus'"] },
  { name: 'rand seed', call: () => rand([2], { seed: 1 } as never), error: OptionError, contains: ['rand', "'seed'", 'generator'] },
  { name: 'randperm generator type', call: () => randperm(3, { generator: 1 } as never), error: OptionError, contains: ['randperm', 'generator', 'a Generator'] },
  { name: 'backward retain_graph', call: () => x().requiresGrad_().sum().backward(undefined, { retain_graph: true } as never), error: OptionError, contains: ['backward', "did you mean 'retainGraph'"] },
  { name: 'backward options first', call: () => x().requiresGrad_().sum().backward({ createGraph: true } as never), error: OptionError, contains: ['backward', 'options object { createGraph }', 'y.backward(undefined, { createGraph })'] },
  { name: 'backward() options first', call: () => backward([x().requiresGrad_().sum()], [{ retainGraph: true }] as never), error: OptionError, contains: ['backward', 'gradient'] },
  { name: 'backward gradient not a tensor', call: () => x().requiresGrad_().sum().backward(3 as never), error: AutogradError, contains: ['backward', 'gradient 0 must be a tensor'] },
  { name: 'autogradGrad allow_unused', call: () => { const a = x().requiresGrad_(); return autogradGrad([a.sum()], [a], undefined, { allow_unused: true } as never); }, error: OptionError, contains: ['grad', "did you mean 'allowUnused'"] },
  { name: 'grad argnum', call: () => grad((a: Tensor) => a.sum(), { argnum: 0 } as never), error: OptionError, contains: ['grad', "did you mean 'argnums'"] },
  { name: 'valueAndGrad argnums type', call: () => valueAndGrad((a: Tensor) => a.sum(), { argnums: 'all' } as never), error: OptionError, contains: ['valueAndGrad', 'argnums', 'an integer or a list of integers'] },
  { name: 'toDot unknown key', call: () => toDot(x(), { labels: {} } as never), error: OptionError, contains: ['toDot', "'labels'", 'names'] },
  { name: 'gradcheck raise_exception', call: () => gradcheck((a) => a.sum(), [randn([2], { dtype: 'float64' }).requiresGrad_()], { raise_exception: false } as never), error: OptionError, contains: ['gradcheck', "did you mean 'raiseException'"] },
  { name: 'gradgradcheck eps', call: () => gradgradcheck((a) => a.sum(), [randn([2], { dtype: 'float64' }).requiresGrad_()], { eps: -1 }), error: OptionError, contains: ['gradgradcheck', 'eps = -1', '> 0'] },
  { name: 'assertAllClose tol', call: () => assertAllClose(ones([1]), [1], { tol: 1 } as never), error: OptionError, contains: ['assertAllClose', "'tol'", 'rtol, atol'] },
  { name: 'options not an object', call: () => x().var(0, 1 as never), error: OptionError, contains: ['var', 'expected an options object', 'got 1'] },
  // Dims: null is PyTorch's None (all dims); anything else names the op.
  { name: 'sum dim object', call: () => x().sum({ keepdim: true } as never), error: IndexError, contains: ['sum', 'dim', 'null (all dims)'] },
  // Dtypes and devices: at the call of to().
  { name: 'to cuda', call: () => x().to('cuda' as never), error: DTypeError, contains: ['to', "'cuda'", 'neither a dtype', "'float32'", "'cpu', 'webgpu'"] },
  { name: 'to toString', call: () => x().to('toString' as never), error: DTypeError, contains: ['to', "'toString'"] },
  // Booleans: PyTorch refuses to negate or subtract them rather than wrap around.
  { name: 'neg bool', call: () => tensor([true, false]).neg(), error: DTypeError, contains: ['neg', 'bool', '[2]', '.not()'] },
  { name: 'sub bool tensors', call: () => tensor([true]).sub(tensor([true])), error: DTypeError, contains: ['sub', 'bool', '.not()'] },
  { name: 'sub number from bool', call: () => tensor([true]).sub(1), error: DTypeError, contains: ['sub', 'bool'] },
  { name: 'sub bool from float', call: () => x().sub(tensor([true, false, true])), error: DTypeError, contains: ['sub', 'bool', '[3]'] },
  { name: 'sub_ bool', call: () => tensor([true]).sub_(tensor([false])), error: DTypeError, contains: ['sub_', 'bool'] },
  { name: 'to device then bad dtype', call: () => x().to('cpu', 'half' as never), error: DTypeError, contains: ['to', "'half'", "'cpu'", "'float32'"] },
  { name: 'to dtype then more', call: () => x().to('float64' as never, 'cpu' as never), error: TapegradError, contains: ['to', "'float64'", "'cpu'", 'to(device, dtype)'] },
];

const badGradient = (g: (x: Tensor) => unknown) =>
  customOp<[Tensor]>({ name: 'myOp', forward: (_ctx, x) => x.mul(2), backward: (_ctx, gr) => [g(gr) as Tensor] });

// Custom ops: each gradient their backward returns is checked, naming the op and the input.
const customOpRows: MisuseRow[] = [
  { name: 'customOp int32 gradient', call: () => badGradient((g) => g.to('int32'))(randn([3]).requiresGrad_()).sum().backward(), error: AutogradError, contains: ['myOp', 'int32', 'input 0', 'float'] },
  { name: 'customOp wrong shape', call: () => badGradient(() => ones([4]))(randn([3]).requiresGrad_()).sum().backward(), error: AutogradError, contains: ['myOp', 'shape [4]', 'input 0 of shape [3]'] },
  { name: 'customOp non-tensor', call: () => badGradient(() => 1)(randn([3]).requiresGrad_()).sum().backward(), error: AutogradError, contains: ['myOp', 'number', 'input 0'] },
];

/** The backend's settings and choice. */
const backendRows: MisuseRow[] = [
  { name: 'setBackend unknown name', call: () => setBackend('cuda' as never), error: TapegradError, contains: ['setBackend', "'cuda'", "'js'", "'wasm'"] },
  { name: 'setBackend not a backend', call: () => setBackend({ name: 'x' } as never), error: TapegradError, contains: ['setBackend', 'Backend object'] },
  { name: 'configureStoragePool unknown key', call: () => configureStoragePool({ max_bytes: 1 } as never), error: OptionError, contains: ['configureStoragePool', 'max_bytes', 'maxBytes'] },
  { name: 'configureStoragePool bad value', call: () => configureStoragePool({ maxBytes: -1 }), error: OptionError, contains: ['configureStoragePool', 'maxBytes', '>= 0'] },
  { name: 'setNumThreads unknown key', call: () => setNumThreads({ thread: 2 } as never), error: OptionError, contains: ['setNumThreads', 'thread', 'threads'] },
  { name: 'createWasmBackend relaxed_simd', call: () => createWasmBackend({ relaxed_simd: false } as never), error: OptionError, contains: ['createWasmBackend', 'relaxed_simd', 'relaxedSimd'] },
  { name: 'createWasmBackend relaxedSimd type', call: () => createWasmBackend({ relaxedSimd: 'no' } as never), error: OptionError, contains: ['createWasmBackend', 'relaxedSimd', 'true or false'] },
  { name: 'matmul with a tensor of another copy of core', call: () => ones([2, 2]).matmul({ [Symbol.for('tapegrad.tensor')]: true, shape: [2, 2], dtype: 'float32', ndim: 2 } as never), error: TapegradError, contains: ['another copy of @tapegrad/core'] },
  { name: 'an op on tensors of two devices', call: () => onToyDevice(() => ones([2, 3])).add(ones([3])), error: DeviceError, contains: ['add', 'operand 0 (shape [2, 3])', "'toy'", 'operand 1 (shape [3])', "'cpu'", ".to('toy')"] },
  { name: 'matmul on tensors of two devices', call: () => ones([2, 3]).matmul(onToyDevice(() => ones([3, 4]))), error: DeviceError, contains: ['matmul', '[2, 3]', '[3, 4]', "'toy'", "'cpu'"] },
  { name: 'a device move inside vmap', call: () => { onToyDevice(() => ones([1])); return vmap((t: Tensor) => t.to('toy' as never))(ones([2, 3])); }, error: TapegradError, contains: ['to', 'vmap', '[3] per example'] },
  { name: 'an in-place op from another device', call: () => ones([2]).add_(onToyDevice(() => ones([2]))), error: DeviceError, contains: ['add_', "'toy'", "'cpu'"] },
  { name: 'the default device without a backend', call: () => setDefaultDevice('webgpu'), error: DeviceError, contains: ['setDefaultDevice', "'webgpu'", 'createWebGpu', '@tapegrad/core/node'] },
  { name: 'an unknown default device', call: () => setDefaultDevice('cuda' as never), error: DeviceError, contains: ['setDefaultDevice', "'cuda'", "'cpu' and 'webgpu'"] },
  { name: 'creating on a device without a backend', call: () => zeros([2], { device: 'webgpu' }), error: DeviceError, contains: ['zeros', "'webgpu'", 'createWebGpu'] },
  { name: 'moving to a device without a backend', call: () => x().to('webgpu'), error: DeviceError, contains: ['to', "'webgpu'", 'createWebGpu'] },
  { name: 'moving synchronously off an asynchronous device', call: () => onAsyncDevice(() => ones([2])).to('cpu'), error: DeviceError, contains: ['to', 'shape [2]', "'async'", "toAsync('cpu')"] },
  { name: 'moving a tensor that requires grad onto an asynchronous device', call: () => onAsyncDevice(() => x()) && x().requiresGrad_().to('async' as never), error: DeviceError, contains: ['to', 'requires grad', "'async'", "model.to('async')", "x.detach().to('async').requiresGrad_()", 'noGrad()'] },
  { name: 'copy_ from an asynchronous device', call: () => ones([2]).copy_(onAsyncDevice(() => ones([2]))), error: DeviceError, contains: ['copy_', "'async'", 'toAsync'] },
  { name: 'an op on a GPU tensor after its backend was replaced', call: () => {
    const a = onAsyncDevice(() => ones([2]));
    onAsyncDevice(() => null); // registers another backend for 'async'
    return a.add(1);
  }, error: DeviceError, contains: ['add', "'async' backend", 'replaced', 'toAsync'] },
  { name: 'set_ another shape', call: () => x().set_(ones([3])), error: ShapeError, contains: ['set_', '[3]', '[2, 3]'] },
  { name: 'set_ another dtype', call: () => x().set_(ones([2, 3], { dtype: 'float64' })), error: DTypeError, contains: ['set_', 'float64', 'float32'] },
  { name: 'set_ a non-leaf', call: () => x().requiresGrad_().mul(2).set_(ones([2, 3])), error: AutogradError, contains: ['set_', "'mul'", 'not a leaf', 'detach()'] },
  // Options are checked before the device is touched: none is needed here.
  { name: 'createWebGpuBackend gc_pressure', call: () => createWebGpuBackend({} as never, { gc_pressure: false } as never), error: OptionError, contains: ['createWebGpuBackend', "did you mean 'gcPressure'"] },
  { name: 'createWebGpuBackend gcPressure type', call: () => createWebGpuBackend({} as never, { gcPressure: 'off' } as never), error: OptionError, contains: ['createWebGpuBackend', 'gcPressure', "'off'", 'true or false'] },
  { name: 'createWebGpu gcPressure type', call: () => createWebGpu({ gpu: {} as never, gcPressure: 0 } as never), error: OptionError, contains: ['createWebGpu', 'gcPressure', 'true or false'] },
];

describe('null dims mean all dims', () => {
  it.each([
    ['sum', (t: Tensor) => t.sum(null), (t: Tensor) => t.sum()],
    ['mean', (t: Tensor) => t.mean(null, true), (t: Tensor) => t.mean(undefined, true)],
    ['amax', (t: Tensor) => t.amax(null), (t: Tensor) => t.amax()],
    ['var', (t: Tensor) => t.var(null), (t: Tensor) => t.var()],
    ['logsumexp', (t: Tensor) => t.logsumexp(null), (t: Tensor) => t.logsumexp()],
    ['argmax', (t: Tensor) => t.argmax(null), (t: Tensor) => t.argmax()],
    ['squeeze', (t: Tensor) => t.reshape([1, 6, 1]).squeeze(null), (t: Tensor) => t.reshape([1, 6, 1]).squeeze()],
  ] as const)('%s(null)', (_name, withNull, without) => {
    const t = tensor([[1, 2, 3], [4, 5, 7]]);
    assertAllClose(withNull(t).to('float64'), without(t).to('float64'));
    expect(withNull(t).shape).toEqual(without(t).shape);
  });
});

describe('option values that are undefined count as absent', () => {
  it('keeps the default', () => {
    expect(x().var(0, { correction: undefined } as never).shape).toEqual([3]);
    expect(zeros([2], { dtype: undefined } as never).dtype).toBe('float32');
  });
});

describe('custom op gradients that fit', () => {
  it('accepts a broadcast gradient (summed back) and null', () => {
    const x = randn([3]).requiresGrad_();
    const op = customOp<[Tensor]>({ name: 'bcast', forward: (_c, t) => t.mul(2), backward: (_c, g) => [g.expand([2, 3]).mul(0.5)] });
    op(x).sum().backward();
    assertAllClose(x.grad!, [1, 1, 1]);
  });
});

describe('printing and identity', () => {
  const inspect = Symbol.for('nodejs.util.inspect.custom');
  const deno = Symbol.for('Deno.customInspect');
  it('prints in Node and Deno REPLs as toString does', () => {
    const t = tensor([1.5, 2]);
    const viaNode = (t as unknown as Record<symbol, () => string>)[inspect]!.call(t);
    const viaDeno = (t as unknown as Record<symbol, () => string>)[deno]!.call(t);
    expect(viaNode).toBe(t.toString());
    expect(viaDeno).toBe(t.toString());
  });
  it('toJSON gives dtype, shape and data', () => {
    expect(JSON.parse(JSON.stringify(tensor([[1, 2]], { dtype: 'int32' })))).toEqual({ dtype: 'int32', shape: [1, 2], data: [[1, 2]] });
  });
  it('a tensor of another copy of core is named as such', () => {
    const foreign = { [Symbol.for('tapegrad.tensor')]: true, shape: [3], dtype: 'float32' };
    expect(() => ones([3]).add(foreign as never)).toThrow(/another copy of @tapegrad\/core/);
    expect(() => ones([3]).mul(foreign as never)).toThrow(TapegradError);
    expect((tensor([1]) as unknown as Record<symbol, unknown>)[Symbol.for('tapegrad.tensor')]).toBe(true);
  });
});

// vmap: dims that do not fit the arguments or outputs, and what cannot be batched.
const vm = (f: (...xs: Tensor[]) => unknown, options?: object) => vmap(f as (...xs: Tensor[]) => Tensor, options as never);
const vmapRows: MisuseRow[] = [
  { name: 'vmap batch sizes differ', call: () => vm((a, b) => a!.add(b!))(randn([3, 2]), randn([4, 2])), error: ShapeError, contains: ['vmap', 'different sizes', 'argument 0: 3', 'argument 1: 4'] },
  { name: 'vmap inDim out of range', call: () => vm((a) => a, { inDims: 2 })(randn([3, 4])), error: IndexError, contains: ['vmap', 'inDim 2 of argument 0', '[3, 4]', '-2..1'] },
  { name: 'vmap inDim of a 0-d tensor', call: () => vm((a) => a)(randn([])), error: IndexError, contains: ['vmap', 'inDim 0 of argument 0', 'a 0-d tensor has no dim to map'] },
  { name: 'vmap inDims length', call: () => vm((a, b) => a!.add(b!), { inDims: [0] })(randn([3]), randn([3])), error: IndexError, contains: ['vmap', 'inDims has 1 entries', '2 arguments'] },
  { name: 'vmap inDims all null', call: () => vm((a) => a, { inDims: null })(randn([3])), error: TapegradError, contains: ['vmap', 'every inDim is null'] },
  { name: 'vmap maps a number', call: () => vm((a, b) => a!.mul(b!))(randn([3]), 2 as never), error: TapegradError, contains: ['vmap', 'argument 1 is number', 'inDim null'] },
  { name: 'vmap outDim out of range', call: () => vm((a) => a.sum(), { outDims: 2 })(randn([3, 4])), error: IndexError, contains: ['vmap', 'outDim 2 of output 0', 'shape [] per example', '-1..0'] },
  { name: 'vmap outDims list for one output', call: () => vm((a) => a, { outDims: [0, 1] })(randn([3])), error: IndexError, contains: ['vmap', 'outDims is a list of 2', 'one tensor'] },
  { name: 'vmap outDims null for a batched output', call: () => vm((a) => a, { outDims: null })(randn([3])), error: TapegradError, contains: ['vmap', 'outDims of output 0 is null', 'differs between examples'] },
  { name: 'vmap returns a number', call: () => vm(() => 1)(randn([3])), error: TapegradError, contains: ['vmap', 'returned number', 'a tensor or an array of tensors'] },
  { name: 'vmap in_dims', call: () => vmap((a: Tensor) => a, { in_dims: 0 } as never), error: OptionError, contains: ['vmap', "'in_dims'", "did you mean 'inDims'"] },
  { name: 'vmap randomness', call: () => vmap((a: Tensor) => a, { randomness: 'per-example' } as never), error: OptionError, contains: ['vmap', 'randomness', "'error', 'same', 'different'"] },
  { name: 'vmap not a function', call: () => vmap(3 as never), error: TapegradError, contains: ['vmap', 'expected a function', 'number'] },
  { name: 'random op inside vmap', call: () => vm((a) => a.add(randn([2])))(randn([3, 2])), error: TapegradError, contains: ['randn', 'random ops inside vmap', "randomness: 'different'", "randomness: 'same'"] },
  { name: 'item inside vmap', call: () => vm((a) => a.sum().item())(randn([3, 2])), error: TapegradError, contains: ['item', 'batched by vmap', 'differ between examples'] },
  { name: 'in-place batched into unbatched', call: () => { const acc = zeros([2]); return vm((a) => acc.add_(a))(randn([3, 2])); }, error: TapegradError, contains: ['add_', 'shape [2]', 'not batched', 'out-of-place'] },
  { name: 'batched tensor used after its vmap', call: () => { let kept = zeros([1]); vm((a) => { kept = a; return a; })(randn([3, 2])); return kept.exp(); }, error: TapegradError, contains: ['exp', 'shape [2]', 'vmap that has returned'] },
  { name: 'backward inside vmap', call: () => vm((a) => a.sum().backward())(randn([3, 2]).requiresGrad_()), error: AutogradError, contains: ['backward', 'inside vmap', 'grad()'] },
];

// Odd inputs and numerics: errors that once named an internal op, or came raw from the engine.

/** Odd inputs that once gave a silent wrong answer or an engine error. */
const numericsRows: Omit<MisuseRow, 'name'>[] = [
  // typed arrays without a tapegrad dtype (they used to become bool tensors)
  { call: () => tensor(new Uint32Array([1, 2]) as never), error: DTypeError, contains: ['tensor', 'Uint32Array', 'float32', 'int32', 'bool'] },
  { call: () => tensor(new BigInt64Array([1n]) as never), error: DTypeError, contains: ['tensor', 'BigInt64Array', 'float64'] },
  { call: () => tensor(new BigUint64Array([1n]) as never, { dtype: 'float64' }), error: DTypeError, contains: ['tensor', 'BigUint64Array'] },
  { call: () => tensor([1], { dtype: 'toString' as never }), error: DTypeError, contains: ['tensor', "'toString'", 'float32'] },
  // element counts no typed array holds (they used to throw the engine's RangeError)
  { call: () => zeros([1e9, 1e9]), error: ShapeError, contains: ['zeros', '[1000000000, 1000000000]', '1,000,000,000,000,000,000 elements'] },
  { call: () => ones([1e6, 1e6]), error: ShapeError, contains: ['ones', '[1000000, 1000000]', 'elements'] },
  { call: () => full([1e9, 1e9], 2), error: ShapeError, contains: ['full', '[1000000000, 1000000000]'] },
  { call: () => empty([1e9, 1e9]), error: ShapeError, contains: ['empty', '[1000000000, 1000000000]'] },
  { call: () => randn([1e9, 1e9]), error: ShapeError, contains: ['randn', '[1000000000, 1000000000]'] },
  { call: () => rand([1e10]), error: ShapeError, contains: ['rand', '[10000000000]'] },
  { call: () => randint(0, 2, [1e10]), error: ShapeError, contains: ['randint', '[10000000000]'] },
  { call: () => randperm(1e10), error: ShapeError, contains: ['randperm', '[10000000000]'] },
  { call: () => arange(0, 1e12), error: ShapeError, contains: ['arange', '[1000000000000]', '1,000,000,000,000 elements'] },
  { call: () => linspace(0, 1, 1e12), error: ShapeError, contains: ['linspace', '[1000000000000]'] },
  { call: () => eye(1e6), error: ShapeError, contains: ['eye', '[1000000, 1000000]'] },
  // an expanded index is checked on each stored value
  { call: () => randn([3, 4]).gather(0, tensor([[1], [3]], { dtype: 'int32' }).expand([2, 4])), error: IndexError, contains: ['gather', 'index 3', 'dim 0 of size 3'] },
  // reductions name the function called, not the primitive underneath
  { call: () => zeros([0]).amax(), error: IndexError, contains: ['amax', 'empty', '[0]'] },
  { call: () => zeros([0]).amin(), error: IndexError, contains: ['amin', 'empty', '[0]'] },
  { call: () => zeros([0]).max(), error: IndexError, contains: ['max:', 'empty', '[0]'] },
  { call: () => zeros([2, 0]).norm(Infinity, 1), error: IndexError, contains: ['norm', 'empty', '[2, 0]'] },
  { call: () => zeros([2, 3]).amax(3), error: IndexError, contains: ['amax', 'dim 3', '2 dims'] },
  { call: () => zeros([2, 3]).amin(-3), error: IndexError, contains: ['amin', 'dim -3', '2 dims'] },
  { call: () => zeros([2, 3]).logsumexp(2), error: IndexError, contains: ['logsumexp', 'dim 2', '2 dims'] },
  { call: () => zeros([2, 3]).std(5), error: IndexError, contains: ['std', 'dim 5', '2 dims'] },
  { call: () => zeros([2, 3]).var(5), error: IndexError, contains: ['var', 'dim 5', '2 dims'] },
  { call: () => zeros([2, 3]).mean(2), error: IndexError, contains: ['mean', 'dim 2', '2 dims'] },
  { call: () => zeros([2, 3]).norm(2, 2), error: IndexError, contains: ['norm', 'dim 2', '2 dims'] },
  { call: () => zeros([2, 3], { dtype: 'int32' }).std(), error: DTypeError, contains: ['std', 'int32'] },
];

describe('typed arrays', () => {
  it('small integer arrays become int32 with their values', () => {
    for (const a of [new Int8Array([5, -3, 0]), new Int16Array([5, -3, 0])]) {
      const t = tensor(a);
      expect(t.dtype).toBe('int32');
      expect(t.toArray()).toEqual([5, -3, 0]);
    }
    expect(tensor(new Uint16Array([65535, 0])).toArray()).toEqual([65535, 0]);
    expect(tensor(new Uint8ClampedArray([255, 7])).dtype).toBe('int32');
    expect(tensor(new Uint8Array([2, 0])).dtype).toBe('bool');
  });

  it('logsumexp over an empty dim is −∞, as in PyTorch', () => {
    expect(zeros([2, 0]).logsumexp(1).toArray()).toEqual([-Infinity, -Infinity]);
  });
});

describeMisuse([...optionRows, ...customOpRows, ...backendRows, ...vmapRows, ...named(numericsRows)]);
