import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Generator, manualSeed, noGrad, randn, tensor, zeros, type Tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import { GRU, GRUCell, LSTM, LSTMCell, RNN, RNNCell, loadModule, loadSafetensors, saveModule, type RNNOptions } from '@tapegrad/nn';

// The reference numbers come from PyTorch (fixtures/rnn/make-rnn-fixtures.py):
// for each configuration, its state_dict as PyTorch saves it and a second file
// with the input, initial states, outputs, final states and the gradients of
// a scalar loss with respect to the input, the states and every parameter.
const fixtures = fileURLToPath(new URL('./fixtures/rnn/', import.meta.url));
const configs = readdirSync(fixtures)
  .filter((f) => f.endsWith('.io.safetensors'))
  .map((f) => f.slice(0, -'.io.safetensors'.length))
  .sort();
const bytes = (file: string): Uint8Array => new Uint8Array(readFileSync(join(fixtures, file)));

type AnyRNN = RNN | LSTM | GRU;
const layers = { RNN, LSTM, GRU } as const;
const tight = { rtol: 1e-10, atol: 1e-12 };

function make(module: keyof typeof layers, inputSize: number, hiddenSize: number, options: RNNOptions): AnyRNN {
  return new layers[module](inputSize, hiddenSize, options);
}

/** Runs `layer` on `x` and the optional states; returns `[output, hN, cN?]`. */
function run(layer: AnyRNN, x: Tensor, h0?: Tensor, c0?: Tensor): Tensor[] {
  if (layer instanceof LSTM) {
    const [output, [hN, cN]] = layer.forward(x, h0 === undefined ? null : [h0, c0!]);
    return [output, hN, cN];
  }
  const [output, hN] = layer.forward(x, h0);
  return [output, hN];
}

describe('RNN, LSTM and GRU against PyTorch', () => {
  it('has the fixtures', () => {
    expect(configs.length).toBeGreaterThanOrEqual(11);
  });

  for (const name of configs) {
    it(`${name}: loads PyTorch's state_dict unchanged; output, final states and gradients match`, () => {
      const { tensors: io, metadata } = loadSafetensors(bytes(`${name}.io.safetensors`));
      const module = metadata['module'] as keyof typeof layers;
      const options = JSON.parse(metadata['options']!) as RNNOptions;
      const input = io['input']!;
      const layer = make(module, input.shape[input.shape.length - 1]!, io['h_n']!.shape[io['h_n']!.ndim - 1]!, { ...options, dtype: 'float64' });
      const { missingKeys, unexpectedKeys } = loadModule(layer, bytes(`${name}.safetensors`));
      expect([missingKeys, unexpectedKeys]).toEqual([[], []]);
      layer.train(JSON.parse(metadata['training']!) as boolean);

      const x = input.clone().requiresGrad_();
      const h0 = io['h0']?.clone().requiresGrad_();
      const c0 = io['c0']?.clone().requiresGrad_();
      const outs = run(layer, x, h0, c0);
      const keys = ['output', 'h_n', 'c_n'].slice(0, outs.length);
      keys.forEach((k, i) => assertAllClose(outs[i]!, io[k]!, tight));

      outs
        .map((o, i) => o.mul(io[`w_${keys[i]!}`]!).sum())
        .reduce((a, b) => a.add(b))
        .backward();
      assertAllClose(x.grad!, io['grad.input']!, tight);
      if (h0 !== undefined) assertAllClose(h0.grad!, io['grad.h0']!, tight);
      if (c0 !== undefined) assertAllClose(c0.grad!, io['grad.c0']!, tight);
      const params = layer.namedParameters();
      expect(params.map(([n]) => `grad.${n}`).sort()).toEqual(Object.keys(io).filter((k) => k.startsWith('grad.') && !['grad.input', 'grad.h0', 'grad.c0'].includes(k)).sort());
      for (const [n, p] of params) assertAllClose(p.grad!, io[`grad.${n}`]!, tight);
    });
  }

  it('saves a state dict under PyTorch’s names, in PyTorch’s order, that loads back', () => {
    const { tensors: weights } = loadSafetensors(bytes('lstm-2layers-bidirectional-h0c0.safetensors'));
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true, dtype: 'float64' });
    expect(Object.keys(lstm.stateDict())).toEqual(Object.keys(weights).sort((a, b) => lstm.flatWeightsNames.indexOf(a) - lstm.flatWeightsNames.indexOf(b)));
    expect(lstm.flatWeightsNames.slice(0, 5)).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l0_reverse']);
    expect(lstm.allWeights.map((ws) => ws.map((w) => w.shape))).toEqual([
      [[16, 3], [16, 4], [16], [16]],
      [[16, 3], [16, 4], [16], [16]],
      [[16, 8], [16, 4], [16], [16]],
      [[16, 8], [16, 4], [16], [16]],
    ]);
    loadModule(lstm, bytes('lstm-2layers-bidirectional-h0c0.safetensors'));
    const copy = new LSTM(3, 4, { numLayers: 2, bidirectional: true, dtype: 'float64' });
    loadModule(copy, saveModule(lstm));
    for (const [n, t] of Object.entries(copy.stateDict())) expect(t.equal(weights[n]!)).toBe(true);
  });
});

describe('recurrent layers and cells', () => {
  const f64 = { dtype: 'float64' } as const;

  it('one layer, one direction, one step is the cell with the same weights', () => {
    const pairs: [AnyRNN, RNNCell | LSTMCell | GRUCell][] = [
      [new RNN(3, 4, { ...f64, nonlinearity: 'relu' }), new RNNCell(3, 4, { ...f64, nonlinearity: 'relu' })],
      [new LSTM(3, 4, f64), new LSTMCell(3, 4, f64)],
      [new GRU(3, 4, f64), new GRUCell(3, 4, f64)],
    ];
    for (const [layer, cell] of pairs) {
      const [wIh, wHh, bIh, bHh] = layer.allWeights[0]!;
      noGrad(() => [cell.weight_ih.copy_(wIh!), cell.weight_hh.copy_(wHh!), cell.bias_ih!.copy_(bIh!), cell.bias_hh!.copy_(bHh!)]);
      const x = randn([2, 3], f64);
      const h = randn([2, 4], f64);
      const c = randn([2, 4], f64);
      const outs = run(layer, x.unsqueeze(0), h.unsqueeze(0), c.unsqueeze(0));
      const next = cell instanceof LSTMCell ? cell.forward(x, [h, c]) : cell.forward(x, h);
      const expected = Array.isArray(next) ? next : [next];
      assertAllClose(outs[0]!, expected[0]!.unsqueeze(0), { rtol: 1e-12 });
      expected.forEach((e, i) => assertAllClose(outs[i + 1]!, e.unsqueeze(0), { rtol: 1e-12 }));
    }
  });
});

describe('gradcheck in float64', () => {
  const configs: [string, () => AnyRNN][] = [
    ['RNN tanh, 2 layers, bidirectional', () => new RNN(2, 3, { numLayers: 2, bidirectional: true, dtype: 'float64', generator: new Generator(1) })],
    ['RNN relu, batch first', () => new RNN(2, 3, { nonlinearity: 'relu', batchFirst: true, dtype: 'float64', generator: new Generator(2) })],
    ['LSTM, 2 layers, bidirectional', () => new LSTM(2, 2, { numLayers: 2, bidirectional: true, dtype: 'float64', generator: new Generator(3) })],
    ['GRU, 2 layers, bidirectional', () => new GRU(2, 2, { numLayers: 2, bidirectional: true, dtype: 'float64', generator: new Generator(4) })],
    ['GRU without bias, batch first', () => new GRU(2, 3, { bias: false, batchFirst: true, dtype: 'float64', generator: new Generator(5) })],
  ];
  for (const [name, build] of configs) {
    it(`${name}: the input, initial states and every parameter`, () => {
      const layer = build();
      const g = { dtype: 'float64', generator: new Generator(7) } as const;
      const states = layer.numLayers * layer.directions;
      const x = randn(layer.batchFirst ? [2, 3, layer.inputSize] : [3, 2, layer.inputSize], g);
      const h0 = randn([states, 2, layer.hiddenSize], g);
      const c0 = randn([states, 2, layer.hiddenSize], g);
      const own = layer as unknown as Record<string, Tensor>;
      const names = layer.flatWeightsNames;
      gradcheck(
        (xi, hi, ci, ...ws) => {
          names.forEach((n, i) => (own[n] = ws[i]!));
          return run(layer, xi!, hi!, layer instanceof LSTM ? ci! : undefined);
        },
        [x, h0, c0, ...names.map((n) => own[n]!.detach())].map((t) => t.requiresGrad_()),
      );
    });
  }
});

describe('dropout between layers', () => {
  // Two ReLU layers where the second passes its input through (W_ih = I, no
  // recurrence, no bias): the output is the first layer's output after
  // dropout, so each element is either 0 or the eval output scaled by 1/(1 − p).
  function passThrough(dropout: number): RNN {
    const rnn = new RNN(3, 64, { numLayers: 2, nonlinearity: 'relu', bias: false, dropout, dtype: 'float64', generator: new Generator(0) });
    const [wIh, wHh] = rnn.allWeights[1]!;
    noGrad(() => {
      wIh!.copy_(tensor(Array.from({ length: 64 }, (_, i) => Array.from({ length: 64 }, (_, j) => (i === j ? 1 : 0))), { dtype: 'float64' }));
      wHh!.zero_();
    });
    return rnn;
  }

  it('drops the output of every layer but the last, in training mode only', () => {
    manualSeed(3);
    const p = 0.25;
    const rnn = passThrough(p);
    const x = randn([20, 8, 3], { dtype: 'float64' });
    const evalOut = noGrad(() => rnn.eval().forward(x)[0]);
    const trainOut = rnn.train().forward(x)[0];
    const e = evalOut.data;
    const t = trainOut.data;
    let positive = 0;
    let dropped = 0;
    for (let i = 0; i < e.length; i++) {
      if (e[i]! <= 0) continue;
      positive++;
      if (t[i] === 0) dropped++;
      else expect(t[i]! / e[i]!).toBeCloseTo(1 / (1 - p), 12);
    }
    // ~2,500 positive elements: the dropped fraction is p within five standard deviations.
    expect(positive).toBeGreaterThan(1500);
    expect(Math.abs(dropped / positive - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / positive));
  });

  it('leaves a single layer alone, and the eval output deterministic', () => {
    manualSeed(4);
    const x = randn([6, 2, 3]);
    const single = new LSTM(3, 5, { dropout: 0.5 });
    const [a] = single.forward(x);
    const [b] = single.forward(x);
    expect(a.equal(b)).toBe(true);
    const stacked = new GRU(3, 5, { numLayers: 3, dropout: 0.5 }).eval();
    expect(stacked.forward(x)[0].equal(stacked.forward(x)[0])).toBe(true);
    expect(stacked.train().forward(x)[0].equal(stacked.forward(x)[0])).toBe(false);
  });
});

describe('layout', () => {
  it('bidirectional output is the forward direction’s features then the backward one’s; hN is ordered layer by layer', () => {
    const bi = new GRU(3, 4, { numLayers: 2, bidirectional: true, dtype: 'float64', generator: new Generator(8) });
    const x = randn([5, 2, 3], { dtype: 'float64', generator: new Generator(9) });
    const [output, hN] = bi.forward(x);
    expect(output.shape).toEqual([5, 2, 8]);
    expect(hN.shape).toEqual([4, 2, 4]);
    // The forward direction's last step and the backward direction's first step are the top layer's final states.
    assertAllClose(output.select(0, 4).narrow(1, 0, 4), hN.select(0, 2), { rtol: 0, atol: 0 });
    assertAllClose(output.select(0, 0).narrow(1, 4, 4), hN.select(0, 3), { rtol: 0, atol: 0 });
    // A single-direction GRU with the reverse weights, run on the reversed sequence, gives the reverse half reversed.
    const one = new GRU(3, 4, { dtype: 'float64' });
    noGrad(() => one.allWeights[0]!.forEach((w, i) => w.copy_(bi.allWeights[1]![i]!)));
    const [rev] = one.forward(x.flip([0]));
    const layer0 = new GRU(3, 4, { bidirectional: true, dtype: 'float64' });
    noGrad(() => layer0.allWeights.flat().forEach((w, i) => w.copy_(bi.allWeights.flat()[i]!)));
    assertAllClose(layer0.forward(x)[0].narrow(2, 4, 4), rev.flip([0]), { rtol: 1e-12 });
  });

  it('batchFirst transposes the input and output, not the states; an unbatched input is a batch of one', () => {
    const seq = new LSTM(3, 4, { numLayers: 2, dtype: 'float64', generator: new Generator(10) });
    const bf = new LSTM(3, 4, { numLayers: 2, batchFirst: true, dtype: 'float64' });
    bf.loadStateDict(seq.stateDict());
    const x = randn([5, 2, 3], { dtype: 'float64', generator: new Generator(11) });
    const [o1, [h1, c1]] = seq.forward(x);
    const [o2, [h2, c2]] = bf.forward(x.transpose(0, 1));
    assertAllClose(o2, o1.transpose(0, 1), { rtol: 0, atol: 0 });
    assertAllClose(h2, h1, { rtol: 0, atol: 0 });
    assertAllClose(c2, c1, { rtol: 0, atol: 0 });
    const [o3, [h3]] = seq.forward(x.select(1, 1));
    assertAllClose(o3, o1.select(1, 1), { rtol: 0, atol: 0 });
    assertAllClose(h3, h1.select(1, 1), { rtol: 0, atol: 0 });
  });

  it('zero-size batches and empty states work; the summary shows the settings', () => {
    const gru = new GRU(3, 4, { numLayers: 2 });
    const [o, h] = gru.forward(zeros([5, 0, 3]));
    expect([o.shape, h.shape]).toEqual([[5, 0, 4], [2, 0, 4]]);
    expect(String(new LSTM(3, 4, { numLayers: 2, batchFirst: true, bidirectional: true, dropout: 0.5 })).split('\n')[0]).toBe('LSTM(3, 4, numLayers=2, batchFirst=true, dropout=0.5, bidirectional=true)');
    expect(String(new RNN(3, 4, { nonlinearity: 'relu', bias: false })).split('\n')[0]).toBe('RNN(3, 4, bias=false, nonlinearity=relu)');
  });

  it('initialises every parameter from U(±1/√hidden)', () => {
    const lstm = new LSTM(3, 16, { numLayers: 2, bidirectional: true, generator: new Generator(0) });
    const all = lstm.parameters();
    expect(all).toHaveLength(16);
    for (const p of all) expect(p.abs().amax().item()).toBeLessThanOrEqual(0.25);
    expect(Math.max(...all.map((p) => p.abs().amax().item()))).toBeGreaterThan(0.24);
  });
});

