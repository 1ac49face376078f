import { describe, expect, it } from 'vitest';
import { zeros } from '@tapegrad/core';
import { BatchNorm1d, ModuleList, MultiheadAttention, fromTorchNames, toTorchNames } from '@tapegrad/nn';

const PYTORCH = ['0.in_proj_weight', '0.in_proj_bias', '0.bias_k', '0.bias_v', '0.out_proj.weight', '0.out_proj.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked'];

describe('PyTorch state-dict names', () => {
  it('map each dotted part between snake_case and camelCase, both ways', () => {
    const model = new ModuleList([new MultiheadAttention(4, 2, { addBiasKV: true }), new BatchNorm1d(4)]);
    const ours = model.stateDict();
    expect(Object.keys(toTorchNames(ours))).toEqual(PYTORCH);
    expect(Object.keys(fromTorchNames(toTorchNames(ours)))).toEqual(Object.keys(ours));
    const t = zeros([1]);
    expect(fromTorchNames({ 'layers.0.self_attn.weight_ih_l0_reverse': t })).toEqual({ 'layers.0.selfAttn.weightIhL0Reverse': t });
  });
});
