import { optionRules } from '@tapegrad/core';
import { checkOptionKeys } from './check.js';
import { DeviceError, canReadSync, div, noGrad, where, zeros, type Device, type Tensor } from '@tapegrad/core';
import { OptimError } from './optim-error.js';
import { paramList } from './param-list.js';

/**
 * Options of {@link clipGradNorm}.
 *
 * @example
 * ```ts
 * clipGradNorm(params, 1, 2, { errorIfNonfinite: true });
 * ```
 */
export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite (default false, as PyTorch). */
  readonly errorIfNonfinite?: boolean;
}

/**
 * Rescales the gradients of `params` in place so that their joint norm is at
 * most `maxNorm`, and returns the joint norm from before as a 0-d tensor (as
 * PyTorch's `clip_grad_norm_`): read it with `item()` on the CPU, or
 * `await norm.itemAsync()` on every device.
 *
 * ```text
 * total = ‖(‖g_1‖_p, …, ‖g_n‖_p)‖_p      (p = Infinity: the largest |g|)
 * g_i ← g_i · min(1, maxNorm / (total + 1e-6))
 * ```
 *
 * Nothing is read back to the host: the norm and the factor are tensors on
 * the gradients' device, and every gradient is multiplied by the factor
 * (by exactly 1, which changes no value, when the norm is within `maxNorm`).
 * The p-th powers are summed over `g / s`, `s` the largest |g|, so that no
 * finite gradient overflows or underflows the sum, in float32 too.
 * Parameters whose `.grad` is null are left out; with none, the norm is 0.
 * Gradients on one device are clipped there; gradients spread over devices
 * are refused where one of them is read only asynchronously (the GPU).
 *
 * @example
 * ```ts
 * loss.backward();
 * const norm = clipGradNorm(params, 1.0);
 * opt.step();
 * console.log(await norm.itemAsync());
 * ```
 */
export function clipGradNorm(params: Tensor | Iterable<Tensor>, maxNorm: number, normType = 2, options: ClipGradNormOptions = {}): Tensor {
  const who = 'clipGradNorm';
  checkOptionKeys(who, options, { errorIfNonfinite: optionRules.boolean });
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) throw new OptimError(`${who}: invalid maxNorm = ${String(maxNorm)}; expected a number >= 0`);
  if (typeof normType !== 'number' || !(normType > 0)) throw new OptimError(`${who}: invalid normType = ${String(normType)}; expected a number > 0 or Infinity`);
  const list = paramList(who, params);
  const grads = list.flatMap((p) => (p.grad === null ? [] : [p.grad]));
  if (grads.length === 0) return zeros([], list[0] === undefined ? {} : { device: list[0].device });
  const device = grads[0]!.device;
  const other = grads.find((g) => g.device !== device);
  // The factor is computed on one device and read on the others: a GPU's
  // could be read only asynchronously.
  if (other !== undefined && !grads.every(canReadSync)) {
    throw new DeviceError(
      `${who}: the gradients are on '${device}' and '${other.device}'; combining them would read a device that can only be read asynchronously. ` +
        `Keep the parameters on one device (model.to moves them all)`,
    );
  }
  if (options.errorIfNonfinite && !canReadSync(grads[0]!)) {
    throw new DeviceError(
      `${who}: errorIfNonfinite reads the total norm, but the gradients are on '${device}', which can only be read asynchronously; ` +
        `pass errorIfNonfinite: false and check the returned norm yourself (Number.isFinite(await norm.itemAsync()))`,
    );
  }
  return noGrad(() => {
    const total = totalNorm(grads, normType, device);
    if (options.errorIfNonfinite) {
      const value = total.item();
      if (!Number.isFinite(value)) throw new OptimError(`${who}: the total norm of order ${normType} of the gradients is ${value}; set errorIfNonfinite: false to scale anyway`);
    }
    // NOTE: clamp keeps a NaN factor, spreading the NaN of a NaN norm to every gradient as PyTorch does.
    const coef = div(maxNorm, total.add(1e-6)).clamp(undefined, 1);
    for (const g of grads) g.mul_(coef.device === g.device ? coef : coef.to(g.device));
    return total;
  });
}

/** The sum of `parts` (0-d tensors of any device) on `device`. */
function sumOn(parts: readonly Tensor[], device: Device, combine: (a: Tensor, b: Tensor) => Tensor): Tensor {
  return parts.map((t) => t.to(device)).reduce(combine);
}

/**
 * The joint p-norm of `grads` on `device`: `s·(Σ|g/s|^p)^(1/p)` with `s`
 * the largest |g| (the ∞-norm), so that the powers neither overflow nor
 * underflow; an infinite or NaN `s` is the norm itself.
 */
function totalNorm(grads: readonly Tensor[], p: number, device: Device): Tensor {
  const s = sumOn(grads.map((g) => g.abs().amax()), device, (a, b) => a.maximum(b));
  if (p === Infinity) return s;
  const finite = s.gt(0).and(s.lt(Infinity));
  const scale = where(finite, s, 1);
  const powers = grads.map((g) => {
    const r = g.div(scale.to(g.device)).abs();
    return (p === 2 ? r.square() : p === 1 ? r : r.pow(p)).sum();
  });
  const sum = sumOn(powers, device, (a, b) => a.add(b));
  const root = p === 2 ? sum.sqrt() : p === 1 ? sum : sum.pow(1 / p);
  return where(finite, root.mul(scale), s);
}
