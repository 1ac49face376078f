import { describe, expect, it } from 'vitest';
import { Generator, ShapeError, TapegradError, randn, tensor, zeros, type Tensor } from '@tapegrad/core';
import { assertAllClose, gradcheck } from '@tapegrad/core/testing';
import { GRUCell, LSTMCell, RNNCell } from '@tapegrad/nn';

const f64 = { dtype: 'float64' } as const;
const gen = (s: number) => ({ ...f64, generator: new Generator(s) });
const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** Sets a cell's parameters from plain arrays (no bias when omitted). */
function setWeights(cell: RNNCell | LSTMCell | GRUCell, ih: number[][], hh: number[][]): void {
  cell.weight_ih = tensor(ih, f64);
  cell.weight_hh = tensor(hh, f64);
  cell.bias_ih = null;
  cell.bias_hh = null;
}

describe('RNNCell', () => {
  it('computes tanh(W_ih·x + b_ih + W_hh·h + b_hh), or relu', () => {
    const cell = new RNNCell(2, 1, { dtype: 'float64' });
    setWeights(cell, [[1, -2]], [[0.5]]);
    const x = tensor([[1, 1]], f64);
    const h = tensor([[2]], f64);
    assertAllClose(cell.forward(x, h), tensor([[Math.tanh(1 - 2 + 1)]], f64));
    const relu = new RNNCell(2, 1, { nonlinearity: 'relu', dtype: 'float64' });
    setWeights(relu, [[1, -2]], [[0.5]]);
    expect(relu.forward(x, tensor([[-2]], f64)).toArray()).toEqual([[0]]);
    expect(cell.forward(tensor([1, 1], f64)).shape).toEqual([1]);
  });

  it('initialises every parameter from U(±1/√hidden)', () => {
    const cell = new RNNCell(3, 16, { generator: new Generator(0) });
    expect(cell.namedParameters().map(([n]) => n)).toEqual(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']); // torch.nn.RNNCell's state_dict keys
    for (const p of cell.parameters()) expect(p.abs().amax().item()).toBeLessThanOrEqual(0.25);
  });
});

describe('LSTMCell', () => {
  it('uses PyTorch’s gate order (input, forget, cell, output)', () => {
    const cell = new LSTMCell(1, 1, { dtype: 'float64' });
    setWeights(cell, [[1], [2], [3], [4]], [[0], [0], [0], [0]]);
    const [h, c] = cell.forward(tensor([[1]], f64), [zeros([1, 1], f64), tensor([[0.5]], f64)]);
    const cNext = sigmoid(2) * 0.5 + sigmoid(1) * Math.tanh(3);
    assertAllClose(c, tensor([[cNext]], f64));
    assertAllClose(h, tensor([[sigmoid(4) * Math.tanh(cNext)]], f64));
    expect(cell.weight_ih.shape).toEqual([4, 1]);
    expect(new LSTMCell(3, 5).weight_hh.shape).toEqual([20, 5]);
  });
});

describe('GRUCell', () => {
  it('uses PyTorch’s gate order (reset, update, new) with r applied to W_hn·h + b_hn', () => {
    const cell = new GRUCell(1, 1, { dtype: 'float64' });
    setWeights(cell, [[1], [2], [3]], [[0.5], [-1], [2]]);
    const h0 = 0.5;
    const r = sigmoid(1 + 0.5 * h0);
    const z = sigmoid(2 - h0);
    const n = Math.tanh(3 + r * 2 * h0);
    assertAllClose(cell.forward(tensor([[1]], f64), tensor([[h0]], f64)), tensor([[(1 - z) * n + z * h0]], f64));
  });
});

describe('recurrent cells', () => {
  const cases: [string, () => RNNCell | LSTMCell | GRUCell][] = [
    ['RNNCell', () => new RNNCell(2, 3, { dtype: 'float64', generator: new Generator(1) })],
    ['RNNCell relu', () => new RNNCell(2, 3, { dtype: 'float64', nonlinearity: 'relu', generator: new Generator(1) })],
    ['LSTMCell', () => new LSTMCell(2, 3, { dtype: 'float64', generator: new Generator(2) })],
    ['GRUCell', () => new GRUCell(2, 3, { dtype: 'float64', generator: new Generator(3) })],
  ];

  for (const [name, make] of cases) {
    it(`${name} has gradients for the input, the state and every parameter`, () => {
      const cell = make();
      const x = randn([2, 2], gen(4)).requiresGrad_();
      const h = randn([2, 3], gen(5)).requiresGrad_();
      const c = randn([2, 3], gen(6)).requiresGrad_();
      const params = [cell.weight_ih, cell.weight_hh, cell.bias_ih!, cell.bias_hh!].map((p) => p.detach().requiresGrad_());
      gradcheck(
        (xi, hi, ci, wih, whh, bih, bhh) => {
          cell.weight_ih = wih!;
          cell.weight_hh = whh!;
          cell.bias_ih = bih!;
          cell.bias_hh = bhh!;
          if (cell instanceof LSTMCell) return cell.forward(xi!, [hi!, ci!]);
          return (cell as RNNCell).forward(xi!, hi!).add(ci!.mul(0));
        },
        [x, h, c, ...params],
      );
    });
  }

  it('rejects bad shapes', () => {
    expect(() => new GRUCell(2, 3).forward(randn([4, 3]))).toThrow(/GRUCell: expected input of shape \[N, 2\] or \[2\], got \[4, 3\]/);
    expect(() => new RNNCell(2, 3).forward(randn([4, 2]), randn([5, 3]))).toThrow(ShapeError);
    expect(() => new LSTMCell(2, 3).forward(randn([4, 2]), [randn([4, 3]), randn([4, 2])] as [Tensor, Tensor])).toThrow(/expected c of shape \[4, 3\]/);
    expect(() => new RNNCell(2, 0)).toThrow(TapegradError);
  });
});
