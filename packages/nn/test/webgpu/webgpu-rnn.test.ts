import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Generator, getBackend, setBackend, tensor, type Backend, type Tensor } from '@tapegrad/core';
import { GRU, LSTM } from '@tapegrad/nn';
import { expectClose } from '../../../core/test/webgpu/compare.js';
import { fileDevice } from '../../../core/test/webgpu/gpu-device.js';

// The recurrent layers on the webgpu backend: output, final states and the
// gradients of the input and every parameter match the reference backend's.

const setup = await fileDevice();
const gpu = setup.backend;

/** Output, states and gradients of a small layer, built from one seed on the active backend. */
async function runOnce(kind: 'LSTM' | 'GRU'): Promise<Record<string, Float32Array>> {
  const g = new Generator(5);
  const layer = kind === 'LSTM' ? new LSTM(3, 4, { numLayers: 2, bidirectional: true, batchFirst: true, generator: g }) : new GRU(3, 4, { bidirectional: true, generator: g });
  const x = tensor(Float32Array.from({ length: 2 * 3 * 3 }, () => g.nextFloat() * 2 - 1), { shape: [2, 3, 3] }).requiresGrad_();
  const outs: Tensor[] = [];
  if (layer instanceof LSTM) {
    const [output, [hN, cN]] = layer.forward(x);
    outs.push(output, hN, cN);
  } else {
    const [output, hN] = layer.forward(x);
    outs.push(output, hN);
  }
  outs
    .map((o, i) => o.mul(i + 1).sum())
    .reduce((a, b) => a.add(b))
    .backward();
  const named: [string, Tensor][] = [...outs.map((o, i) => [`out${i}`, o] as [string, Tensor]), ['grad.input', x.grad!], ...layer.namedParameters().map(([n, p]) => [`grad.${n}`, p.grad!] as [string, Tensor])];
  const result: Record<string, Float32Array> = {};
  for (const [n, t] of named) result[n] = (await t.dataAsync()) as Float32Array;
  return result;
}

describe.skipIf(gpu === null)('recurrent layers on webgpu', () => {
  let previous: Backend;
  beforeEach(() => {
    previous = getBackend();
  });
  afterEach(() => {
    setBackend(previous);
    expect(setup.errors.splice(0)).toEqual([]);
  });

  for (const kind of ['LSTM', 'GRU'] as const) {
    it(`${kind}: output, states and gradients match the reference backend`, async () => {
      setBackend('js');
      const want = await runOnce(kind);
      setBackend(gpu!);
      const got = await runOnce(kind);
      expect(Object.keys(got)).toEqual(Object.keys(want));
      for (const [n, w] of Object.entries(want)) expectClose(got[n]!, w, `${kind} ${n}`, 1e-4, 1e-5);
    });
  }
});
