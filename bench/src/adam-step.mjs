// node --expose-gc bench/src/adam-step.mjs (after `pnpm build`)
// One Adam step over the W2 model's 535,818 float32 parameters, with the
// in-place ops @tapegrad/optim's adamStep uses and fixed gradients, on each
// backend: the cost of an optimizer update alone. gc() runs before each
// sample, as in main.mjs, so fresh arrays pay their page faults.
import * as tg from '@tapegrad/core';
import { median, now } from './timing.mjs';

const layers = [784, 512, 256, 10];
for (const backend of ['wasm', 'js']) {
  tg.setBackend(backend);
  const g = new tg.Generator(1);
  const params = [];
  for (let i = 0; i < 3; i++) params.push(tg.randn([layers[i], layers[i + 1]], { generator: g }).mul(0.1), tg.zeros([layers[i + 1]]));
  const grads = params.map((p) => tg.randn(p.shape, { generator: g }).mul(0.01));
  const m = params.map((p) => tg.zerosLike(p));
  const v = params.map((p) => tg.zerosLike(p));
  const [b1, b2, lr, eps] = [0.9, 0.999, 1e-3, 1e-8];
  let t = 0;
  const step = () =>
    tg.noGrad(() => {
      t++;
      params.forEach((p, i) => {
        m[i].lerp_(grads[i], 1 - b1);
        v[i].mul_(b2).addcmul_(grads[i], grads[i], 1 - b2);
        const denom = v[i].sqrt().div_(Math.sqrt(1 - b2 ** t)).add_(eps);
        p.addcdiv_(m[i], denom, -lr / (1 - b1 ** t));
      });
    });
  const samples = [];
  for (let i = 0; i < 45; i++) {
    globalThis.gc?.();
    const a = now();
    step();
    if (i >= 5) samples.push(now() - a);
  }
  const n = params.reduce((s, p) => s + p.numel, 0);
  console.log(`Adam step, ${n} parameters, ${backend}: ${median(samples).toFixed(2)} ms`);
}
