import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Generator, avgPool2d, getBackend, maxPool2d, pad, setBackend, tensor, type Backend, type Tensor } from '@tapegrad/core';
import { MultiheadAttention, TransformerEncoderLayer, groupNorm, interpolate, layerNorm } from '@tapegrad/nn';
import { expectClose } from '../../../core/test/webgpu/compare.js';
import { fileDevice } from '../../../core/test/webgpu/gpu-device.js';

// The padding, pooling, resizing and normalisation forms and the attention
// layers on the webgpu backend, forward and backward, against the reference
// backend on the same float32 data.

const setup = await fileDevice();
const gpu = setup.backend;

const SHAPE = [2, 3, 5, 6];
const DATA = (() => {
  const g = new Generator(12);
  return Float32Array.from({ length: SHAPE.reduce((a, b) => a * b, 1) }, () => g.nextFloat() * 2 - 1);
})();

const OPS: readonly [string, (x: Tensor) => Tensor][] = [
  ['pad reflect', (x) => pad(x, [2, 1, 3, 0], 'reflect')],
  ['pad replicate', (x) => pad(x, [1, 3, 0, 2], 'replicate')],
  ['pad circular', (x) => pad(x, [4, 2, 1, 1], 'circular')],
  ['maxPool2d ceilMode', (x) => maxPool2d(x, 2, { stride: 2, padding: 1, ceilMode: true })],
  ['avgPool2d ceilMode', (x) => avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false })],
  ['interpolate bilinear', (x) => interpolate(x, { scaleFactor: 1.5, mode: 'bilinear' })],
  ['interpolate nearest', (x) => interpolate(x, { size: [7, 4] })],
  ['groupNorm', (x) => groupNorm(x, 3)],
  ['layerNorm', (x) => layerNorm(x, [5, 6])],
  // Made on the active backend from one seed: the same weights on both.
  ['TransformerEncoderLayer', (x) => new TransformerEncoderLayer(6, 2, { dimFeedforward: 8, dropout: 0, generator: new Generator(5) }).forward(x.reshape([6, 5, 6]), { isCausal: true })],
  ['MultiheadAttention addBiasKV addZeroAttn', (x) => { const q = x.reshape([6, 5, 6]); return new MultiheadAttention(6, 2, { addBiasKV: true, addZeroAttn: true, generator: new Generator(6) }).forward(q, q, q)[0]; }],
];

/** The op's output and input gradient (of sum(out · out)) on the active backend. */
async function run(op: (x: Tensor) => Tensor): Promise<[Float32Array, Float32Array]> {
  const x = tensor(DATA, { shape: SHAPE }).requiresGrad_();
  const out = op(x);
  out.square().sum().backward();
  return [(await out.dataAsync()) as Float32Array, (await x.grad!.dataAsync()) as Float32Array];
}

describe.skipIf(gpu === null)('layer ops on webgpu', () => {
  let previous: Backend;
  beforeEach(() => {
    previous = getBackend();
  });
  afterEach(() => {
    setBackend(previous);
    expect(setup.errors.splice(0)).toEqual([]);
  });

  it.each(OPS)('%s matches the reference, forward and backward', async (name, op) => {
    setBackend('js');
    const [wantOut, wantGrad] = await run(op);
    setBackend(gpu!);
    const [out, grad] = await run(op);
    expectClose(out, wantOut, `${name} output`);
    expectClose(grad, wantGrad, `${name} gradient`);
  });
});
