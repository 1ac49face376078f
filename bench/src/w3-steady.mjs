// node bench/src/w3-steady.mjs (after `npx pnpm@10.34.9 build`): W3 as a
// long-running loop sees it, with no forced collection and no other library
// in between: ten warm-up steps, then 40 timed one by one; prints the 25th,
// 50th and 90th percentiles of forward alone and of forward + backward.
import * as tg from '@tapegrad/core';

const n = 1_000_000;
const a = tg.rand([n], { generator: new tg.Generator(5) }).requiresGrad_();
const b = tg.rand([n], { generator: new tg.Generator(6) });
const c = tg.rand([n], { generator: new tg.Generator(7) });
const forward = () => tg.noGrad(() => a.mul(b).add(c).exp().mul(0.5).sum().item());
const both = () => {
  a.mul(b).add(c).exp().mul(0.5).sum().backward();
  const g = a.grad.realize();
  a.grad = null;
  return g;
};
for (const [name, step] of [['fwd', forward], ['fwd+bwd', both]]) {
  for (let i = 0; i < 10; i++) step();
  const ms = [];
  for (let i = 0; i < 40; i++) {
    const t = performance.now();
    step();
    ms.push(performance.now() - t);
  }
  ms.sort((x, y) => x - y);
  console.log(`W3 ${name}: p25 ${ms[10].toFixed(2)} ms, median ${ms[20].toFixed(2)} ms, p90 ${ms[36].toFixed(2)} ms`);
}
