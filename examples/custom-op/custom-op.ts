/**
 * A custom differentiable op: `logCosh(x) = log(cosh(x))`, the smooth
 * absolute value behind the log-cosh loss. Its forward is computed in a
 * stable form; its backward is written by hand (`d log cosh x = tanh x`) in
 * tensor ops, so that second derivatives work too. `custom-op.test.ts`
 * checks both against finite differences with `gradcheck` and `gradgradcheck`.
 *
 * Run it: `pnpm --filter @tapegrad/examples custom-op`
 */
import { pathToFileURL } from 'node:url';
import { customOp, grad, linspace, type Tensor } from '@tapegrad/core';

/**
 * `log(cosh(x))`, elementwise. `cosh` overflows float32 past |x| ≈ 89, so the
 * forward uses `log cosh x = |x| + log1p(e^(−2|x|)) − log 2` instead.
 */
export const logCosh = customOp<[Tensor]>({
  name: 'logCosh',
  forward(ctx, x) {
    ctx.save(x);
    const a = x.abs();
    return a.add(a.mul(-2).exp().log1p()).sub(Math.LN2);
  },
  backward(ctx, g) {
    const [x] = ctx.saved;
    // d/dx log cosh x = tanh x
    return [g.mul(x!.tanh())];
  },
});

/** The mean log-cosh loss between a prediction and a target. */
export function logCoshLoss(prediction: Tensor, target: Tensor): Tensor {
  return logCosh(prediction.sub(target)).mean();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const x = linspace(-3, 3, 7);
  console.log('x               ', String(x));
  console.log('logCosh(x)      ', String(logCosh(x)));
  console.log("logCosh'(x)     ", String(grad((t: Tensor) => logCosh(t).sum())(x)));
  console.log('tanh(x)         ', String(x.tanh()));
  // Second derivative: differentiate the (summed) first derivative again; it is 1 − tanh²x.
  const d1 = grad((t: Tensor) => logCosh(t).sum());
  console.log("logCosh''(x)    ", String(grad((t: Tensor) => d1(t).sum())(x)));
  console.log('logCosh(1000)   ', logCosh(linspace(1000, 1000, 1)).item(), '(no overflow)');
}
