import { describe, expect, it } from 'vitest';
import { Generator, OptionError, randn, tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import { Embedding, embedding } from '@tapegrad/nn';
import { loadFixtures, need } from './torch-fixtures.js';

const f64 = { dtype: 'float64' } as const;
const ids = (v: number[][] | number[]) => tensor(v, { dtype: 'int32' });
const cases = loadFixtures('embedding-max-norm.json');

describe('embedding maxNorm, against PyTorch', () => {
  it.each(Object.keys(cases))('%s: renormalised table, output and table gradient', (name) => {
    const c = cases[name]!;
    const normType = c['normType'] === 'inf' ? Infinity : (c['normType'] as number);
    const weight = need(c, 'weight').requiresGrad_();
    const out = embedding(need(c, 'ids'), weight, { maxNorm: c['maxNorm'] as number, normType });
    assertAllClose(weight, need(c, 'weight_after'), { atol: 1e-15, rtol: 1e-14 });
    assertAllClose(out, need(c, 'out'), { atol: 1e-15, rtol: 1e-14 });
    out.backward(need(c, 'grad_out'));
    assertAllClose(weight.grad!, need(c, 'grad_weight'), { atol: 1e-15, rtol: 1e-14 });
  });

  it('the layer renormalises its own weight', () => {
    const c = cases['l2']!;
    const emb = new Embedding(10, 4, { maxNorm: 1, dtype: 'float64' });
    emb.loadStateDict({ weight: need(c, 'weight') });
    assertAllClose(emb.forward(need(c, 'ids')), need(c, 'out'), { atol: 1e-15, rtol: 1e-14 });
    assertAllClose(emb.weight, need(c, 'weight_after'), { atol: 1e-15, rtol: 1e-14 });
    expect(String(emb)).toContain('maxNorm=1');
  });
});

describe('embedding maxNorm', () => {
  it('scales only the rows looked up whose norm exceeds maxNorm, once each', () => {
    const w = tensor([[3, 4], [0.3, 0.4], [6, 8]], f64);
    embedding(ids([0, 0, 1]), w, { maxNorm: 1 });
    // row 0 has norm 5 > 1: scaled by 1/(5 + 1e-7); row 1 (norm 0.5) and row 2 (not looked up) unchanged
    assertAllClose(w, tensor([[3 / (5 + 1e-7), 4 / (5 + 1e-7)], [0.3, 0.4], [6, 8]], f64), { atol: 0, rtol: 1e-15 });
    embedding(ids([2]), w, { maxNorm: 2, normType: 1 });
    assertAllClose(w.select(0, 2), tensor([6 * (2 / (14 + 1e-7)), 8 * (2 / (14 + 1e-7))], f64), { atol: 0, rtol: 1e-15 });
  });

  it('leaves the lookup’s gradient as it is (float64 finite differences, rows within the bound)', () => {
    const w = randn([5, 3], { ...f64, generator: new Generator(2) }).mul(0.1).requiresGrad_();
    gradcheck((t) => embedding(ids([[4, 0], [0, 2]]), t, { maxNorm: 10 }), [w]);
  });

  it('checks its options', () => {
    expect(() => embedding(ids([0]), randn([2, 2]), { maxNorm: -1 })).toThrow(OptionError);
    expect(() => embedding(ids([0]), randn([2, 2]), { maxNorm: 1, normType: 0 })).toThrow(/normType = 0/);
    expect(() => new Embedding(2, 2, { max_norm: 1 } as never)).toThrow(/did you mean 'maxNorm'/);
  });
});
