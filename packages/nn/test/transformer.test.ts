import { describe, expect, it } from 'vitest';
import { Generator, OptionError, TapegradError, noGrad, randn, type Tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import {
  LayerNorm,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
  relu,
  type TransformerLayerOptions,
} from '@tapegrad/nn';
import { fixtureState, fixtureTensor, loadFixtures, need, type FixtureCase } from './torch-fixtures.js';

const f64 = { dtype: 'float64' } as const;
const tight = { atol: 1e-12, rtol: 1e-10 };
const cases = loadFixtures('transformer.json');
const [D, H, FF] = [8, 2, 16];

/** The layer options a case was made with (PyTorch's keyword names), plus the size and dtype. */
function layerOptions(c: FixtureCase): TransformerLayerOptions {
  const o = c['options'] as Record<string, unknown>;
  return {
    dimFeedforward: FF,
    dtype: 'float64',
    ...(o['activation'] === undefined ? {} : { activation: o['activation'] as 'relu' | 'gelu' }),
    ...(o['norm_first'] === undefined ? {} : { normFirst: o['norm_first'] as boolean }),
    ...(o['batch_first'] === undefined ? {} : { batchFirst: o['batch_first'] as boolean }),
    ...(o['layer_norm_eps'] === undefined ? {} : { layerNormEps: o['layer_norm_eps'] as number }),
  };
}

const encoderCases = Object.keys(cases).filter((n) => n.startsWith('encoder-'));
const decoderCases = Object.keys(cases).filter((n) => n.startsWith('decoder-'));

describe('TransformerEncoderLayer, against PyTorch', () => {
  it.each(encoderCases)('%s: PyTorch’s state dict loads; output and input gradient', (name) => {
    const c = cases[name]!;
    const layer = new TransformerEncoderLayer(D, H, layerOptions(c)).eval();
    layer.loadStateDict(fixtureState(c));
    const x = need(c, 'x').requiresGrad_();
    // A causal case is given as isCausal alone: the layer makes the mask PyTorch was given.
    const causal = c['isCausal'] === true;
    const out = layer.forward(x, { srcMask: causal ? null : (fixtureTensor(c, 'src_mask') ?? null), srcKeyPaddingMask: fixtureTensor(c, 'src_key_padding_mask') ?? null, isCausal: causal });
    assertAllClose(out, need(c, 'out'), tight);
    out.backward(need(c, 'grad_out'));
    assertAllClose(x.grad!, need(c, 'grad_x'), tight);
  });
});

describe('TransformerDecoderLayer, against PyTorch', () => {
  it.each(decoderCases)('%s: PyTorch’s state dict loads; output and input gradients', (name) => {
    const c = cases[name]!;
    const layer = new TransformerDecoderLayer(D, H, layerOptions(c)).eval();
    layer.loadStateDict(fixtureState(c));
    const tgt = need(c, 'tgt').requiresGrad_();
    const memory = need(c, 'memory').requiresGrad_();
    const causal = c['tgtIsCausal'] === true;
    const out = layer.forward(tgt, memory, {
      tgtMask: causal ? null : (fixtureTensor(c, 'tgt_mask') ?? null),
      memoryMask: fixtureTensor(c, 'memory_mask') ?? null,
      tgtKeyPaddingMask: fixtureTensor(c, 'tgt_key_padding_mask') ?? null,
      memoryKeyPaddingMask: fixtureTensor(c, 'memory_key_padding_mask') ?? null,
      tgtIsCausal: causal,
    });
    assertAllClose(out, need(c, 'out'), tight);
    out.backward(need(c, 'grad_out'));
    assertAllClose(tgt.grad!, need(c, 'grad_tgt'), tight);
    assertAllClose(memory.grad!, need(c, 'grad_memory'), tight);
  });
});

describe('TransformerEncoder and TransformerDecoder, against PyTorch', () => {
  it('a two-layer encoder and decoder with final norms load PyTorch’s state dicts and give its numbers', () => {
    const c = cases['stacks']!;
    const opts = { dimFeedforward: FF, batchFirst: true, dtype: 'float64' } as const;
    const encoder = new TransformerEncoder(new TransformerEncoderLayer(D, H, opts), 2, { norm: new LayerNorm(D, f64) }).eval();
    const decoder = new TransformerDecoder(new TransformerDecoderLayer(D, H, opts), 2, { norm: new LayerNorm(D, f64) }).eval();
    const encoderState = fixtureState(c, 'encoder_state');
    expect(Object.keys(encoder.stateDict()).sort()).toEqual(Object.keys(encoderState).sort());
    encoder.loadStateDict(encoderState);
    decoder.loadStateDict(fixtureState(c, 'decoder_state'));
    const src = need(c, 'src').requiresGrad_();
    const tgt = need(c, 'tgt').requiresGrad_();
    const memory = encoder.forward(src, { srcKeyPaddingMask: need(c, 'src_key_padding_mask') });
    assertAllClose(memory, need(c, 'memory'), tight);
    const out = decoder.forward(tgt, memory, { tgtMask: need(c, 'tgt_mask'), memoryKeyPaddingMask: need(c, 'src_key_padding_mask') });
    assertAllClose(out, need(c, 'out'), tight);
    out.backward(need(c, 'grad_out'));
    assertAllClose(src.grad!, need(c, 'grad_src'), tight);
    assertAllClose(tgt.grad!, need(c, 'grad_tgt'), tight);
  });

  it('copies the layer: equal weights, not shared, and the original untouched', () => {
    const layer = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, generator: new Generator(1) });
    const encoder = new TransformerEncoder(layer, 3);
    const [a, b] = [encoder.layers.at(0) as TransformerEncoderLayer, encoder.layers.at(2) as TransformerEncoderLayer];
    expect(a.linear1.weight.equal(layer.linear1.weight)).toBe(true);
    expect(b.self_attn.in_proj_weight!.equal(layer.self_attn.in_proj_weight!)).toBe(true);
    noGrad(() => a.linear1.weight.add_(1));
    expect(b.linear1.weight.equal(layer.linear1.weight)).toBe(true);
    expect(encoder.parameters().length).toBe(3 * layer.parameters().length);
  });
});

describe('transformer layers', () => {
  it('have PyTorch’s parameter names, and none of the biases with bias: false', () => {
    const names = (m: { stateDict(): Record<string, Tensor> }): string[] => Object.keys(m.stateDict());
    expect(names(new TransformerEncoderLayer(4, 2, { dimFeedforward: 6 }))).toEqual([
      'self_attn.in_proj_weight',
      'self_attn.in_proj_bias',
      'self_attn.out_proj.weight',
      'self_attn.out_proj.bias',
      'linear1.weight',
      'linear1.bias',
      'linear2.weight',
      'linear2.bias',
      'norm1.weight',
      'norm1.bias',
      'norm2.weight',
      'norm2.bias',
    ]);
    // PyTorch ≥ 2.1's bias=False.
    expect(names(new TransformerDecoderLayer(4, 2, { dimFeedforward: 6, bias: false }))).toEqual([
      'self_attn.in_proj_weight',
      'self_attn.out_proj.weight',
      'multihead_attn.in_proj_weight',
      'multihead_attn.out_proj.weight',
      'linear1.weight',
      'linear2.weight',
      'norm1.weight',
      'norm2.weight',
      'norm3.weight',
    ]);
  });

  it('without biases equal the layer whose biases are zero', () => {
    const gen = new Generator(2);
    const withBias = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dtype: 'float64', generator: gen }).eval();
    const without = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dtype: 'float64', bias: false }).eval();
    without.loadStateDict(withBias.stateDict(), { strict: false });
    for (const [n, p] of withBias.namedParameters()) if (n.endsWith('ias')) noGrad(() => p.zero_());
    const x = randn([3, 2, 4], { ...f64, generator: gen });
    assertAllClose(without.forward(x), withBias.forward(x), { atol: 1e-12 });
  });

  it('have gradients for inputs and weights (float64 finite differences)', () => {
    const gen = new Generator(6);
    const opts = { dimFeedforward: 6, dropout: 0, dtype: 'float64', generator: gen } as const;
    const encoder = new TransformerEncoderLayer(4, 2, { ...opts, activation: 'gelu', normFirst: true });
    const decoder = new TransformerDecoderLayer(4, 2, opts);
    const x = randn([3, 1, 4], { ...f64, generator: gen }).requiresGrad_();
    const mem = randn([2, 1, 4], { ...f64, generator: gen }).requiresGrad_();
    const w = encoder.linear1.weight.detach().requiresGrad_();
    gradcheck(
      (xi, wi) => {
        encoder.linear1.weight = wi;
        return encoder.forward(xi, { isCausal: true });
      },
      [x, w],
    );
    gradcheck((ti, mi) => decoder.forward(ti, mi, { tgtIsCausal: true }), [x, mem]);
  });

  it('apply dropout only while training, from their generator', () => {
    const make = () => new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0.5, generator: new Generator(3) });
    const x = randn([3, 2, 4], { generator: new Generator(4) });
    const [a, b] = [make(), make()];
    assertAllClose(a.forward(x), b.forward(x), { atol: 0 });
    expect(a.forward(x).equal(a.eval().forward(x))).toBe(false);
    const custom = new TransformerEncoderLayer(4, 2, { dimFeedforward: 6, activation: (t) => relu(t).square() });
    expect(String(custom)).toContain('activation=custom');
  });

  it('refuse bad settings', () => {
    expect(() => new TransformerEncoderLayer(6, 4)).toThrow(TapegradError);
    expect(() => new TransformerEncoderLayer(6, 4)).toThrow(/dModel 6 must be divisible by nhead 4/);
    expect(() => new TransformerEncoderLayer(8, 2, { activation: 'tanh' as never })).toThrow(OptionError);
    expect(() => new TransformerEncoderLayer(8, 2, { norm_first: true } as never)).toThrow(/did you mean 'normFirst'/);
    expect(() => new TransformerDecoderLayer(8, 2).forward(randn([2, 1, 8]), randn([2, 1, 8]), { tgt_is_causal: true } as never)).toThrow(/did you mean 'tgtIsCausal'/);
    expect(() => new TransformerEncoder(new TransformerDecoderLayer(8, 2) as never, 2)).toThrow(/encoderLayer must be a TransformerEncoderLayer/);
    expect(() => new TransformerEncoder(new TransformerEncoderLayer(8, 2), 0)).toThrow(/numLayers must be a positive integer/);
  });
});
