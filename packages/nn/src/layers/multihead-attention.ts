import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { ShapeError, TapegradError, arange, cat, zeros, type Generator, type Tensor } from '@tapegrad/core';
import { attentionWeights, blockedToAdditive } from '../functional/scaled-dot-product-attention.js';
import { constant_, xavierNormal_, xavierUniform_ } from '../init.js';
import { Module } from '../module.js';
import { parameter, type Parameter } from '../parameter.js';
import { generatorOf, type LayerOptions } from './layer-options.js';
import { Linear } from './linear.js';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Options of {@link MultiheadAttention}, with PyTorch's defaults.
 *
 * @example
 * ```ts
 * new MultiheadAttention(64, 8, { batchFirst: true, dropout: 0.1, kdim: 32, vdim: 32 });
 * ```
 */
export interface MultiheadAttentionOptions extends LayerOptions {
  /** Inputs and output are `[N, L, E]` rather than `[L, N, E]` (false by default, as PyTorch). */
  readonly batchFirst?: boolean;
  /** Dropout on the attention weights while training. */
  readonly dropout?: number;
  /** Feature size of the keys (embedDim by default). */
  readonly kdim?: number;
  /** Feature size of the values (embedDim by default). */
  readonly vdim?: number;
  /** Learn a key and a value (`bias_k`, `bias_v`, `[1, 1, E]`) appended to every sequence's keys and values (PyTorch's `add_bias_kv`). */
  readonly addBiasKV?: boolean;
  /** Append a key and a value of zeros (after the projections and `bias_k`/`bias_v`), as PyTorch's `add_zero_attn`. */
  readonly addZeroAttn?: boolean;
}

/**
 * Options of {@link MultiheadAttention.forward}. Masks follow PyTorch's
 * `MultiheadAttention`: in a bool mask **true means blocked**; a float mask
 * is added to the scores.
 *
 * @example
 * ```ts
 * mha.forward(x, x, x, { keyPaddingMask: padded, needWeights: false });
 * ```
 */
export interface MultiheadAttentionForwardOptions {
  /** `[N, S]` (or `[S]` unbatched): keys to ignore (true) per batch element. */
  readonly keyPaddingMask?: Tensor | null;
  /** `[L, S]` or `[N·numHeads, L, S]`: positions a query may not attend to (true). */
  readonly attnMask?: Tensor | null;
  /** Return the attention weights (true by default). */
  readonly needWeights?: boolean;
  /** Average the returned weights over heads (true by default); otherwise `[N, numHeads, L, S]`. */
  readonly averageAttnWeights?: boolean;
  /** Each query attends only to keys at or before its position (when no attnMask is given). */
  readonly isCausal?: boolean;
}

/**
 * Multi-head attention as PyTorch's `MultiheadAttention`: queries, keys and
 * values are projected (one packed `in_proj_weight` `[3E, E]` when keys and
 * values have embedDim features, else `q_proj_weight`, `k_proj_weight`,
 * `v_proj_weight`), split into `numHeads` heads, attended with scaled dot
 * products, and merged by `out_proj`. `forward` returns the output and the
 * attention weights (averaged over heads by default). `addBiasKV` and
 * `addZeroAttn` append one learnt and one zero key/value position to every
 * sequence, which every query may attend to (masks are widened to match),
 * so the weights have `S + 1` or `S + 2` columns, as PyTorch's.
 *
 * @example
 * ```ts
 * const mha = new MultiheadAttention(16, 4, { batchFirst: true });
 * const x = randn([2, 5, 16]);
 * const [out, weights] = mha.forward(x, x, x); // [2, 5, 16], [2, 5, 5]
 * const extended = new MultiheadAttention(16, 4, { batchFirst: true, addBiasKV: true, addZeroAttn: true });
 * extended.forward(x, x, x)[1]!.shape; // [2, 5, 7]: two more key positions
 * ```
 */
export class MultiheadAttention extends Module<[Tensor, Tensor, Tensor, MultiheadAttentionForwardOptions?], [Tensor, Tensor | null]> {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly batchFirst: boolean;
  readonly dropout: number;
  /** `[3E, E]` when keys and values have E features, else null. */
  in_proj_weight: Parameter | null;
  /** Separate projections when kdim or vdim differ from E, else null. */
  q_proj_weight: Parameter | null;
  k_proj_weight: Parameter | null;
  v_proj_weight: Parameter | null;
  /** `[3E]`, or null without bias. */
  in_proj_bias: Parameter | null;
  /** `[1, 1, E]`: the key appended to every sequence (with `addBiasKV`), else null. */
  bias_k: Parameter | null;
  /** `[1, 1, E]`: the value appended to every sequence (with `addBiasKV`), else null. */
  bias_v: Parameter | null;
  readonly addZeroAttn: boolean;
  readonly out_proj: Linear;
  /** The source of the dropout masks. */
  generator: Generator | undefined;

  constructor(embedDim: number, numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    checkOptions('MultiheadAttention', options, nnOptionRules.MultiheadAttention);
    if (!Number.isInteger(embedDim) || embedDim < 1 || !Number.isInteger(numHeads) || numHeads < 1) {
      throw new TapegradError(`MultiheadAttention: embedDim and numHeads must be positive integers, got ${embedDim} and ${numHeads}`);
    }
    if (embedDim % numHeads !== 0) throw new TapegradError(`MultiheadAttention: embedDim ${embedDim} must be divisible by numHeads ${numHeads}`);
    const p = options.dropout ?? 0;
    if (!(p >= 0 && p <= 1)) throw new TapegradError(`MultiheadAttention: dropout must be in [0, 1], got ${p}`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = options.kdim ?? embedDim;
    this.vdim = options.vdim ?? embedDim;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = p;
    this.generator = options.generator;
    const dtype = options.dtype ?? 'float32';
    const bias = options.bias ?? true;
    const packed = this.kdim === embedDim && this.vdim === embedDim;
    this.in_proj_weight = packed ? parameter(zeros([3 * embedDim, embedDim], { dtype })) : null;
    this.q_proj_weight = packed ? null : parameter(zeros([embedDim, embedDim], { dtype }));
    this.k_proj_weight = packed ? null : parameter(zeros([embedDim, this.kdim], { dtype }));
    this.v_proj_weight = packed ? null : parameter(zeros([embedDim, this.vdim], { dtype }));
    this.in_proj_bias = bias ? parameter(zeros([3 * embedDim], { dtype })) : null;
    const biasKV = options.addBiasKV ?? false;
    this.bias_k = biasKV ? parameter(zeros([1, 1, embedDim], { dtype })) : null;
    this.bias_v = biasKV ? parameter(zeros([1, 1, embedDim], { dtype })) : null;
    this.addZeroAttn = options.addZeroAttn ?? false;
    this.out_proj = new Linear(embedDim, embedDim, { bias, dtype, generator: options.generator });
    this.resetParameters(generatorOf(options));
  }

  /**
   * Draws new initial values as PyTorch: Xavier uniform projections, zero
   * biases, Xavier normal `bias_k` and `bias_v`, and `out_proj`'s weight as a
   * Linear layer's.
   *
   * @example
   * ```ts
   * mha.resetParameters({ generator: new Generator(1) });
   * ```
   */
  resetParameters(options: Pick<LayerOptions, 'generator'> = {}): void {
    checkOptions('resetParameters', options, nnOptionRules.resetParameters);
    for (const w of [this.in_proj_weight, this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) {
      if (w !== null) xavierUniform_(w, options);
    }
    if (this.in_proj_bias !== null) constant_(this.in_proj_bias, 0);
    if (this.out_proj.bias !== null) constant_(this.out_proj.bias, 0);
    for (const b of [this.bias_k, this.bias_v]) {
      if (b !== null) xavierNormal_(b, options);
    }
  }

  /**
   * Attends `query` to `key`/`value`: `[L, N, E]`, `[S, N, kdim]`,
   * `[S, N, vdim]` (batch first: `[N, L, E]`…; unbatched: `[L, E]`…).
   * Returns the output, shaped as the query, and the attention weights
   * `[N, L, S]` (`S + 1` or `S + 2` columns with `addBiasKV` or
   * `addZeroAttn`; null when `needWeights` is false).
   *
   * @example
   * ```ts
   * const [out, weights] = mha.forward(q, k, v, { keyPaddingMask, attnMask });
   * ```
   */
  forward(query: Tensor, key: Tensor, value: Tensor, options: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    checkOptions('MultiheadAttention.forward', options, nnOptionRules.multiheadAttentionForward);
    const op = 'MultiheadAttention';
    const unbatched = query.ndim === 2;
    if ((query.ndim !== 3 && !unbatched) || key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new ShapeError(`${op}: query, key and value must all be 3-D (or all 2-D unbatched), got ${fmt(query.shape)}, ${fmt(key.shape)} and ${fmt(value.shape)}`);
    }
    const toBatchFirst = (t: Tensor): Tensor => (unbatched ? t.unsqueeze(0) : this.batchFirst ? t : t.transpose(0, 1));
    const q = toBatchFirst(query);
    const k = toBatchFirst(key);
    const v = toBatchFirst(value);
    const [n, l, e] = q.shape as [number, number, number];
    const s = k.shape[1]!;
    if (e !== this.embedDim || k.shape[2] !== this.kdim || v.shape[2] !== this.vdim) {
      throw new ShapeError(`${op}: expected query, key and value features ${this.embedDim}, ${this.kdim} and ${this.vdim}, got shapes ${fmt(query.shape)}, ${fmt(key.shape)} and ${fmt(value.shape)}`);
    }
    if (k.shape[0] !== n || v.shape[0] !== n || v.shape[1] !== s) {
      throw new ShapeError(`${op}: batch and source sizes of query ${fmt(query.shape)}, key ${fmt(key.shape)} and value ${fmt(value.shape)} do not agree`);
    }
    const [wq, wk, wv] = this.in_proj_weight !== null ? this.in_proj_weight.chunk(3, 0) : [this.q_proj_weight!, this.k_proj_weight!, this.v_proj_weight!];
    const biases = this.in_proj_bias?.chunk(3, 0) ?? [null, null, null];
    const project = (x: Tensor, w: Tensor, b: Tensor | null): Tensor => {
      const y = x.matmul(w.mT);
      return b === null ? y : y.add(b);
    };
    const heads = (x: Tensor): Tensor => x.reshape([n, x.shape[1]!, this.numHeads, this.headDim]).transpose(1, 2);
    let kp = project(k, wk!, biases[1]!);
    let vp = project(v, wv!, biases[2]!);
    let mask = this.mask(options, n, l, s, unbatched, q.dtype);
    let isCausal = (options.isCausal ?? false) && (options.attnMask ?? null) === null;
    const extra = (this.bias_k === null ? 0 : 1) + (this.addZeroAttn ? 1 : 0);
    if (isCausal && (mask !== null || extra > 0)) {
      // Combined with a key padding mask, or widened for the appended positions
      // (open to every query): the causal mask is spelled out.
      const causal = blockedToAdditive(arange(s, { dtype: 'int32', device: q.device }).gt(arange(l, { dtype: 'int32', device: q.device }).unsqueeze(1)), q.dtype);
      mask = mask === null ? causal : mask.add(causal);
      isCausal = false;
    }
    if (this.bias_k !== null && this.bias_v !== null) {
      kp = cat([kp, this.bias_k.expand([n, 1, this.embedDim])], 1);
      vp = cat([vp, this.bias_v.expand([n, 1, this.embedDim])], 1);
    }
    let kh = heads(kp);
    let vh = heads(vp);
    if (this.addZeroAttn) {
      const zero = zeros([n, this.numHeads, 1, this.headDim], { dtype: kh.dtype, device: kh.device });
      kh = cat([kh, zero], 2);
      vh = cat([vh, zero], 2);
    }
    // A widened mask lets every query see the appended positions (0 is added to their scores).
    if (mask !== null && extra > 0) mask = mask.pad([0, extra]);
    const weights = attentionWeights(heads(project(q, wq!, biases[0]!)), kh, {
      attnMask: mask,
      isCausal,
      dropoutP: this.training ? this.dropout : 0,
      generator: this.generator,
    });
    const merged = weights.matmul(vh).transpose(1, 2).reshape([n, l, this.embedDim]);
    const out = this.out_proj.forward(merged);
    const shaped = unbatched ? out.squeeze(0) : this.batchFirst ? out : out.transpose(0, 1);
    if (!(options.needWeights ?? true)) return [shaped, null];
    const w = (options.averageAttnWeights ?? true) ? weights.mean(1) : weights;
    return [shaped, unbatched ? w.squeeze(0) : w];
  }

  /** The additive float mask `[N or 1, numHeads or 1, L, S]` combining attnMask and keyPaddingMask, or null. */
  private mask(options: MultiheadAttentionForwardOptions, n: number, l: number, s: number, unbatched: boolean, dtype: Tensor['dtype']): Tensor | null {
    const op = 'MultiheadAttention';
    const additive = (m: Tensor): Tensor => (m.dtype === 'bool' ? blockedToAdditive(m, dtype) : m.to(dtype));
    let mask: Tensor | null = null;
    const attn = options.attnMask ?? null;
    if (attn !== null) {
      if (attn.ndim === 2 && attn.shape[0] === l && attn.shape[1] === s) mask = additive(attn);
      else if (attn.ndim === 3 && attn.shape[0] === n * this.numHeads && attn.shape[1] === l && attn.shape[2] === s) {
        mask = additive(attn).reshape([n, this.numHeads, l, s]);
      } else {
        throw new ShapeError(`${op}: attnMask must be [${l}, ${s}] or [${n * this.numHeads}, ${l}, ${s}] (batch × heads), got ${fmt(attn.shape)}`);
      }
    }
    const padding = options.keyPaddingMask ?? null;
    if (padding !== null) {
      const expected = unbatched ? [s] : [n, s];
      if (padding.ndim !== expected.length || padding.shape.some((x, i) => x !== expected[i])) {
        throw new ShapeError(`${op}: keyPaddingMask must be ${fmt(expected)}, got ${fmt(padding.shape)}`);
      }
      const kpm = additive(padding).reshape([n, 1, 1, s]);
      mask = mask === null ? kpm : mask.add(kpm);
    }
    return mask;
  }

  override extraRepr(): string {
    const extras = `${this.bias_k === null ? '' : ', addBiasKV=true'}${this.addZeroAttn ? ', addZeroAttn=true' : ''}`;
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}, batchFirst=${this.batchFirst}, dropout=${this.dropout}${extras}`;
  }
}
