import { checkOptions } from '@tapegrad/core';
import { nnOptionRules } from '../option-rules.js';
import { ShapeError, TapegradError, noGrad, type Tensor } from '@tapegrad/core';

const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/**
 * Options of {@link batchNorm}.
 *
 * @example
 * ```ts
 * batchNorm(x, runningMean, runningVar, { training: true, momentum: 0.1 });
 * ```
 */
export interface BatchNormOptions {
  /** Per-channel scale `[C]`. */
  readonly weight?: Tensor | null;
  /** Per-channel shift `[C]`. */
  readonly bias?: Tensor | null;
  /** Normalise with the batch's statistics (and update the running ones) rather than the running ones. False by default, as PyTorch. */
  readonly training?: boolean;
  /** Weight of the new batch in the running averages: `running = (1 − m)·running + m·batch`. */
  readonly momentum?: number;
  readonly eps?: number;
}

/**
 * Batch normalisation of `[N, C, ...]` per channel `C`. When training, each
 * channel is normalised with the mean and biased variance of the batch, and
 * the running mean and the unbiased variance (when given) are updated in
 * place, as PyTorch; otherwise the running statistics are used.
 *
 * @example
 * ```ts
 * const mean = zeros([3]);
 * const variance = ones([3]);
 * batchNorm(randn([8, 3]), mean, variance, { training: true }); // updates mean and variance
 * ```
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, options: BatchNormOptions = {}): Tensor {
  checkOptions('batchNorm', options, nnOptionRules.batchNorm);
  const op = 'batchNorm';
  if (x.ndim < 2) throw new ShapeError(`${op}: expected input of shape [N, C, ...], got ${fmt(x.shape)}`);
  const c = x.shape[1]!;
  const stats: [string, Tensor | null | undefined][] = [['runningMean', runningMean], ['runningVar', runningVar], ['weight', options.weight], ['bias', options.bias]];
  for (const [name, t] of stats) {
    if (t !== null && t !== undefined && (t.ndim !== 1 || t.shape[0] !== c)) {
      throw new ShapeError(`${op}: ${name} of shape ${fmt(t.shape)} must be [${c}] for input of shape ${fmt(x.shape)}`);
    }
  }
  const eps = options.eps ?? 1e-5;
  const perChannel = [c, ...x.shape.slice(2).map(() => 1)];
  let mean: Tensor;
  let variance: Tensor;
  if (options.training ?? false) {
    const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const n = x.numel / c;
    if (n <= 1) throw new ShapeError(`${op}: expected more than 1 value per channel when training, got input of shape ${fmt(x.shape)}`);
    mean = x.mean(dims);
    variance = x.var(dims, { correction: 0 });
    const m = options.momentum ?? 0.1;
    const batchMean = mean;
    const batchVar = variance;
    noGrad(() => {
      runningMean?.mul_(1 - m).add_(batchMean.detach(), m);
      runningVar?.mul_(1 - m).add_(batchVar.detach().mul(n / (n - 1)), m);
    });
  } else {
    if (runningMean === null || runningVar === null) {
      throw new TapegradError(`${op}: running statistics are needed when not training; pass them or set training: true`);
    }
    mean = runningMean;
    variance = runningVar;
  }
  let y = x.sub(mean.reshape(perChannel)).mul(variance.add(eps).rsqrt().reshape(perChannel));
  if (options.weight !== null && options.weight !== undefined) y = y.mul(options.weight.reshape(perChannel));
  if (options.bias !== null && options.bias !== undefined) y = y.add(options.bias.reshape(perChannel));
  return y;
}
