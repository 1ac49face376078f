// Training 10 steps, saving, restoring through JSON into fresh parameters and
// optimizer, and training 10 more gives exactly the 20-step result.
import { describe, expect, it } from 'vitest';
import { tensor, type DType, type Tensor } from '@tapegrad/core';
import {
  Adagrad,
  Adam,
  AdamW,
  Lion,
  RMSprop,
  SGD,
  StepLR,
  type Optimizer,
  type OptimizerStateDict,
  type SchedulerStateDict,
} from '@tapegrad/optim';


const loss = (w: Tensor, b: Tensor): Tensor => {
  // a Rosenbrock-like coupling of the two parameters, so that states differ per element
  const x = w.sum();
  return w.sub(tensor([1, -2, 0.5], { dtype: w.dtype })).square().sum().add(b.sub(x.square()).square().mul(3).sum());
};

function train(opt: Optimizer, w: Tensor, b: Tensor, steps: number, after?: () => void): void {
  for (let i = 0; i < steps; i++) {
    opt.zeroGrad();
    loss(w, b).backward();
    opt.step();
    after?.();
  }
}

const fresh = (dtype: DType, wv: readonly number[] = [0.3, -0.7, 1.1], bv: readonly number[] = [0.2, -0.4]): [Tensor, Tensor] => [
  tensor([...wv], { dtype, requiresGrad: true }),
  tensor([...bv], { dtype, requiresGrad: true }),
];

interface Case {
  readonly name: string;
  readonly dtype: DType;
  readonly make: (w: Tensor, b: Tensor) => Optimizer;
}

const cases: Case[] = [
  { name: 'SGD momentum (two groups)', dtype: 'float64', make: (w, b) => new SGD([{ params: [w], lr: 0.02 }, { params: [b] }], { lr: 0.01, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3 }) },
  { name: 'SGD Nesterov float32', dtype: 'float32', make: (w, b) => new SGD([w, b], { lr: 0.01, momentum: 0.9, nesterov: true }) },
  { name: 'Adam amsgrad', dtype: 'float64', make: (w, b) => new Adam([w, b], { lr: 0.05, amsgrad: true, weightDecay: 1e-2 }) },
  { name: 'Adam amsgrad float32', dtype: 'float32', make: (w, b) => new Adam([w, b], { lr: 0.05, amsgrad: true }) },
  { name: 'AdamW', dtype: 'float64', make: (w, b) => new AdamW([w, b], { lr: 0.05 }) },
  { name: 'RMSprop centered', dtype: 'float64', make: (w, b) => new RMSprop([w, b], { lr: 0.01, centered: true, momentum: 0.5, weightDecay: 1e-3 }) },
  { name: 'Adagrad', dtype: 'float64', make: (w, b) => new Adagrad([w, b], { lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 }) },
  { name: 'Lion', dtype: 'float64', make: (w, b) => new Lion([w, b], { lr: 0.01, weightDecay: 0.1 }) },
];

describe.each(cases)('$name', (c) => {
  it('10 steps, save, load into fresh objects, 10 more steps = 20 straight steps, exactly', () => {
    const [w, b] = fresh(c.dtype);
    train(c.make(w, b), w, b, 20);

    const [w1, b1] = fresh(c.dtype);
    const opt1 = c.make(w1, b1);
    train(opt1, w1, b1, 10);
    const saved = JSON.stringify({ opt: opt1.stateDict(), w: Array.from(w1.data), b: Array.from(b1.data) });

    const restored = JSON.parse(saved) as { opt: OptimizerStateDict; w: number[]; b: number[] };
    const [w2, b2] = fresh(c.dtype, restored.w, restored.b);
    const opt2 = c.make(w2, b2);
    opt2.loadStateDict(restored.opt);
    train(opt2, w2, b2, 10);

    expect(Array.from(w2.data)).toEqual(Array.from(w.data));
    expect(Array.from(b2.data)).toEqual(Array.from(b.data));
    // and the state really mattered: restarting without it lands elsewhere
    const [w3, b3] = fresh(c.dtype, restored.w, restored.b);
    train(c.make(w3, b3), w3, b3, 10);
    expect(Array.from(w3.data)).not.toEqual(Array.from(w.data));
  });
});

it('a scheduler resumes with its optimizer: lr and counters come back', () => {
  const run = (w: Tensor, b: Tensor, steps: number, opt: SGD, sched: StepLR): void => train(opt, w, b, steps, () => sched.step());
  const [w, b] = fresh('float64');
  const opt = new SGD([w, b], { lr: 0.05, momentum: 0.9 });
  run(w, b, 20, opt, new StepLR(opt, { stepSize: 4, gamma: 0.5 }));

  const [w1, b1] = fresh('float64');
  const opt1 = new SGD([w1, b1], { lr: 0.05, momentum: 0.9 });
  const sched1 = new StepLR(opt1, { stepSize: 4, gamma: 0.5 });
  run(w1, b1, 10, opt1, sched1);
  const saved = JSON.parse(JSON.stringify({ opt: opt1.stateDict(), sched: sched1.stateDict(), w: Array.from(w1.data), b: Array.from(b1.data) })) as {
    opt: OptimizerStateDict;
    sched: SchedulerStateDict;
    w: number[];
    b: number[];
  };
  const [w2, b2] = fresh('float64', saved.w, saved.b);
  const opt2 = new SGD([w2, b2], { lr: 0.05, momentum: 0.9 });
  opt2.loadStateDict(saved.opt);
  const sched2 = new StepLR(opt2, { stepSize: 4, gamma: 0.5 });
  sched2.loadStateDict(saved.sched);
  expect(opt2.paramGroups[0]!.lr).toBe(0.05 * 0.5 ** 2);
  expect(sched2.lastEpoch).toBe(10);
  run(w2, b2, 10, opt2, sched2);
  expect(Array.from(w2.data)).toEqual(Array.from(w.data));
  expect(Array.from(b2.data)).toEqual(Array.from(b.data));
  expect(opt2.paramGroups[0]!.lr).toBe(opt.paramGroups[0]!.lr);
});
