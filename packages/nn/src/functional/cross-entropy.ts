import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { DTypeError, allExamples, canReadSync, IndexError, ShapeError, TapegradError, type Tensor, type TensorLike } from '@tapegrad/core';
import { logSoftmax } from './softmax.js';
import { checkSameShape, fmt, isFloatTensor, type Reduction } from './reduction.js';

/**
 * Options of {@link nllLoss}: per-class weights (a 1-D tensor of length C),
 * a target value whose positions are skipped, and the reduction.
 *
 * @example
 * ```ts
 * nllLoss(logp, target, { weight: tensor([1, 2, 1]), ignoreIndex: -1 });
 * ```
 */
export interface NllLossOptions {
  readonly weight?: Tensor | undefined;
  readonly ignoreIndex?: number;
  readonly reduction?: Reduction;
}

/**
 * Options of {@link crossEntropy}: those of {@link nllLoss} and label smoothing ε in [0, 1].
 *
 * @example
 * ```ts
 * crossEntropy(logits, target, { labelSmoothing: 0.1 });
 * ```
 */
export interface CrossEntropyOptions extends NllLossOptions {
  readonly labelSmoothing?: number;
}

/** The class dim: 0 for an unbatched `[C]` input, else 1 (`[N, C, d1, …]`). */
function classDim(op: string, input: Tensor): number {
  if (input.ndim === 0) throw new ShapeError(`${op}: input must have a class dim ([C], [N, C] or [N, C, d1, …]), got a 0-d tensor`);
  return input.ndim === 1 ? 0 : 1;
}

/** Moves the class dim last and flattens the rest: `[M, C]`. */
function classesLast(input: Tensor, dim: number): Tensor {
  const c = input.shape[dim]!;
  if (input.ndim <= 2) return input.reshape([-1, c]);
  const order = [0, ...input.shape.map((_, i) => i).slice(2), 1];
  return input.permute(order).reshape([-1, c]);
}

function checkWeight(op: string, weight: Tensor | undefined, classes: number): void {
  if (weight === undefined) return;
  if (!isFloatTensor(weight)) throw new DTypeError(`${op}: weight must be a float tensor, got ${weight.dtype}`);
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new ShapeError(`${op}: weight of shape ${fmt(weight.shape)} must be 1-D with one entry per class (${classes})`);
  }
}

/** Checks an index target: int32, the input's shape without the class dim, values in range or ignored. */
function checkIndexTarget(op: string, input: Tensor, target: Tensor, dim: number, ignoreIndex: number): void {
  if (target.dtype !== 'int32') {
    throw new DTypeError(`${op}: class-index target must be int32, got ${target.dtype}${isFloatTensor(target) ? ` (a float target must have the input's shape ${fmt(input.shape)} to be read as class probabilities)` : ''}`);
  }
  const expected = input.shape.filter((_, i) => i !== dim);
  if (target.ndim !== expected.length || target.shape.some((s, i) => s !== expected[i])) {
    throw new ShapeError(`${op}: target of shape ${fmt(target.shape)} does not fit input of shape ${fmt(input.shape)}: expected a class-index target of shape ${fmt(expected)}`);
  }
  // On a GPU the targets cannot be read here: the check is skipped (an
  // out-of-range class then picks a NaN).
  if (!canReadSync(target)) return;
  const classes = input.shape[dim]!;
  // Inside vmap, the targets of every example.
  const values = allExamples(target).data;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== ignoreIndex && (v < 0 || v >= classes)) {
      throw new IndexError(`${op}: target value ${v} at position ${i} is out of range for ${classes} classes (expected 0..${classes - 1}${Number.isFinite(ignoreIndex) ? ` or ignoreIndex ${ignoreIndex}` : ''})`);
    }
  }
}

interface Picked {
  /** Per-position `−w[t]·logp[t]`, flat, zero where ignored. */
  readonly loss: Tensor;
  /** Per-position `w[t]`, flat, zero where ignored. */
  readonly weights: Tensor;
  /** Kept positions (flat, bool). */
  readonly keep: Tensor;
  /** Flat target with ignored positions replaced by class 0. */
  readonly safe: Tensor;
  /** `[M, C]` log-probabilities. */
  readonly flat: Tensor;
}

function pick(logp: Tensor, dim: number, target: Tensor, weight: Tensor | undefined, ignoreIndex: number): Picked {
  const flat = classesLast(logp, dim);
  const t = target.reshape([-1]);
  const keep = t.ne(ignoreIndex);
  const safe = t.where(keep, 0);
  const picked = flat.gather(1, safe.unsqueeze(1)).squeeze(1);
  const w = weight === undefined ? keep.to(logp.dtype) : weight.to(logp.dtype).indexSelect(0, safe).where(keep, 0);
  return { loss: picked.mul(w).neg(), weights: w, keep, safe, flat };
}

function finish(op: string, loss: Tensor, denominator: () => TensorLike, reduction: Reduction, shape: readonly number[]): Tensor {
  switch (reduction) {
    case 'none':
      return loss.reshape(shape);
    case 'sum':
      return loss.sum();
    case 'mean':
      return loss.sum().div(denominator());
    default:
      throw new TapegradError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
}

/**
 * Negative log-likelihood of class-index targets given log-probabilities:
 * `−w[t]·input[t]` per position, with positions whose target is `ignoreIndex`
 * left out. The weighted mean divides by the sum of the weights of the kept
 * targets, as PyTorch. Input `[C]`, `[N, C]` or `[N, C, d1, …]`; target int32
 * of the input's shape without the class dim.
 *
 * @example
 * ```ts
 * nllLoss(logSoftmax(logits, 1), tensor([0, 2], { dtype: 'int32' }));
 * ```
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  checkOptions('nllLoss', options, nnOptionRules.nllLoss);
  const op = 'nllLoss';
  if (!isFloatTensor(input)) throw new DTypeError(`${op}: input must be a float tensor of log-probabilities, got ${input.dtype}`);
  const dim = classDim(op, input);
  const ignoreIndex = options.ignoreIndex ?? -100;
  checkWeight(op, options.weight, input.shape[dim]!);
  checkIndexTarget(op, input, target, dim, ignoreIndex);
  const p = pick(input, dim, target, options.weight, ignoreIndex);
  return finish(op, p.loss, () => p.weights.sum(), options.reduction ?? 'mean', target.shape);
}

/**
 * Cross-entropy between logits and targets, through {@link logSoftmax} (stable
 * for any finite logits). Targets are either class indices (int32, the input's
 * shape without the class dim; `ignoreIndex` positions are skipped) or class
 * probabilities (float, the input's shape). Weighting, label smoothing and the
 * mean follow PyTorch exactly: for index targets the weighted mean divides by
 * the sum of the kept targets' weights, and smoothing mixes in
 * `ε/C · Σ_c −w_c·logp_c`; for probability targets smoothing replaces the
 * target by `(1−ε)·p + ε/C` and the mean divides by the number of positions.
 *
 * @example
 * ```ts
 * const logits = tensor([[2, 0, -1], [0.5, 1.5, 0]]);
 * crossEntropy(logits, tensor([0, 1], { dtype: 'int32' })).item();
 * crossEntropy(logits, softmax(otherLogits, 1)); // probability targets
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyOptions = {}): Tensor {
  checkOptions('crossEntropy', options, nnOptionRules.crossEntropy);
  const op = 'crossEntropy';
  if (!isFloatTensor(input)) throw new DTypeError(`${op}: input must be a float tensor of logits, got ${input.dtype}`);
  const dim = classDim(op, input);
  const classes = input.shape[dim]!;
  const eps = options.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1)) throw new TapegradError(`${op}: labelSmoothing must be in [0, 1], got ${eps}`);
  const weight = options.weight;
  checkWeight(op, weight, classes);
  const reduction = options.reduction ?? 'mean';

  if (isFloatTensor(target)) {
    // Class probabilities.
    checkSameShape(op, input, target);
    const logp = logSoftmax(input, dim);
    const p = eps > 0 ? target.mul(1 - eps).add(eps / classes) : target;
    let prod = logp.mul(p);
    if (weight !== undefined) prod = prod.mul(weight.to(input.dtype).reshape(input.shape.map((s, i) => (i === dim ? s : 1))));
    const loss = prod.sum(dim).neg();
    const positions = input.numel / Math.max(classes, 1);
    return finish(op, loss.reshape([-1]), () => positions, reduction, loss.shape);
  }

  // Class indices.
  const ignoreIndex = options.ignoreIndex ?? -100;
  checkIndexTarget(op, input, target, dim, ignoreIndex);
  // The classes moved last first ([M, C]; a view when they were last in
  // memory, as in logits.transpose(1, 2)): the log-softmax's max and sums then
  // run over contiguous rows, and pick needs this layout anyway.
  const picked = pick(logSoftmax(classesLast(input, dim), 1), 1, target, weight, ignoreIndex);
  const nll = finish(op, picked.loss, () => picked.weights.sum(), reduction, target.shape);
  if (eps === 0) return nll;
  // Smoothing term: −Σ_c w_c·logp_c per position, zero where ignored.
  const wl = weight === undefined ? picked.flat : picked.flat.mul(weight.to(input.dtype));
  const smooth = wl.sum(1).neg().where(picked.keep, 0);
  const smoothDenominator = (): TensorLike => (weight === undefined ? picked.keep.to(input.dtype).sum() : picked.weights.sum());
  const smoothReduced = finish(op, smooth, smoothDenominator, reduction, target.shape);
  return nll.mul(1 - eps).add(smoothReduced.mul(eps / classes));
}
