// The worker's side: build a tiny two-layer network with @tapegrad/core, train it
// on three interleaved spirals and post the loss as it goes.
//
// Module workers do not see the page's import map, so the package is imported
// by URL: here the built package in this repository (run `npx pnpm@10.34.9 build`
// and serve the repository's root). With a bundler, write
// `import { ... } from '@tapegrad/core'` and let it resolve the package.
import { Generator, getBackend, getNumThreads, matmul, noGrad, randn, setNumThreads, tensor, zeros } from '../../packages/core/dist/index.js';

const STEPS = 1000;
const REPORT_EVERY = 100;

/** Three spiral arms of `perArm` noisy 2-D points, labelled 0, 1, 2. */
function spirals(perArm, generator) {
  const noise = randn([3 * perArm, 2], { generator }).mul(0.08).toArray();
  const points = [];
  const labels = [];
  for (let arm = 0; arm < 3; arm++) {
    for (let i = 0; i < perArm; i++) {
      const r = (i + 1) / perArm;
      const angle = (arm * 2 * Math.PI) / 3 + r * 3;
      const [nx, ny] = noise[arm * perArm + i];
      points.push([r * Math.cos(angle) + nx, r * Math.sin(angle) + ny]);
      labels.push(arm);
    }
  }
  return { x: tensor(points), y: tensor(labels, { dtype: 'int32' }) };
}

async function train() {
  // Threads need a cross-origin isolated page (COOP/COEP); without, one thread.
  if (crossOriginIsolated) {
    await setNumThreads({
      threads: Math.min(2, navigator.hardwareConcurrency),
      spawn: (src) => new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' }))),
    });
  }
  postMessage({ type: 'started', backend: getBackend().name, threads: getNumThreads(), isolated: crossOriginIsolated });

  const generator = new Generator(0);
  const { x, y } = spirals(100, generator);
  const w1 = randn([2, 64], { generator }).mul(0.5).requiresGrad_();
  const b1 = zeros([64]).requiresGrad_();
  const w2 = randn([64, 3], { generator }).mul(0.5).requiresGrad_();
  const b2 = zeros([3]).requiresGrad_();
  const params = [w1, b1, w2, b2];
  const lr = 0.5;
  const start = performance.now();
  let logits;
  for (let step = 1; step <= STEPS; step++) {
    logits = matmul(matmul(x, w1).add(b1).tanh(), w2).add(b2);
    // Cross-entropy: log Σ exp(logits) minus the logit of the right class.
    const loss = logits.logsumexp(1).sub(logits.gather(1, y.unsqueeze(1)).squeeze(1)).mean();
    loss.backward();
    noGrad(() => {
      for (const p of params) {
        p.sub_(p.grad.mul(lr));
        p.grad = null;
      }
    });
    if (step % REPORT_EVERY === 0) postMessage({ type: 'progress', step, steps: STEPS, loss: await loss.itemAsync() });
  }
  const accuracy = await noGrad(() => logits.argmax(1).eq(y).float().mean()).itemAsync();
  postMessage({ type: 'done', accuracy, ms: performance.now() - start, backend: getBackend().name, threads: getNumThreads(), isolated: crossOriginIsolated });
}

train().catch((e) => postMessage({ type: 'error', message: String(e?.stack ?? e) }));
