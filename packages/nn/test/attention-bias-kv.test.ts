import { describe, expect, it } from 'vitest';
import { Generator, randn, tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import { MultiheadAttention } from '@tapegrad/nn';
import { fixtureState, fixtureTensor, loadFixtures, need } from './torch-fixtures.js';

const f64 = { dtype: 'float64' } as const;
const tight = { atol: 1e-12, rtol: 1e-10 };
const cases = loadFixtures('mha-bias-kv.json');

describe('MultiheadAttention addBiasKV / addZeroAttn, against PyTorch', () => {
  it.each(Object.keys(cases))('%s: output, weights and gradients', (name) => {
    const c = cases[name]!;
    const kdim = c['kdim'] as number;
    const mha = new MultiheadAttention(8, 2, { addBiasKV: c['addBiasKV'] as boolean, addZeroAttn: c['addZeroAttn'] as boolean, kdim, vdim: kdim, dtype: 'float64' });
    // PyTorch's state dict, under its own names, loads strictly.
    mha.loadStateDict(fixtureState(c));
    const q = need(c, 'q').requiresGrad_();
    const k = (fixtureTensor(c, 'k') ?? q).requiresGrad_();
    const v = (fixtureTensor(c, 'v') ?? q).requiresGrad_();
    const unbatched = q.ndim === 2;
    const [out, weights] = mha.forward(q, k, v, {
      keyPaddingMask: fixtureTensor(c, 'key_padding_mask') ?? null,
      attnMask: fixtureTensor(c, 'attn_mask') ?? null,
      averageAttnWeights: !unbatched,
    });
    assertAllClose(out, need(c, 'out'), tight);
    assertAllClose(weights!, need(c, 'weights'), tight);
    out.backward(need(c, 'grad_out'));
    assertAllClose(q.grad!, need(c, 'grad_q'), tight);
    if (!unbatched) {
      assertAllClose(k.grad!, need(c, 'grad_k'), tight);
      assertAllClose(v.grad!, need(c, 'grad_v'), tight);
    }
    if (mha.bias_k !== null) {
      assertAllClose(mha.bias_k.grad!, need(c, 'grad_bias_k'), tight);
      assertAllClose(mha.bias_v!.grad!, need(c, 'grad_bias_v'), tight);
    }
  });
});

describe('MultiheadAttention addBiasKV / addZeroAttn', () => {
  it('has PyTorch’s parameters, in its order', () => {
    const mha = new MultiheadAttention(8, 2, { addBiasKV: true, addZeroAttn: true });
    expect(mha.namedParameters().map(([n, p]) => [n, p.shape])).toEqual([
      ['in_proj_weight', [24, 8]],
      ['in_proj_bias', [24]],
      ['bias_k', [1, 1, 8]],
      ['bias_v', [1, 1, 8]],
      ['out_proj.weight', [8, 8]],
      ['out_proj.bias', [8]],
    ]);
    expect(String(mha)).toContain('addBiasKV=true, addZeroAttn=true');
    expect(new MultiheadAttention(8, 2).bias_k).toBeNull();
  });

  it('lets every query see the appended positions under a causal mask', () => {
    const mha = new MultiheadAttention(4, 1, { addBiasKV: true, addZeroAttn: true, batchFirst: true, generator: new Generator(1) });
    const x = randn([1, 3, 4], { generator: new Generator(2) });
    const [, w] = mha.forward(x, x, x, { isCausal: true });
    const weights = w!.toArray() as number[][][];
    // Query 0 sees key 0 and the two appended positions, never keys 1 and 2.
    expect(weights[0]![0]![1]).toBe(0);
    expect(weights[0]![0]![2]).toBe(0);
    expect(weights[0]![0]![3]).toBeGreaterThan(0);
    expect(weights[0]![0]![4]).toBeGreaterThan(0);
    const explicit = tensor([[false, true, true], [false, false, true], [false, false, false]]);
    assertAllClose(w!, mha.forward(x, x, x, { attnMask: explicit })[1]!, { atol: 1e-7 });
  });

  it('keeps isCausal when a key padding mask is given too', () => {
    const mha = new MultiheadAttention(4, 2, { batchFirst: true, generator: new Generator(5) });
    const x = randn([2, 3, 4], { generator: new Generator(6) });
    const keyPaddingMask = tensor([[false, false, true], [false, false, false]]);
    const causal = tensor([[false, true, true], [false, false, true], [false, false, false]]);
    const [, w] = mha.forward(x, x, x, { isCausal: true, keyPaddingMask });
    assertAllClose(w!, mha.forward(x, x, x, { attnMask: causal, keyPaddingMask })[1]!, { atol: 1e-7 });
    expect((w!.toArray() as number[][][])[1]![0]![1]).toBe(0);
  });

  it('passes gradients to inputs and to bias_k, bias_v (float64 finite differences)', () => {
    const gen = new Generator(4);
    const mha = new MultiheadAttention(4, 2, { addBiasKV: true, addZeroAttn: true, dtype: 'float64', generator: gen });
    const q = randn([2, 1, 4], { ...f64, generator: gen }).requiresGrad_();
    const kv = randn([3, 1, 4], { ...f64, generator: gen }).requiresGrad_();
    gradcheck(
      (qi, ki, bk, bv) => {
        mha.bias_k = bk;
        mha.bias_v = bv;
        return mha.forward(qi, ki, ki)[0];
      },
      [q, kv, mha.bias_k!.detach().requiresGrad_(), mha.bias_v!.detach().requiresGrad_()],
    );
  });
});
