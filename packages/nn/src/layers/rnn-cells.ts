import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { ShapeError, TapegradError, zeros, type Tensor } from '@tapegrad/core';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { parameter, type Parameter } from '../parameter.js';
import { generatorOf, type LayerOptions } from './layer-options.js';
import { gruStep, lstmStep, rnnStep } from './rnn-steps.js';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * What the recurrent cells share: `weight_ih` `[gates·H, inputSize]`,
 * `weight_hh` `[gates·H, H]`, `bias_ih` and `bias_hh` `[gates·H]`, all drawn
 * from U(±1/√hiddenSize) as PyTorch. The names are PyTorch's, so its
 * state dicts load unchanged.
 *
 * @example
 * ```ts
 * const cells: RNNCellBase[] = [new RNNCell(3, 4), new LSTMCell(3, 4), new GRUCell(3, 4)];
 * ```
 */
export abstract class RNNCellBase<State> extends Module<[Tensor, (State | null)?], State> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  weight_ih: Parameter;
  weight_hh: Parameter;
  bias_ih: Parameter | null;
  bias_hh: Parameter | null;

  protected constructor(
    protected readonly cellName: string,
    inputSize: number,
    hiddenSize: number,
    gates: number,
    options: LayerOptions,
  ) {
    super();
    checkOptions(cellName, options, nnOptionRules[cellName as 'RNNCell' | 'LSTMCell' | 'GRUCell'] ?? nnOptionRules.LSTMCell);
    for (const [what, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new TapegradError(`${cellName}: ${what} must be a positive integer, got ${v}`);
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    const dtype = options.dtype ?? 'float32';
    const bias = options.bias ?? true;
    this.weight_ih = parameter(zeros([gates * hiddenSize, inputSize], { dtype }));
    this.weight_hh = parameter(zeros([gates * hiddenSize, hiddenSize], { dtype }));
    this.bias_ih = bias ? parameter(zeros([gates * hiddenSize], { dtype })) : null;
    this.bias_hh = bias ? parameter(zeros([gates * hiddenSize], { dtype })) : null;
    this.resetParameters(generatorOf(options));
  }

  /**
   * Draws new initial values: every parameter from U(±1/√hiddenSize).
   *
   * @example
   * ```ts
   * cell.resetParameters({ generator: new Generator(1) });
   * ```
   */
  resetParameters(options: Pick<LayerOptions, 'generator'> = {}): void {
    checkOptions('resetParameters', options, nnOptionRules.resetParameters);
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -bound, bound, options);
  }

  /** Checks the input and makes it `[N, inputSize]`; reports whether it was unbatched. */
  protected batchedInput(input: Tensor): [Tensor, boolean] {
    if ((input.ndim !== 1 && input.ndim !== 2) || input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${this.cellName}: expected input of shape [N, ${this.inputSize}] or [${this.inputSize}], got ${fmt(input.shape)}`);
    }
    return input.ndim === 1 ? [input.unsqueeze(0), true] : [input, false];
  }

  /** A given hidden tensor checked against the batch, or zeros. */
  protected hiddenOrZeros(h: Tensor | undefined, x: Tensor, unbatched: boolean, what = 'hx'): Tensor {
    const n = x.shape[0]!;
    if (h === undefined) return zeros([n, this.hiddenSize], { dtype: x.dtype, device: x.device });
    const expected = unbatched ? [this.hiddenSize] : [n, this.hiddenSize];
    if (h.ndim !== expected.length || h.shape.some((s, i) => s !== expected[i])) {
      throw new ShapeError(`${this.cellName}: expected ${what} of shape ${fmt(expected)} for input of shape ${fmt(unbatched ? [x.shape[1]!] : x.shape)}, got ${fmt(h.shape)}`);
    }
    return unbatched ? h.unsqueeze(0) : h;
  }

  /** `x·W_ihᵀ + b_ih` and `h·W_hhᵀ + b_hh`, all gates at once. */
  protected projections(x: Tensor, h: Tensor): [Tensor, Tensor] {
    const gi = x.matmul(this.weight_ih.mT);
    const gh = h.matmul(this.weight_hh.mT);
    return [this.bias_ih === null ? gi : gi.add(this.bias_ih), this.bias_hh === null ? gh : gh.add(this.bias_hh)];
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}, bias=${this.bias_ih !== null}`;
  }
}

/**
 * Options of {@link RNNCell}.
 *
 * @example
 * ```ts
 * new RNNCell(3, 4, { nonlinearity: 'relu' });
 * ```
 */
export interface RNNCellOptions extends LayerOptions {
  readonly nonlinearity?: 'tanh' | 'relu';
}

/**
 * An Elman cell: `h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)` (or ReLU), as PyTorch's `RNNCell`.
 *
 * @example
 * ```ts
 * const cell = new RNNCell(3, 4);
 * let h = zeros([2, 4]);
 * for (const x of randn([5, 2, 3]).split(1)) h = cell.forward(x.squeeze(0), h);
 * ```
 */
export class RNNCell extends RNNCellBase<Tensor> {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, options: RNNCellOptions = {}) {
    super('RNNCell', inputSize, hiddenSize, 1, options);
    const f = options.nonlinearity ?? 'tanh';
    if (f !== 'tanh' && f !== 'relu') throw new TapegradError(`RNNCell: nonlinearity must be 'tanh' or 'relu', got '${String(f)}'`);
    this.nonlinearity = f;
  }

  /** The next hidden state `[N, H]` (zeros when `hx` is omitted). @example `h = cell.forward(x, h)` */
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const [x, unbatched] = this.batchedInput(input);
    const h = this.hiddenOrZeros(hx ?? undefined, x, unbatched);
    const [gi, gh] = this.projections(x, h);
    const next = rnnStep(gi, gh, this.nonlinearity);
    return unbatched ? next.squeeze(0) : next;
  }

  override extraRepr(): string {
    return `${super.extraRepr()}, nonlinearity=${this.nonlinearity}`;
  }
}

/**
 * A long short-term memory cell with PyTorch's gate order (input, forget,
 * cell, output): `c' = f⊙c + i⊙g`, `h' = o⊙tanh(c')`.
 *
 * @example
 * ```ts
 * const cell = new LSTMCell(3, 4);
 * const [h, c] = cell.forward(randn([2, 3])); // state starts at zeros
 * cell.forward(randn([2, 3]), [h, c]);
 * ```
 */
export class LSTMCell extends RNNCellBase<[Tensor, Tensor]> {
  constructor(inputSize: number, hiddenSize: number, options: LayerOptions = {}) {
    super('LSTMCell', inputSize, hiddenSize, 4, options);
  }

  /** The next `[h, c]`, each `[N, H]`. @example `state = cell.forward(x, state)` */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    const [x, unbatched] = this.batchedInput(input);
    const h = this.hiddenOrZeros(hx?.[0], x, unbatched, 'h');
    const c = this.hiddenOrZeros(hx?.[1], x, unbatched, 'c');
    const [gi, gh] = this.projections(x, h);
    const [hNext, cNext] = lstmStep(gi, gh, c);
    return unbatched ? [hNext.squeeze(0), cNext.squeeze(0)] : [hNext, cNext];
  }
}

/**
 * A gated recurrent unit with PyTorch's gate order (reset, update, new):
 * `n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn))`, `h' = (1 − z)⊙n + z⊙h`.
 *
 * @example
 * ```ts
 * const cell = new GRUCell(3, 4);
 * const h = cell.forward(randn([2, 3])); // [2, 4]
 * ```
 */
export class GRUCell extends RNNCellBase<Tensor> {
  constructor(inputSize: number, hiddenSize: number, options: LayerOptions = {}) {
    super('GRUCell', inputSize, hiddenSize, 3, options);
  }

  /** The next hidden state `[N, H]`. @example `h = cell.forward(x, h)` */
  forward(input: Tensor, hx?: Tensor | null): Tensor {
    const [x, unbatched] = this.batchedInput(input);
    const h = this.hiddenOrZeros(hx ?? undefined, x, unbatched);
    const [gi, gh] = this.projections(x, h);
    const next = gruStep(gi, gh, h);
    return unbatched ? next.squeeze(0) : next;
  }
}
