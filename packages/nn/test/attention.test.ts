import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, TapegradError, cat, eye, ones, randn, tensor, type Tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import { MultiheadAttention, scaledDotProductAttention, softmax } from '@tapegrad/nn';

const f64 = { dtype: 'float64' } as const;
const gen = (s: number) => ({ ...f64, generator: new Generator(s) });

describe('scaledDotProductAttention', () => {
  it('computes softmax(q·kᵀ/√E)·v', () => {
    const q = randn([2, 3, 4], gen(1));
    const k = randn([2, 5, 4], gen(2));
    const v = randn([2, 5, 6], gen(3));
    const expected = softmax(q.matmul(k.mT).div(2), -1).matmul(v);
    assertAllClose(scaledDotProductAttention(q, k, v), expected);
    assertAllClose(scaledDotProductAttention(q, k, v, { scale: 1 }), softmax(q.matmul(k.mT), -1).matmul(v));
  });

  it('lets each query see only earlier keys with isCausal', () => {
    // with v = I, the output rows are the attention weights themselves
    const q = randn([3, 2], gen(4));
    const w = scaledDotProductAttention(q, q, eye(3, 3, f64), { isCausal: true });
    const rows = w.toArray() as number[][];
    expect(rows[0]).toEqual([1, 0, 0]);
    expect(rows[1]![2]).toBe(0);
    assertAllClose(w.sum(-1), ones([3], f64));
    // a bool mask says where to attend (true), as PyTorch
    const tril = tensor([[true, false, false], [true, true, false], [true, true, true]], { dtype: 'bool' });
    assertAllClose(scaledDotProductAttention(q, q, eye(3, 3, f64), { attnMask: tril }), w);
    // a float mask is added to the scores
    const additive = tensor([[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]], f64);
    assertAllClose(scaledDotProductAttention(q, q, eye(3, 3, f64), { attnMask: additive }), w);
  });

  it('has gradients for q, k and v, with masks', () => {
    const q = randn([2, 3, 2], gen(5)).requiresGrad_();
    const k = randn([2, 3, 2], gen(6)).requiresGrad_();
    const v = randn([2, 3, 2], gen(7)).requiresGrad_();
    gradcheck((a, b, c) => scaledDotProductAttention(a, b, c, { isCausal: true }), [q, k, v]);
    const mask = tensor([[0.5, -1, 0], [0, 0, 2], [1, 0, 0]], f64);
    gradcheck((a, b, c) => scaledDotProductAttention(a, b, c, { attnMask: mask }), [q, k, v]);
  });

  it('drops attention weights reproducibly', () => {
    const q = randn([4, 3], gen(8));
    const a = scaledDotProductAttention(q, q, q, { dropoutP: 0.5, generator: new Generator(1) });
    const b = scaledDotProductAttention(q, q, q, { dropoutP: 0.5, generator: new Generator(1) });
    expect(a.equal(b)).toBe(true);
  });

  it('rejects mismatched shapes', () => {
    expect(() => scaledDotProductAttention(ones([2, 3]), ones([2, 4]), ones([2, 4]))).toThrow(/query \[2, 3\] and key \[2, 4\]/);
    expect(() => scaledDotProductAttention(ones([2, 3]), ones([4, 3]), ones([5, 3]))).toThrow(ShapeError);
    expect(() => scaledDotProductAttention(ones([2, 3]), ones([2, 3]), ones([2, 3]), { isCausal: true, attnMask: ones([2, 2]) })).toThrow(TapegradError);
  });
});

/** The same computation written out head by head. */
function referenceMha(mha: MultiheadAttention, q: Tensor, k: Tensor, v: Tensor, blocked: Tensor | null): [Tensor, Tensor] {
  const e = mha.embedDim;
  const [wq, wk, wv] = mha.in_proj_weight!.chunk(3, 0) as [Tensor, Tensor, Tensor];
  const [bq, bk, bv] = mha.in_proj_bias!.chunk(3, 0) as [Tensor, Tensor, Tensor];
  const hd = mha.headDim;
  const outs: Tensor[] = [];
  const weights: Tensor[] = [];
  for (let h = 0; h < mha.numHeads; h++) {
    const qh = q.matmul(wq.narrow(0, h * hd, hd).mT).add(bq.narrow(0, h * hd, hd));
    const kh = k.matmul(wk.narrow(0, h * hd, hd).mT).add(bk.narrow(0, h * hd, hd));
    const vh = v.matmul(wv.narrow(0, h * hd, hd).mT).add(bv.narrow(0, h * hd, hd));
    let scores = qh.matmul(kh.mT).div(Math.sqrt(hd));
    if (blocked !== null) scores = scores.maskedFill(blocked, -Infinity);
    const w = softmax(scores, -1);
    weights.push(w);
    outs.push(w.matmul(vh));
  }
  const out = mha.out_proj.forward(cat(outs, -1));
  expect(out.shape[out.ndim - 1]).toBe(e);
  return [out, weights.reduce((a, b) => a.add(b)).div(mha.numHeads)];
}

describe('MultiheadAttention', () => {
  it('matches attention computed head by head, with averaged weights', () => {
    const mha = new MultiheadAttention(4, 2, { dtype: 'float64', generator: new Generator(1), batchFirst: true });
    expect(mha.namedParameters().map(([n]) => n)).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    const q = randn([2, 3, 4], gen(2));
    const kv = randn([2, 5, 4], gen(3));
    const [out, weights] = mha.forward(q, kv, kv);
    const [expOut, expW] = referenceMha(mha, q, kv, kv, null);
    assertAllClose(out, expOut);
    assertAllClose(weights!, expW);
    expect(weights!.shape).toEqual([2, 3, 5]);
    const [, perHead] = mha.forward(q, kv, kv, { averageAttnWeights: false });
    expect(perHead!.shape).toEqual([2, 2, 3, 5]);
    expect(mha.forward(q, kv, kv, { needWeights: false })[1]).toBeNull();
  });

  it('is sequence-first by default and accepts unbatched input', () => {
    const mha = new MultiheadAttention(4, 1, { dtype: 'float64' });
    const x = randn([3, 2, 4], gen(4)); // [L, N, E]
    const [out] = mha.forward(x, x, x);
    expect(out.shape).toEqual([3, 2, 4]);
    const [single] = mha.forward(x.select(1, 0), x.select(1, 0), x.select(1, 0));
    assertAllClose(single, out.select(1, 0));
  });

  it('ignores padded keys (true = blocked) and honours attnMask', () => {
    const mha = new MultiheadAttention(4, 2, { dtype: 'float64', batchFirst: true, generator: new Generator(5) });
    const x = randn([2, 3, 4], gen(6));
    const keyPaddingMask = tensor([[false, false, true], [false, true, true]], { dtype: 'bool' });
    const [out, weights] = mha.forward(x, x, x, { keyPaddingMask });
    const w = weights!.toArray() as number[][][];
    expect(w[0]!.map((r) => r[2])).toEqual([0, 0, 0]);
    expect(w[1]!.map((r) => r[1]! + r[2]!)).toEqual([0, 0, 0]);
    // dropping the padded key of batch element 0 altogether gives the same output
    const x0 = x.select(0, 0);
    const [alone] = mha.forward(x0.unsqueeze(0), x0.narrow(0, 0, 2).unsqueeze(0), x0.narrow(0, 0, 2).unsqueeze(0));
    assertAllClose(out.select(0, 0), alone.squeeze(0));
    const causal = tensor([[false, true, true], [false, false, true], [false, false, false]], { dtype: 'bool' });
    const [, cw] = mha.forward(x, x, x, { attnMask: causal });
    expect((cw!.toArray() as number[][][])[0]![0]).toEqual([1, 0, 0]);
    const [, isCausal] = mha.forward(x, x, x, { isCausal: true });
    assertAllClose(isCausal!, cw!);
  });

  it('has separate projections for other key and value sizes', () => {
    const mha = new MultiheadAttention(4, 2, { kdim: 3, vdim: 5, batchFirst: true });
    expect(mha.in_proj_weight).toBeNull();
    expect(mha.k_proj_weight!.shape).toEqual([4, 3]);
    const [out] = mha.forward(randn([1, 2, 4]), randn([1, 6, 3]), randn([1, 6, 5]));
    expect(out.shape).toEqual([1, 2, 4]);
  });

  it('has gradients for inputs and projections', () => {
    const mha = new MultiheadAttention(4, 2, { dtype: 'float64', batchFirst: true, generator: new Generator(7) });
    const q = randn([1, 2, 4], gen(8)).requiresGrad_();
    const kv = randn([1, 3, 4], gen(9)).requiresGrad_();
    const mask = tensor([[false, false, true]], { dtype: 'bool' });
    gradcheck(
      (a, b, w) => {
        mha.in_proj_weight = w;
        return mha.forward(a, b, b, { keyPaddingMask: mask })[0];
      },
      [q, kv, mha.in_proj_weight!.detach().requiresGrad_()],
    );
  });

  it('rejects bad configurations and shapes', () => {
    expect(() => new MultiheadAttention(6, 4)).toThrow(/divisible by numHeads/);
    const mha = new MultiheadAttention(4, 2, { batchFirst: true });
    expect(() => mha.forward(randn([1, 2, 3]), randn([1, 2, 3]), randn([1, 2, 3]))).toThrow(ShapeError);
    expect(() => mha.forward(randn([1, 2, 4]), randn([1, 3, 4]), randn([1, 3, 4]), { attnMask: ones([3, 3]) })).toThrow(/attnMask must be \[2, 3\]/);
    expect(() => mha.forward(randn([1, 2, 4]), randn([1, 3, 4]), randn([1, 3, 4]), { keyPaddingMask: ones([1, 2], { dtype: 'bool' }) })).toThrow(/keyPaddingMask must be \[1, 3\]/);
  });
});
