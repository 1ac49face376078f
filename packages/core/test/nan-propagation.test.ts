import { describe, expect, it } from 'vitest';
import { maxPool2d, tensor, type DType, type Tensor } from '@tapegrad/core';

/**
 * A NaN in the input stays NaN in the output, as in PyTorch, for every op
 * that picks a value (relu, maximum, minimum, clamp, amax, amin, max along a
 * dim, max pooling). Small tensors run at once; ≥ 4096 float32 elements take
 * the deferred, fused path.
 */
// `whole`: the op reduces over everything, so every output element sees the NaN.
const ops: [string, (x: Tensor) => Tensor, boolean?][] = [
  ['relu', (x) => x.relu()],
  ['relu after an add (fused chain)', (x) => x.add(1).relu().mul(2)],
  ['maximum', (x) => x.maximum(0)],
  ['minimum', (x) => x.minimum(0)],
  ['clamp', (x) => x.clamp(-1, 1)],
  ['clamp_', (x) => x.clone().clamp_(-1, 1)],
  ['amax', (x) => x.amax(0, true).expand(x.shape), true],
  ['amin', (x) => x.amin(0, true).expand(x.shape), true],
  ['max along a dim', (x) => x.reshape([x.numel / 2, 2]).max(1, true).values.expand([x.numel / 2, 2])],
  ['min along a dim', (x) => x.reshape([x.numel / 2, 2]).min(1, true).values.expand([x.numel / 2, 2])],
];

const sizes = [4, 8192];
const dtypes: DType[] = ['float32', 'float64'];

function withNaN(n: number, dtype: DType): { x: Tensor; at: number } {
  const v = Array.from({ length: n }, (_, i) => ((i % 7) - 3) * 0.5);
  const at = n - 1;
  v[at] = NaN;
  return { x: tensor(v, { dtype }), at };
}

describe('NaN propagates through ops that pick a value, as in PyTorch', () => {
  for (const n of sizes) {
    for (const dtype of dtypes) {
      it.each(ops.map(([name, f, whole]) => ({ name, f, whole })))(`$name keeps NaN (${n} ${dtype} elements)`, ({ f, whole }) => {
        const { x, at } = withNaN(n, dtype);
        const out = f(x).reshape([n]).toArray() as number[];
        expect(out[at]).toBeNaN();
        // and elements away from the NaN are untouched by it
        if (!whole) expect(Number.isNaN(out[0])).toBe(false);
      });
    }
  }

  it('amax and amin over everything are NaN when one element is', () => {
    for (const n of sizes) {
      const { x } = withNaN(n, 'float32');
      expect(x.amax().item()).toBeNaN();
      expect(x.amin().item()).toBeNaN();
    }
  });

  it('max pooling gives NaN for a window holding a NaN (small and large)', () => {
    for (const side of [4, 128]) {
      const v = Array.from({ length: side * side }, (_, i) => i % 5);
      v[side + 1] = NaN; // row 1, column 1: the first 2×2 window
      const out = maxPool2d(tensor(v).reshape([1, 1, side, side]), 2).toArray() as number[][][][];
      expect(out[0]![0]![0]![0]).toBeNaN();
      const second = Math.max(v[2]!, v[3]!, v[side + 2]!, v[side + 3]!);
      expect(out[0]![0]![0]![1]).toBe(second);
    }
  });
});
