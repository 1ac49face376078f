/**
 * The whole idea of tapegrad in one file: a two-layer network trained first
 * by hand with raw tensor ops, then again with `@tapegrad/nn` and
 * `@tapegrad/optim`. Both learn to tell three interleaved spirals apart.
 *
 * Run it: `pnpm --filter @tapegrad/examples walkthrough`
 */
import { pathToFileURL } from 'node:url';
import { Generator, matmul, noGrad, randn, tensor, zeros, type Tensor } from '@tapegrad/core';
import { crossEntropy, Linear, Sequential, softmax, Tanh } from '@tapegrad/nn';
import { GD } from '@tapegrad/optim';

/** Three spiral arms of `perArm` noisy 2-D points, labelled 0, 1, 2. */
export function spirals(perArm: number, seed = 0): { x: Tensor; y: Tensor } {
  const noise = randn([3 * perArm, 2], { generator: new Generator(seed) }).mul(0.08).toArray() as number[][];
  const points: number[][] = [];
  const labels: number[] = [];
  for (let arm = 0; arm < 3; arm++) {
    for (let i = 0; i < perArm; i++) {
      const r = (i + 1) / perArm;
      const angle = (arm * 2 * Math.PI) / 3 + r * 3;
      const [nx, ny] = noise[arm * perArm + i]!;
      points.push([r * Math.cos(angle) + nx!, r * Math.sin(angle) + ny!]);
      labels.push(arm);
    }
  }
  return { x: tensor(points), y: tensor(labels, { dtype: 'int32' }) };
}

/** Share of rows of `logits` whose largest entry is at the label. */
export function accuracy(logits: Tensor, y: Tensor): number {
  return logits.argmax(1).eq(y).float().mean().item();
}

/** What each half of the walkthrough reports. */
export interface RunResult {
  readonly firstLoss: number;
  readonly lastLoss: number;
  readonly accuracy: number;
}

/** Part 1: every move by hand. */
export function byHand(steps: number, seed = 0): RunResult {
  const { x, y } = spirals(100, seed);
  const g = new Generator(seed + 1);
  // Parameters are plain tensors that require grad.
  const w1 = randn([2, 32], { generator: g }).mul(0.5).requiresGrad_();
  const b1 = zeros([32]).requiresGrad_();
  const w2 = randn([32, 3], { generator: g }).mul(0.5).requiresGrad_();
  const b2 = zeros([3]).requiresGrad_();
  const lr = 0.5;
  let firstLoss = Number.NaN;
  let lastLoss = Number.NaN;
  let logits = zeros([1]);
  for (let step = 0; step < steps; step++) {
    // Forward: X·W1 + b1, an activation, X·W2 + b2, softmax, the loss.
    const h = matmul(x, w1).add(b1).tanh();
    logits = matmul(h, w2).add(b2);
    const probs = softmax(logits, 1);
    // Negative log-likelihood of the right class (crossEntropy does this in one stable op).
    const loss = probs.gather(1, y.unsqueeze(1)).log().mean().neg();
    // Backward: the tape is walked from the loss to every leaf that requires grad.
    loss.backward();
    // The gradient-descent step must not be recorded, so it runs under noGrad.
    noGrad(() => {
      for (const p of [w1, b1, w2, b2]) {
        p.sub_(p.grad!.mul(lr));
        p.grad = null; // gradients accumulate: clear them for the next step
      }
    });
    if (step === 0) firstLoss = loss.item();
    lastLoss = loss.item();
  }
  return { firstLoss, lastLoss, accuracy: noGrad(() => accuracy(logits, y)) };
}

/** Part 2: the same network and the same three moves with nn and optim. */
export function withModules(steps: number, seed = 0): RunResult {
  const { x, y } = spirals(100, seed);
  const generator = new Generator(seed + 1);
  const model = new Sequential(new Linear(2, 32, { generator }), new Tanh(), new Linear(32, 3, { generator }));
  const optimizer = new GD(model.parameters(), { lr: 0.5 });
  let firstLoss = Number.NaN;
  let lastLoss = Number.NaN;
  for (let step = 0; step < steps; step++) {
    const loss = crossEntropy(model.forward(x), y);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    if (step === 0) firstLoss = loss.item();
    lastLoss = loss.item();
  }
  return { firstLoss, lastLoss, accuracy: noGrad(() => accuracy(model.forward(x), y)) };
}

function report(title: string, r: RunResult): string {
  return `${title}: loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}, training accuracy ${(r.accuracy * 100).toFixed(1)}%`;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const steps = Number(process.argv[2] ?? 1500);
  console.log(report('by hand          ', byHand(steps)));
  console.log(report('with nn and optim', withModules(steps)));
}
