import * as fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, setBackend, tensor, type Backend, type Tensor, type TypedArray, type View } from '@tapegrad/core';
import { gradcheck, gradgradcheck } from '@tapegrad/core/testing';
import { jsKernels } from '../src/backend/js/js-kernels.js';
import type { ArrayView } from '../src/backend/cpu/cpu-kernels.js';
import { opSpecs } from './op-specs.js';

// The boundary's acceptance test: a backend written here, whose buffers are
// objects of its own (not typed arrays, not the CPU backends' buffers), runs
// every op spec forward and backward without a change anywhere else. Its
// kernels are the reference ones, reached only through its own unwrapping,
// so any place in the core that looked into a buffer would break here.

/** The toy's buffer: a box around its elements, which only the toy opens. */
class Box {
  constructor(readonly cells: TypedArray) {}
}

let kernelCalls = 0;
const open = (v: View<Box>): ArrayView => ({ data: v.buffer.cells, shape: v.shape, strides: v.strides, offset: v.offset });
const box = (a: TypedArray): Box => {
  kernelCalls++;
  return new Box(a);
};

const toy: Backend<Box> = {
  name: 'toy',
  device: 'toy',
  alloc: (dtype, n) => box(jsKernels.copy({ data: new Float64Array(n), shape: [n], strides: [1], offset: 0 }, dtype)),
  upload: (data) => new Box(data),
  read: (b) => b.cells,
  readAsync: (b) => Promise.resolve(b.cells.slice()),
  realize: () => {},
  release: () => {},
  copy: (x, d) => box(jsKernels.copy(open(x), d)),
  assign: (dst, src) => jsKernels.assign(open(dst), open(src)),
  unary: (op, x, d) => box(jsKernels.unary(op, open(x), d)),
  unaryInPlace: (op, dst) => jsKernels.unaryInPlace(op, open(dst)),
  binary: (op, a, b, d) => box(jsKernels.binary(op, open(a), open(b), d)),
  binaryInPlace: (op, dst, src) => jsKernels.binaryInPlace(op, open(dst), open(src)),
  addcInPlace: (op, dst, a, b, value) => jsKernels.addcInPlace(op, open(dst), open(a), open(b), value),
  where: (c, a, b, d) => box(jsKernels.where(open(c), open(a), open(b), d)),
  reduce: (op, x, axes, d) => box(jsKernels.reduce(op, open(x), axes, d)),
  argReduce: (op, x, axis) => box(jsKernels.argReduce(op, open(x), axis)),
  matmul: (a, b, d) => box(jsKernels.matmul(open(a), open(b), d)),
  gather: (x, dim, index, d) => box(jsKernels.gather(open(x), dim, open(index), d)),
  scatterAdd: (x, dim, index, src, d) => box(jsKernels.scatterAdd(open(x), dim, open(index), open(src), d)),
  im2col: (x, g, d) => box(jsKernels.im2col(open(x), g, d)),
  col2im: (x, g, d) => box(jsKernels.col2im(open(x), g, d)),
  conv2d: (x, w, b, g, groups, d) => box(jsKernels.conv2d(open(x), open(w), b === null ? null : open(b), g, groups, d)),
  conv2dInput: (x, w, g, groups, d) => box(jsKernels.conv2dInput(open(x), open(w), g, groups, d)),
  conv2dWeight: (x, w, g, groups, d) => box(jsKernels.conv2dWeight(open(x), open(w), g, groups, d)),
  maxPoolIndices: (x, g) => box(jsKernels.maxPoolIndices(open(x), g)),
  fold: (x, dim, size, step, dilation, length, d) => box(jsKernels.fold(open(x), dim, size, step, dilation, length, d)),
};

const SEED = 20261206;
let previous: Backend;

describe('a backend written in a test passes the op specs', () => {
  beforeAll(() => {
    previous = getBackend();
    setBackend(toy);
  });
  afterAll(() => setBackend(previous));

  it('runs its own kernels on its own buffers', () => {
    const before = kernelCalls;
    const y = tensor([1, 2, 3]).mul(2).add(1);
    expect(y.toArray()).toEqual([3, 5, 7]);
    expect(kernelCalls).toBeGreaterThan(before);
  });

  it('reads asynchronously', async () => {
    const y = tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]]));
    await expect(y.toArrayAsync()).resolves.toEqual([[3], [7]]);
    await expect(y.sum().itemAsync()).resolves.toBe(10);
  });

  for (const spec of opSpecs.filter((s) => s.differentiable !== false)) {
    it(`${spec.name}: gradients match finite differences`, () => {
      fc.assert(
        fc.property(spec.inputs, (xs: Tensor[]) => {
          xs.forEach((x) => x.dtype === 'float64' && x.requiresGrad_(true));
          gradcheck(spec.fn, xs);
          if (spec.gradgrad === true) gradgradcheck(spec.fn, xs);
        }),
        { seed: SEED, numRuns: 6 },
      );
    });
  }
});
