// Every optimizer minimises a quadratic and the Rosenbrock function from a
// fixed start, with hyperparameters chosen for each. Gradients come from
// tapegrad's own backward pass (float64).
import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@tapegrad/core';
import { Adagrad, Adam, AdamW, GD, Lion, RMSprop, SGD, type Optimizer } from '@tapegrad/optim';

/** (x − 3)² + 10·(y + 1)², minimum at (3, −1). */
const quadratic = (x: Tensor, y: Tensor): Tensor => x.sub(3).square().add(y.add(1).square().mul(10)).sum();
/** (1 − x)² + 100·(y − x²)², minimum at (1, 1). */
const rosenbrock = (x: Tensor, y: Tensor): Tensor => x.neg().add(1).square().add(y.sub(x.square()).square().mul(100)).sum();

interface Case {
  readonly name: string;
  readonly make: (params: Tensor[]) => Optimizer;
  readonly quadSteps: number;
  readonly rosenSteps: number;
  /** Distance to the minimum that must be reached. */
  readonly quadTol: number;
  readonly rosenTol: number;
}

// Lion moves every coordinate by ±lr each step, so it cannot settle closer than about lr.
const cases: Case[] = [
  { name: 'GD', make: (p) => new GD(p, { lr: 1e-3 }), quadSteps: 6000, rosenSteps: 15000, quadTol: 1e-4, rosenTol: 1e-2 },
  { name: 'SGD momentum', make: (p) => new SGD(p, { lr: 1e-3, momentum: 0.9 }), quadSteps: 1000, rosenSteps: 3000, quadTol: 1e-4, rosenTol: 1e-2 },
  { name: 'SGD Nesterov', make: (p) => new SGD(p, { lr: 1e-3, momentum: 0.9, nesterov: true }), quadSteps: 1000, rosenSteps: 3000, quadTol: 1e-4, rosenTol: 1e-2 },
  { name: 'Adam', make: (p) => new Adam(p, { lr: 0.02 }), quadSteps: 1500, rosenSteps: 4000, quadTol: 1e-4, rosenTol: 1e-2 },
  { name: 'Adam amsgrad', make: (p) => new Adam(p, { lr: 0.02, amsgrad: true }), quadSteps: 1500, rosenSteps: 8000, quadTol: 1e-4, rosenTol: 1e-2 },
  { name: 'AdamW (no decay, so the minimum is unmoved)', make: (p) => new AdamW(p, { lr: 0.02, weightDecay: 0 }), quadSteps: 1500, rosenSteps: 4000, quadTol: 1e-4, rosenTol: 1e-2 },
  { name: 'RMSprop momentum', make: (p) => new RMSprop(p, { lr: 1e-4, momentum: 0.9 }), quadSteps: 5000, rosenSteps: 5000, quadTol: 1e-4, rosenTol: 1e-2 },
  { name: 'RMSprop centered', make: (p) => new RMSprop(p, { lr: 1e-3, centered: true, momentum: 0.5 }), quadSteps: 2000, rosenSteps: 5000, quadTol: 1e-4, rosenTol: 1e-2 },
  { name: 'Adagrad', make: (p) => new Adagrad(p, { lr: 0.3 }), quadSteps: 1000, rosenSteps: 8000, quadTol: 1e-4, rosenTol: 1e-2 },
  { name: 'Lion', make: (p) => new Lion(p, { lr: 1e-3 }), quadSteps: 4000, rosenSteps: 4000, quadTol: 2e-3, rosenTol: 2e-3 },
];

function minimise(c: Case, f: (x: Tensor, y: Tensor) => Tensor, start: [number, number], steps: number): [number, number] {
  const x = tensor([start[0]], { dtype: 'float64', requiresGrad: true });
  const y = tensor([start[1]], { dtype: 'float64', requiresGrad: true });
  const opt = c.make([x, y]);
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    f(x, y).backward();
    opt.step();
  }
  return [x.item(), y.item()];
}

describe.each(cases)('$name', (c) => {
  it(`minimises the quadratic from (0, 0) to within ${c.quadTol} of (3, −1)`, () => {
    const [x, y] = minimise(c, quadratic, [0, 0], c.quadSteps);
    expect(Math.hypot(x - 3, y + 1)).toBeLessThan(c.quadTol);
  });

  it(`minimises Rosenbrock from (−1.2, 1) to within ${c.rosenTol} of (1, 1)`, () => {
    const [x, y] = minimise(c, rosenbrock, [-1.2, 1], c.rosenSteps);
    expect(Math.hypot(x - 1, y - 1)).toBeLessThan(c.rosenTol);
  });
});
