import { describe, expect, it } from 'vitest';
import { maxPool2d, noGrad, randn, tensor, tracePrimitives, type TracedOp } from '@tapegrad/core';

describe('tracePrimitives', () => {
  it('lists every primitive a function ran, in order, with inputs, params and output', () => {
    const x = randn([2, 3]);
    const { result, ops } = tracePrimitives(() => x.exp().sum(1));
    expect(ops.map((o) => o.op)).toEqual(['exp', 'sum']);
    expect(ops[0]!.inputs[0]).toBe(x);
    expect(ops[1]!.inputs[0]).toBe(ops[0]!.output);
    expect(ops[1]!.params).toEqual({ dims: [1], keepdim: false });
    expect(ops[1]!.output).toBe(result);
  });

  it('sees what the tape does not: ops without a gradient, integer results, and recording switched off', () => {
    const x = randn([1, 1, 4, 4]);
    const { ops } = tracePrimitives(() => noGrad(() => maxPool2d(x, 2).gt(0)));
    // maxPoolIndices has no derivative rule and an int32 result; gt a bool one.
    expect(ops.map((o) => o.op)).toEqual(['maxPoolIndices', 'reshape', 'reshape', 'gather', 'reshape', 'gt']);
  });

  it('notes detach, which makes an alias without a primitive', () => {
    const x = randn([3], { requiresGrad: true });
    const { result, ops } = tracePrimitives(() => x.detach());
    expect(ops).toHaveLength(1);
    expect(ops[0]).toMatchObject({ op: 'detach', inputs: [x], output: result });
  });

  it('records an in-place op as the primitives of its value and a write, with versions that show the write', () => {
    const x = tensor([1, 2, 3]);
    const { result, ops } = tracePrimitives(() => {
      const y = x.mul(2);
      y.add_(1); // under noGrad a kernel would write y directly; traced, the value is computed first
      return y.exp();
    });
    expect(ops.map((o) => o.op)).toEqual(['mul', 'add', 'write', 'exp']);
    const [mul, add, write, exp] = ops as [TracedOp, TracedOp, TracedOp, TracedOp];
    expect(write.inputs).toEqual([mul.output, add.output]);
    expect(write.output).toBe(mul.output);
    expect(write.inputVersions[0]).toBe(mul.outputVersion);
    expect(write.outputVersion).toBe(mul.outputVersion + 1);
    expect(exp.inputVersions[0]).toBe(write.outputVersion);
    Array.from(result.data).forEach((v, i) => expect(v).toBeCloseTo(Math.exp([3, 5, 7][i]!), 3));
  });

  it('nests: an inner trace keeps its ops, and the outer one goes on after it, also after a throw', () => {
    const x = randn([2]);
    const outer = tracePrimitives(() => {
      x.neg();
      const inner = tracePrimitives(() => x.exp());
      expect(inner.ops.map((o) => o.op)).toEqual(['exp']);
      expect(() =>
        tracePrimitives(() => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      return x.abs();
    });
    expect(outer.ops.map((o) => o.op)).toEqual(['neg', 'abs']);
    // Nothing is traced once the outermost trace has returned.
    const after = tracePrimitives(() => 0);
    x.sin();
    expect(after.ops).toEqual([]);
  });
});
