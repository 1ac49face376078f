import { DTypeError, ShapeError, TapegradError, cat, checkOptions, fmtShape, stack, zeros, type Generator, type Tensor } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { dropout } from '../functional/dropout.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { parameter, type Parameter } from '../parameter.js';
import { generatorOf, type LayerOptions } from './layer-options.js';
import { gruStep, lstmStep, rnnStep } from './rnn-steps.js';

/**
 * Options of {@link RNN}, {@link LSTM} and {@link GRU}, with PyTorch's
 * defaults. PyTorch's `proj_size` (LSTM projections) is not supported.
 *
 * @example
 * ```ts
 * new LSTM(8, 16, { numLayers: 2, batchFirst: true, dropout: 0.1, bidirectional: true });
 * ```
 */
export interface RNNBaseOptions extends LayerOptions {
  /** Stacked recurrent layers, each reading the previous one's output (1 by default). */
  readonly numLayers?: number;
  /** Input and output are `[N, L, features]` rather than `[L, N, features]` (false by default). The states are not affected. */
  readonly batchFirst?: boolean;
  /** Dropout on the output of every layer but the last, in training mode only (0 by default). */
  readonly dropout?: number;
  /** Run each layer forward and backward in time and concatenate the two outputs (false by default). */
  readonly bidirectional?: boolean;
}

/**
 * Options of {@link RNN}: those of every recurrent layer and the nonlinearity.
 *
 * @example
 * ```ts
 * new RNN(8, 16, { nonlinearity: 'relu' });
 * ```
 */
export interface RNNOptions extends RNNBaseOptions {
  /** `'tanh'` (default) or `'relu'`. */
  readonly nonlinearity?: 'tanh' | 'relu';
}

type LayerName = 'RNN' | 'LSTM' | 'GRU';

/**
 * What the multi-layer recurrent layers share, as PyTorch's `RNNBase`: the
 * parameters, named as PyTorch names them (`weight_ih_l0` `[gates·H, inputSize]`,
 * `weight_hh_l0` `[gates·H, H]`, `bias_ih_l0` and `bias_hh_l0` `[gates·H]`, then
 * `…_reverse` for the backward direction, then layer 1…), so that a PyTorch
 * model's `state_dict()` (or its safetensors file) loads unchanged; their
 * initialisation, U(±1/√hiddenSize); and the loop over layers, directions and
 * time. Each layer and direction projects the whole sequence with one
 * matrix product before the recurrence.
 *
 * Shapes (L sequence length, N batch, D = 2 if bidirectional else 1):
 * input `[L, N, inputSize]` (`[N, L, inputSize]` with batchFirst, `[L, inputSize]`
 * unbatched); initial and final states `[D·numLayers, N, H]` (`[D·numLayers, H]`
 * unbatched), ordered layer by layer, forward direction first; output
 * `[L, N, D·H]`, the forward direction's features then the backward one's.
 *
 * @example
 * ```ts
 * const layer: RNNBase<Tensor> = new GRU(3, 4);
 * layer.flatWeightsNames; // ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
 * ```
 */
export abstract class RNNBase<State> extends Module<[Tensor, (State | null)?], [Tensor, State]> {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** The source of the dropout masks between layers (the default generator when undefined). */
  generator: Generator | undefined;

  protected constructor(
    protected readonly layerName: LayerName,
    inputSize: number,
    hiddenSize: number,
    gates: number,
    options: RNNOptions,
  ) {
    super();
    checkOptions(layerName, options, nnOptionRules[layerName]);
    for (const [what, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new TapegradError(`${layerName}: ${what} must be a positive integer, got ${v}`);
    }
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = options.numLayers ?? 1;
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    this.bidirectional = options.bidirectional ?? false;
    this.generator = options.generator;
    const dtype = options.dtype ?? 'float32';
    const own = this as unknown as Record<string, Parameter>;
    // The parameters are own properties under PyTorch's names, so that
    // discovery, stateDict and loadStateDict see them as any other layer's.
    for (let layer = 0; layer < this.numLayers; layer++) {
      const inFeatures = layer === 0 ? inputSize : hiddenSize * this.directions;
      for (let dir = 0; dir < this.directions; dir++) {
        const [wIh, wHh, bIh, bHh] = weightNames(layer, dir === 1);
        own[wIh] = parameter(zeros([gates * hiddenSize, inFeatures], { dtype }));
        own[wHh] = parameter(zeros([gates * hiddenSize, hiddenSize], { dtype }));
        if (this.bias) {
          own[bIh] = parameter(zeros([gates * hiddenSize], { dtype }));
          own[bHh] = parameter(zeros([gates * hiddenSize], { dtype }));
        }
      }
    }
    this.resetParameters(generatorOf(options));
  }

  /**
   * The number of directions D: 2 when bidirectional, else 1.
   *
   * @example
   * ```ts
   * new GRU(3, 4, { bidirectional: true }).directions; // 2
   * ```
   */
  get directions(): 1 | 2 {
    return this.bidirectional ? 2 : 1;
  }

  /**
   * The parameter names in PyTorch's order (its `_flat_weights_names`): for each
   * layer, the forward direction then `_reverse`, each `weight_ih`, `weight_hh`
   * and, with bias, `bias_ih`, `bias_hh`.
   *
   * @example
   * ```ts
   * new GRU(3, 4, { bidirectional: true, bias: false }).flatWeightsNames;
   * // ['weight_ih_l0', 'weight_hh_l0', 'weight_ih_l0_reverse', 'weight_hh_l0_reverse']
   * ```
   */
  get flatWeightsNames(): string[] {
    const names: string[] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < this.directions; dir++) names.push(...weightNames(layer, dir === 1).slice(0, this.bias ? 4 : 2));
    }
    return names;
  }

  /**
   * The parameters of each layer and direction (index `layer·D + direction`),
   * each `[weight_ih, weight_hh, bias_ih, bias_hh]` (the weights alone without
   * bias), as PyTorch's `all_weights`.
   *
   * @example
   * ```ts
   * const [wIh, wHh] = new LSTM(3, 4).allWeights[0]!; // [16, 3], [16, 4]
   * ```
   */
  get allWeights(): Parameter[][] {
    const own = this as unknown as Record<string, Parameter>;
    const out: Parameter[][] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < this.directions; dir++) out.push(weightNames(layer, dir === 1).slice(0, this.bias ? 4 : 2).map((n) => own[n]!));
    }
    return out;
  }

  /**
   * Draws new initial values: every parameter from U(±1/√hiddenSize), as PyTorch.
   *
   * @example
   * ```ts
   * lstm.resetParameters({ generator: new Generator(1) });
   * ```
   */
  resetParameters(options: Pick<LayerOptions, 'generator'> = {}): void {
    checkOptions('resetParameters', options, nnOptionRules.resetParameters);
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.allWeights.flat()) uniform_(p, -bound, bound, options);
  }

  /**
   * One time step of this layer's recurrence: the next state (the hidden state
   * first) from the input projection `gi` `[N, gates·H]`, the hidden one `gh`
   * and the current state.
   */
  protected abstract step(gi: Tensor, gh: Tensor, state: readonly Tensor[]): Tensor[];

  /** Whether only `gi + gh` enters {@link RNNBase.step}, so that `b_hh` may join `b_ih` in the input projection. */
  protected abstract readonly addsProjections: boolean;

  /**
   * Runs the layers over the sequence from the given initial states (the
   * hidden state first; zeros where undefined); returns the output and the
   * final states, shaped as PyTorch's.
   */
  protected sequence(input: Tensor, initial: readonly (Tensor | undefined)[], stateNames: readonly string[]): [Tensor, Tensor[]] {
    const x = this.#checkedInput(input);
    const unbatched = input.ndim === 2;
    const states = initial.map((s, i) => this.#checkedState(s, stateNames[i]!, input, x.shape[1]!));
    const finals: Tensor[][] = states.map(() => []);
    let layerInput = x;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outputs: Tensor[] = [];
      for (let dir = 0; dir < this.directions; dir++) {
        const k = layer * this.directions + dir;
        const [output, last] = this.#direction(layerInput, k, dir === 1, states.map((s) => s.select(0, k)));
        outputs.push(output);
        last.forEach((s, i) => finals[i]!.push(s));
      }
      layerInput = outputs.length === 1 ? outputs[0]! : cat(outputs, 2);
      if (layer < this.numLayers - 1 && this.dropout > 0 && this.training) {
        layerInput = dropout(layerInput, this.dropout, { training: true, generator: this.generator });
      }
    }
    const output = unbatched ? layerInput.squeeze(1) : this.batchFirst ? layerInput.transpose(0, 1) : layerInput;
    return [output, finals.map((f) => (unbatched ? stack(f, 0).squeeze(1) : stack(f, 0)))];
  }

  /** One layer in one direction over `x` `[L, N, features]`: its outputs `[L, N, H]` and final states. */
  #direction(x: Tensor, k: number, reverse: boolean, initial: Tensor[]): [Tensor, Tensor[]] {
    const [wIh, wHh, bIh, bHh] = this.allWeights[k]!;
    const [steps, n, features] = x.shape as [number, number, number];
    // One matrix product projects the whole sequence; the recurrence then adds h·W_hhᵀ step by step.
    let projected = x.reshape([steps * n, features]).matmul(wIh!.mT);
    if (bIh !== undefined && bHh !== undefined) projected = projected.add(this.addsProjections ? bIh.add(bHh) : bIh);
    const gates = unbindHalving(projected.reshape([steps, n, projected.shape[1]!]));
    const hiddenBias = this.addsProjections ? undefined : bHh;
    const wHhT = wHh!.mT;
    const hs: Tensor[] = new Array<Tensor>(steps);
    let state = initial;
    for (let s = 0; s < steps; s++) {
      const t = reverse ? steps - 1 - s : s;
      const gh = state[0]!.matmul(wHhT);
      state = this.step(gates[t]!, hiddenBias === undefined ? gh : gh.add(hiddenBias), state);
      hs[t] = state[0]!;
    }
    return [stack(hs, 0), state];
  }

  /** The input checked and laid out `[L, N, inputSize]`. */
  #checkedInput(input: Tensor): Tensor {
    const name = this.layerName;
    const batched = this.batchFirst ? `[N, L, ${this.inputSize}]` : `[L, N, ${this.inputSize}]`;
    if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== this.inputSize) {
      throw new ShapeError(`${name}: expected input of shape ${batched} or [L, ${this.inputSize}] (unbatched), got ${fmtShape(input.shape)}`);
    }
    const dtype = this.allWeights[0]![0]!.dtype;
    if (input.dtype !== dtype) throw new DTypeError(`${name}: expected input of dtype ${dtype} (the layer's parameters), got ${input.dtype}`);
    const x = input.ndim === 2 ? input.unsqueeze(1) : this.batchFirst ? input.transpose(0, 1) : input;
    if (x.shape[0] === 0) throw new ShapeError(`${name}: expected a sequence of at least one step, got input of shape ${fmtShape(input.shape)}`);
    return x;
  }

  /** A given initial state checked against the input, laid out `[D·numLayers, N, H]`; zeros when undefined. */
  #checkedState(state: Tensor | undefined, what: string, input: Tensor, n: number): Tensor {
    const layers = this.directions * this.numLayers;
    if (state === undefined) return zeros([layers, n, this.hiddenSize], { dtype: input.dtype, device: input.device });
    const unbatched = input.ndim === 2;
    const expected = unbatched ? [layers, this.hiddenSize] : [layers, n, this.hiddenSize];
    if (state.ndim !== expected.length || state.shape.some((s, i) => s !== expected[i])) {
      throw new ShapeError(`${this.layerName}: expected ${what} of shape ${fmtShape(expected)} for input of shape ${fmtShape(input.shape)}, got ${fmtShape(state.shape)}`);
    }
    if (state.dtype !== input.dtype) throw new DTypeError(`${this.layerName}: expected ${what} of dtype ${input.dtype} (the input's), got ${state.dtype}`);
    return unbatched ? state.unsqueeze(1) : state;
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}`, `${this.hiddenSize}`];
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    return parts.join(', ');
  }
}

/**
 * The views `seq[0]`, `seq[1]`… along the first dim, taken by halving.
 * NOTE: a view's gradient is written into a tensor of its source's size, so
 * taking the L steps of a sequence straight from it would cost O(L²) in
 * backward; halving makes each level of views cost the sequence's size once,
 * O(L log L) in all.
 */
function unbindHalving(seq: Tensor): Tensor[] {
  const n = seq.shape[0]!;
  if (n === 1) return [seq.squeeze(0)];
  const half = n >> 1;
  return [...unbindHalving(seq.narrow(0, 0, half)), ...unbindHalving(seq.narrow(0, half, n - half))];
}

/** PyTorch's names of one layer's and direction's `[weight_ih, weight_hh, bias_ih, bias_hh]`. */
function weightNames(layer: number, reverse: boolean): [string, string, string, string] {
  const suffix = `_l${layer}${reverse ? '_reverse' : ''}`;
  return [`weight_ih${suffix}`, `weight_hh${suffix}`, `bias_ih${suffix}`, `bias_hh${suffix}`];
}

/**
 * A multi-layer Elman network as PyTorch's `nn.RNN`: each layer computes
 * `h_t = f(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)` with `f` tanh or ReLU.
 * `forward(input, h0?)` returns `[output, hN]`; see {@link RNNBase} for the
 * shapes and parameter names. PyTorch's `proj_size` is not supported.
 *
 * @example
 * ```ts
 * const rnn = new RNN(10, 20, { numLayers: 2 });
 * const [output, hN] = rnn.forward(randn([5, 3, 10]), randn([2, 3, 20])); // [5, 3, 20], [2, 3, 20]
 * ```
 */
export class RNN extends RNNBase<Tensor> {
  readonly nonlinearity: 'tanh' | 'relu';
  protected readonly addsProjections = true;

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    super('RNN', inputSize, hiddenSize, 1, options);
    this.nonlinearity = options.nonlinearity ?? 'tanh';
  }

  /**
   * The output of the last layer at every step and the final hidden state of
   * every layer and direction (`h0`: zeros when omitted).
   *
   * @example
   * ```ts
   * const [output, hN] = rnn.forward(x);
   * ```
   */
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const [output, [hN]] = this.sequence(input, [h0 ?? undefined], ['h0']);
    return [output, hN!];
  }

  protected step(gi: Tensor, gh: Tensor): Tensor[] {
    return [rnnStep(gi, gh, this.nonlinearity)];
  }

  override extraRepr(): string {
    return this.nonlinearity === 'tanh' ? super.extraRepr() : `${super.extraRepr()}, nonlinearity=${this.nonlinearity}`;
  }
}

/**
 * A multi-layer long short-term memory as PyTorch's `nn.LSTM`, with its gate
 * order (input, forget, cell, output): `c_t = σ(f)⊙c_{t−1} + σ(i)⊙tanh(g)`,
 * `h_t = σ(o)⊙tanh(c_t)`. `forward(input, [h0, c0]?)` returns
 * `[output, [hN, cN]]`; see {@link RNNBase} for the shapes and parameter
 * names. PyTorch's `proj_size` is not supported.
 *
 * @example
 * ```ts
 * const lstm = new LSTM(10, 20, { numLayers: 2, batchFirst: true });
 * const [output, [hN, cN]] = lstm.forward(randn([3, 5, 10])); // [3, 5, 20], [2, 3, 20], [2, 3, 20]
 * ```
 */
export class LSTM extends RNNBase<[Tensor, Tensor]> {
  protected readonly addsProjections = true;

  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super('LSTM', inputSize, hiddenSize, 4, options);
  }

  /**
   * The output of the last layer at every step and the final hidden and cell
   * states of every layer and direction (`[h0, c0]`: zeros when omitted).
   *
   * @example
   * ```ts
   * const [output, [hN, cN]] = lstm.forward(x, [h0, c0]);
   * ```
   */
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new TapegradError('LSTM: expected the initial state as a pair [h0, c0]');
    }
    const [output, [hN, cN]] = this.sequence(input, [hx?.[0], hx?.[1]], ['h0', 'c0']);
    return [output, [hN!, cN!]];
  }

  protected step(gi: Tensor, gh: Tensor, state: readonly Tensor[]): Tensor[] {
    return lstmStep(gi, gh, state[1]!);
  }
}

/**
 * A multi-layer gated recurrent unit as PyTorch's `nn.GRU`, with its gate
 * order (reset, update, new): `r = σ(W_ir·x + b_ir + W_hr·h + b_hr)`,
 * `z = σ(W_iz·x + b_iz + W_hz·h + b_hz)`, `n = tanh(W_in·x + b_in + r⊙(W_hn·h + b_hn))`,
 * `h' = (1 − z)⊙n + z⊙h`. `forward(input, h0?)` returns `[output, hN]`; see
 * {@link RNNBase} for the shapes and parameter names.
 *
 * @example
 * ```ts
 * const gru = new GRU(10, 20, { bidirectional: true });
 * const [output, hN] = gru.forward(randn([5, 10])); // unbatched: [5, 40], [2, 20]
 * ```
 */
export class GRU extends RNNBase<Tensor> {
  protected readonly addsProjections = false;

  constructor(inputSize: number, hiddenSize: number, options: RNNBaseOptions = {}) {
    super('GRU', inputSize, hiddenSize, 3, options);
  }

  /**
   * The output of the last layer at every step and the final hidden state of
   * every layer and direction (`h0`: zeros when omitted).
   *
   * @example
   * ```ts
   * const [output, hN] = gru.forward(x, h0);
   * ```
   */
  forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const [output, [hN]] = this.sequence(input, [h0 ?? undefined], ['h0']);
    return [output, hN!];
  }

  protected step(gi: Tensor, gh: Tensor, state: readonly Tensor[]): Tensor[] {
    return [gruStep(gi, gh, state[0]!)];
  }
}
