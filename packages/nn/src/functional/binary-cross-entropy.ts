import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { DTypeError, TapegradError, allExamples, canReadSync, customOp, type Tensor } from '@tapegrad/core';
import { log1pExp } from './activations.js';
import { checkSameShape, isFloatTensor, reduce, type Reduction } from './reduction.js';

/**
 * Options of {@link binaryCrossEntropy}: a weight broadcast over the
 * per-element losses, and the reduction.
 *
 * @example
 * ```ts
 * binaryCrossEntropy(p, y, { weight: tensor([1, 2]) });
 * ```
 */
export interface BinaryCrossEntropyOptions {
  readonly weight?: Tensor | undefined;
  readonly reduction?: Reduction;
}

/**
 * Options of {@link binaryCrossEntropyWithLogits}: also `posWeight`, the weight
 * of positive examples, broadcast along the last (class) dim.
 *
 * @example
 * ```ts
 * binaryCrossEntropyWithLogits(logits, y, { posWeight: tensor([3]) });
 * ```
 */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  readonly posWeight?: Tensor | undefined;
}

const BCE_EPS = 1e-12;

// NOTE: log(0) = −inf would make 0·(−inf) = NaN; PyTorch clamps each log at −100.
const clampedLogs = (p: Tensor): [Tensor, Tensor] => [p.log().clamp(-100), p.neg().add(1).log().clamp(-100)];

/**
 * The per-element loss with PyTorch's gradient: `g·(p − y)/max((1 − p)·p, 1e-12)`
 * for the input (finite at p = 0 and 1, where the clamped logs are flat, and
 * not 0·∞ through a saturated sigmoid), and `g·(log(1 − p) − log p)`, logs
 * clamped, for the target.
 */
const elementwiseBce = customOp<[Tensor, Tensor]>({
  name: 'binaryCrossEntropy',
  forward: (ctx, p, y) => {
    ctx.save(p, y);
    const [logP, log1mP] = clampedLogs(p);
    return y.mul(logP).add(y.neg().add(1).mul(log1mP)).neg();
  },
  backward: (ctx, g) => {
    const [p, y] = ctx.saved as [Tensor, Tensor];
    const dp = ctx.needsInputGrad[0] ? g.mul(p.sub(y)).div(p.neg().add(1).mul(p).clamp(BCE_EPS)) : null;
    let dy: Tensor | null = null;
    if (ctx.needsInputGrad[1]) {
      const [logP, log1mP] = clampedLogs(p.detach());
      dy = g.mul(log1mP.sub(logP));
    }
    return [dp, dy];
  },
});

function check(op: string, input: Tensor, target: Tensor): void {
  if (!isFloatTensor(input)) throw new DTypeError(`${op}: input must be a float tensor, got ${input.dtype}`);
  if (!isFloatTensor(target)) throw new DTypeError(`${op}: target must be a float tensor of values in [0, 1], got ${target.dtype}`);
  checkSameShape(op, input, target);
}

/**
 * Binary cross-entropy of probabilities: `−w·(y·log x + (1−y)·log(1−x))`,
 * with each log clamped at −100 as PyTorch, so that x = 0 or 1 gives a finite
 * loss, and PyTorch's gradient `(x − y)/max((1 − x)·x, 1e-12)`, finite there
 * too (and for a saturated `sigmoid` feeding it). Input values must lie in [0, 1]; prefer
 * {@link binaryCrossEntropyWithLogits}, which is stable for any logits.
 *
 * @example
 * ```ts
 * binaryCrossEntropy(tensor([0.8, 0.3]), tensor([1, 0])).item(); // −(log 0.8 + log 0.7)/2
 * ```
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BinaryCrossEntropyOptions = {}): Tensor {
  checkOptions('binaryCrossEntropy', options, nnOptionRules.binaryCrossEntropy);
  const op = 'binaryCrossEntropy';
  check(op, input, target);
  // On a GPU the probabilities cannot be read here: the range check is skipped.
  if (canReadSync(input)) {
    // Inside vmap, the inputs of every example.
    const values = allExamples(input).data;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(v >= 0 && v <= 1)) throw new TapegradError(`${op}: input values must be probabilities in [0, 1], found ${v} at position ${i} (use binaryCrossEntropyWithLogits on logits)`);
    }
  }
  let loss = elementwiseBce(input, target);
  if (options.weight !== undefined) loss = loss.mul(options.weight);
  return reduce(op, loss, options.reduction ?? 'mean');
}

/**
 * Binary cross-entropy on logits, `σ` folded in stably:
 * `(1−y)·x + (1 + (posWeight−1)·y)·log(1 + e^−x)`, which without posWeight is
 * `max(x, 0) − x·y + log(1 + e^−|x|)`; then times `weight`.
 *
 * @example
 * ```ts
 * binaryCrossEntropyWithLogits(tensor([1000, -1000]), tensor([1, 0])).item(); // 0
 * ```
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  checkOptions('binaryCrossEntropyWithLogits', options, nnOptionRules.binaryCrossEntropyWithLogits);
  const op = 'binaryCrossEntropyWithLogits';
  check(op, input, target);
  // NOTE: log(1 + e^−x) through log1pExp, which never exponentiates a positive
  // number, rather than log(σ(x)) that underflows to log(0) for large |x|.
  const softplusNeg = log1pExp(input.neg());
  const oneMinusY = target.neg().add(1);
  let loss: Tensor;
  if (options.posWeight !== undefined) {
    const pw = options.posWeight;
    if (!isFloatTensor(pw)) throw new DTypeError(`${op}: posWeight must be a float tensor, got ${pw.dtype}`);
    const logWeight = pw.sub(1).mul(target).add(1);
    loss = oneMinusY.mul(input).add(logWeight.mul(softplusNeg));
  } else {
    loss = oneMinusY.mul(input).add(softplusNeg);
  }
  if (options.weight !== undefined) loss = loss.mul(options.weight);
  return reduce(op, loss, options.reduction ?? 'mean');
}
