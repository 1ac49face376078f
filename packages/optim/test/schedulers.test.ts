import { describe, expect, it } from 'vitest';
import {
  CosineAnnealingLR,
  ExponentialLR,
  LRScheduler,
  LambdaLR,
  LinearLR,
  MultiStepLR,
  OneCycleLR,
  OptimError,
  ReduceLROnPlateau,
  SGD,
  SequentialLR,
  StepLR,
  type SchedulerStateDict,
} from '@tapegrad/optim';
import { expectClose, param } from './helpers.js';

const sgd = (...lrs: number[]): SGD => new SGD(lrs.map((lr) => ({ params: [param([0])], lr })), { momentum: 0.9 });

/** The lr of group 0 at epochs 0..n−1: construction is epoch 0, each step the next. */
function lrs(opt: SGD, sched: { step(): void }, n: number, group = 0): number[] {
  const out = [opt.paramGroups[group]!.lr];
  for (let e = 1; e < n; e++) {
    sched.step();
    out.push(opt.paramGroups[group]!.lr);
  }
  return out;
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('construction', () => {
  it('sets initialLr on every group (keeping one already set) and steps to epoch 0', () => {
    const opt = sgd(0.1, 0.2);
    opt.paramGroups[1]!.initialLr = 0.4;
    const sched = new StepLR(opt, { stepSize: 2, gamma: 0.5 });
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 0.4]);
    expect(sched.lastEpoch).toBe(0);
    expect(sched.baseLrs).toEqual([0.1, 0.4]);
    expect(sched.getLastLr()).toEqual([0.1, 0.4]);
    expect(sched).toBeInstanceOf(LRScheduler);
  });

  it('resuming with lastEpoch needs initialLr on the groups', () => {
    expect(() => new ExponentialLR(sgd(0.1), { gamma: 0.9, lastEpoch: 4 })).toThrow(
      'ExponentialLR: initialLr is not set in paramGroups[0], which resuming with lastEpoch = 4 needs',
    );
    const opt = sgd(0.1);
    opt.paramGroups[0]!.initialLr = 1;
    const sched = new ExponentialLR(opt, { gamma: 0.5, lastEpoch: 4 });
    expect(sched.lastEpoch).toBe(5);
    expect(opt.paramGroups[0]!.lr).toBe(0.5 ** 5);
  });
});

describe('closed forms', () => {
  it('StepLR: lr = 0.1·0.5^⌊e/3⌋, per group', () => {
    const opt = sgd(0.1, 1);
    const sched = new StepLR(opt, { stepSize: 3, gamma: 0.5 });
    const seq = lrs(opt, sched, 10);
    expectClose(seq, range(10).map((e) => 0.1 * 0.5 ** Math.floor(e / 3)));
    expect(sched.getLastLr()[1]).toBeCloseTo(1 * 0.5 ** 3, 14);
  });

  it('MultiStepLR: lr = base·γ^(milestones ≤ e); a repeated milestone decays twice', () => {
    const opt = sgd(1);
    const seq = lrs(opt, new MultiStepLR(opt, { milestones: [2, 5, 5], gamma: 0.1 }), 8);
    expectClose(seq, [1, 1, 0.1, 0.1, 0.1, 0.001, 0.001, 0.001]);
  });

  it('ExponentialLR: lr = base·γ^e', () => {
    const opt = sgd(0.5);
    expectClose(lrs(opt, new ExponentialLR(opt, { gamma: 0.9 }), 6), range(6).map((e) => 0.5 * 0.9 ** e));
  });

  it('CosineAnnealingLR: η_min + (base − η_min)(1 + cos(πe/T))/2, rising again past T', () => {
    const opt = sgd(0.1);
    const seq = lrs(opt, new CosineAnnealingLR(opt, { tMax: 10, etaMin: 0.001 }), 14);
    expectClose(seq, range(14).map((e) => 0.001 + ((0.1 - 0.001) * (1 + Math.cos((Math.PI * e) / 10))) / 2));
    expect(seq[10]).toBeCloseTo(0.001, 15);
    expect(seq[5]).toBeCloseTo((0.1 + 0.001) / 2, 15);
    expect(seq[13]!).toBeGreaterThan(seq[10]!);
  });

  it('LinearLR: base·(s + (f − s)·min(e, T)/T)', () => {
    const opt = sgd(0.1);
    const seq = lrs(opt, new LinearLR(opt, { startFactor: 0.25, endFactor: 1, totalIters: 4 }), 7);
    expectClose(seq, [0.025, 0.04375, 0.0625, 0.08125, 0.1, 0.1, 0.1]);
    const opt2 = sgd(1);
    expectClose(lrs(opt2, new LinearLR(opt2), 7), [1 / 3, 1 / 3 + (2 / 3) / 5, 1 / 3 + (4 / 3) / 5, 1 / 3 + 2 / 5, 1 / 3 + (8 / 3) / 5, 1, 1]);
  });

  it('LambdaLR: base·λ(e), one function per group', () => {
    const opt = sgd(1, 2);
    const sched = new LambdaLR(opt, { lrLambda: [(e) => 1 / (1 + e), (e) => 0.5 ** e] });
    expectClose(lrs(opt, sched, 4), [1, 1 / 2, 1 / 3, 1 / 4]);
    expect(sched.getLastLr()[1]).toBe(2 * 0.125);
  });
});

describe('OneCycleLR', () => {
  // maxLr 1, 10 steps, pctStart 0.3: initial 1/25 = 0.04, min 0.04/1e4 = 4e-6;
  // phase ends at steps 0.3·10 − 1 = 2 and 9.
  const cosAnneal = (start: number, end: number, pct: number): number => end + ((start - end) / 2) * (1 + Math.cos(Math.PI * pct));

  it('cos: rises from maxLr/25 to maxLr by step 2, falls to maxLr/25/1e4 by step 9', () => {
    const opt = sgd(123);
    const sched = new OneCycleLR(opt, { maxLr: 1, totalSteps: 10 });
    expect(opt.paramGroups[0]!.initialLr).toBe(0.04);
    const seq = lrs(opt, sched, 10);
    const expected = range(10).map((t) => (t <= 2 ? cosAnneal(0.04, 1, t / 2) : cosAnneal(1, 4e-6, (t - 2) / 7)));
    expectClose(seq, expected);
    expect(seq[0]).toBeCloseTo(0.04, 15);
    expect(seq[1]).toBeCloseTo(0.52, 15);
    expect(seq[2]).toBeCloseTo(1, 15);
    expect(seq[9]).toBeCloseTo(4e-6, 15);
  });

  it('linear, three phases, per-group maxLr', () => {
    const opt = sgd(1, 1);
    // three-phase ends: 0.3·10 − 1 = 2, 2·0.3·10 − 2 = 4, 9
    const sched = new OneCycleLR(opt, { maxLr: [1, 2], totalSteps: 10, annealStrategy: 'linear', threePhase: true, divFactor: 10, finalDivFactor: 100 });
    const lin = (a: number, b: number, p: number): number => (b - a) * p + a;
    const expected = range(10).map((t) => (t <= 2 ? lin(0.1, 1, t / 2) : t <= 4 ? lin(1, 0.1, (t - 2) / 2) : lin(0.1, 0.001, (t - 4) / 5)));
    expectClose(lrs(opt, sched, 10), expected);
    expectClose(sched.getLastLr(), [0.001, 0.002]);
  });

  it('epochs × stepsPerEpoch gives totalSteps; stepping past it throws', () => {
    const opt = sgd(1);
    const sched = new OneCycleLR(opt, { maxLr: 1, epochs: 2, stepsPerEpoch: 3 });
    expect(sched.totalSteps).toBe(6);
    for (let i = 0; i < 6; i++) sched.step();
    expect(() => sched.step()).toThrow('OneCycleLR: tried to step 7 times; the schedule has totalSteps = 6');
  });
});

describe('ReduceLROnPlateau', () => {
  it('reduces after more than `patience` bad epochs, ignoring bad epochs during cooldown', () => {
    const opt = sgd(1);
    const sched = new ReduceLROnPlateau(opt, { patience: 2, cooldown: 1, factor: 0.5, threshold: 0 });
    const seen = [10, 9, 9, 9, 9, 9, 9, 9, 9].map((m) => {
      sched.step(m);
      return opt.paramGroups[0]!.lr;
    });
    // epoch 5: third bad epoch → 0.5, cooldown 1; epoch 6's bad epoch is ignored;
    // epochs 7, 8, 9 are bad again → 0.25 at epoch 9 (at epoch 8 without the cooldown)
    expect(seen).toEqual([1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]);
    expect(sched.lastEpoch).toBe(9);
    expect(sched.best).toBe(9);
    expect(sched.getLastLr()).toEqual([0.25]);
  });

  it('an improvement resets the count; the relative threshold decides what counts', () => {
    const opt = sgd(1);
    const sched = new ReduceLROnPlateau(opt, { patience: 1, factor: 0.1, threshold: 0.1 });
    // 10 then 9.5: not below 10·(1 − 0.1) = 9, so bad; 8.9 is below 9: better
    for (const m of [10, 9.5, 8.9, 8.5]) sched.step(m);
    expect(sched.best).toBe(8.9);
    expect(sched.numBadEpochs).toBe(1);
    expect(opt.paramGroups[0]!.lr).toBe(1);
    sched.step(8.5);
    expect(opt.paramGroups[0]!.lr).toBeCloseTo(0.1, 15);
  });

  it("mode 'max' with an absolute threshold", () => {
    const opt = sgd(1);
    const sched = new ReduceLROnPlateau(opt, { mode: 'max', thresholdMode: 'abs', threshold: 0.5, patience: 0, factor: 0.5 });
    sched.step(1); // better than −∞
    sched.step(1.4); // not above 1 + 0.5: bad → reduce (patience 0)
    expect(opt.paramGroups[0]!.lr).toBe(0.5);
    sched.step(1.6); // above 1.5: better
    expect(sched.best).toBe(1.6);
    expect(opt.paramGroups[0]!.lr).toBe(0.5);
  });

  it('never goes below minLr, and skips changes smaller than eps', () => {
    const opt = sgd(1, 1);
    const sched = new ReduceLROnPlateau(opt, { patience: 0, factor: 0.5, minLr: [0.3, 0] });
    for (let i = 0; i < 4; i++) sched.step(5);
    // group 0: 1 → 0.5 → 0.3 (floor) → 0.3; group 1: 1 → 0.5 → 0.25 → 0.125
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.3, 0.125]);
  });

  it('stateDict round-trips through JSON', () => {
    const opt = sgd(1);
    const sched = new ReduceLROnPlateau(opt, { patience: 3 });
    const empty = JSON.parse(JSON.stringify(sched.stateDict())) as SchedulerStateDict;
    for (const m of [5, 6, 7]) sched.step(m);
    const dict = JSON.parse(JSON.stringify(sched.stateDict())) as SchedulerStateDict;
    const other = new ReduceLROnPlateau(sgd(1), { patience: 3 });
    other.loadStateDict(dict);
    expect([other.best, other.numBadEpochs, other.lastEpoch]).toEqual([5, 2, 3]);
    other.loadStateDict(empty);
    expect(other.best).toBe(Infinity);
  });
});

describe('SequentialLR', () => {
  it('runs a linear warm-up, then restarts the next scheduler at the milestone', () => {
    const opt = sgd(1);
    const warmup = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
    const decay = new ExponentialLR(opt, { gamma: 0.5 });
    const sched = new SequentialLR(opt, { schedulers: [warmup, decay], milestones: [3] });
    expect(sched.lastEpoch).toBe(0);
    // epochs 0–2: 1·(0.5 + 0.5·min(e, 2)/2); from 3: 1·0.5^(e − 3)
    expectClose(lrs(opt, sched, 7), [0.5, 0.75, 1, 1, 0.5, 0.25, 0.125]);
    expect(sched.getLastLr()).toEqual([0.125]);
    expect(decay.lastEpoch).toBe(3);
  });

  it('three schedulers, two milestones, and state that round-trips', () => {
    const make = (): [SGD, SequentialLR] => {
      const opt = sgd(0.1);
      const a = new ExponentialLR(opt, { gamma: 0.5 });
      const b = new StepLR(opt, { stepSize: 1, gamma: 0.1 });
      const c = new CosineAnnealingLR(opt, { tMax: 4 });
      return [opt, new SequentialLR(opt, { schedulers: [a, b, c], milestones: [2, 4] })];
    };
    const [opt, sched] = make();
    const seq = lrs(opt, sched, 7);
    expectClose(seq, [0.1, 0.05, 0.1, 0.01, ...[0, 1, 2].map((e) => (0.1 * (1 + Math.cos((Math.PI * e) / 4))) / 2)]);

    const [opt2, sched2] = make();
    for (let i = 0; i < 3; i++) sched2.step();
    const dict = JSON.parse(JSON.stringify(sched2.stateDict())) as SchedulerStateDict;
    const [opt3, sched3] = make();
    sched3.loadStateDict(dict);
    expect(opt3.paramGroups[0]!.lr).toBe(opt2.paramGroups[0]!.lr);
    sched3.step();
    sched2.step();
    expect(opt3.paramGroups[0]!.lr).toBe(opt2.paramGroups[0]!.lr);
  });

  it('checks its arguments', () => {
    const opt = sgd(1);
    const a = new StepLR(opt, { stepSize: 1 });
    expect(() => new SequentialLR(opt, { schedulers: [a, a], milestones: [] })).toThrow('SequentialLR: expected 1 milestones for 2 schedulers, got 0');
    expect(() => new SequentialLR(sgd(1), { schedulers: [a], milestones: [] })).toThrow(
      'SequentialLR: schedulers[0] drives a different optimizer than the one given to SequentialLR',
    );
    expect(() => new SequentialLR(opt, { schedulers: [a, a, a], milestones: [3, 2] })).toThrow('SequentialLR: milestones must be increasing, got [3, 2]');
  });
});

describe('scheduler state', () => {
  it('stateDict / loadStateDict restore the epoch and the learning rates', () => {
    const opt = sgd(0.1);
    const sched = new CosineAnnealingLR(opt, { tMax: 10 });
    for (let i = 0; i < 4; i++) sched.step();
    const dict = JSON.parse(JSON.stringify(sched.stateDict())) as SchedulerStateDict;
    expect(dict).toMatchObject({ lastEpoch: 4, baseLrs: [0.1] });
    const opt2 = sgd(0.1);
    const sched2 = new CosineAnnealingLR(opt2, { tMax: 10 });
    sched2.loadStateDict(dict);
    expect(opt2.paramGroups[0]!.lr).toBe(opt.paramGroups[0]!.lr);
    sched.step();
    sched2.step();
    expect(sched2.getLastLr()).toEqual(sched.getLastLr());
    expect(() => sched2.loadStateDict({ lastEpoch: 1 })).toThrow(OptimError);
  });
});

describe('scheduler validation', () => {
  it.each([
    ['StepLR stepSize', () => new StepLR(sgd(1), { stepSize: 0 }), 'StepLR: invalid stepSize = 0; expected an integer >= 1'],
    ['StepLR gamma', () => new StepLR(sgd(1), { stepSize: 2, gamma: -0.1 }), 'StepLR: invalid gamma = -0.1; expected a finite number > 0'],
    ['MultiStepLR order', () => new MultiStepLR(sgd(1), { milestones: [5, 2] }), 'MultiStepLR: milestones must be non-decreasing, got [5, 2]'],
    ['MultiStepLR integer', () => new MultiStepLR(sgd(1), { milestones: [1.5] }), 'MultiStepLR: invalid milestones[0] = 1.5; expected an integer >= 0'],
    ['ExponentialLR gamma', () => new ExponentialLR(sgd(1), { gamma: 0 }), 'ExponentialLR: invalid gamma = 0; expected a finite number > 0'],
    ['CosineAnnealingLR tMax', () => new CosineAnnealingLR(sgd(1), { tMax: 0 }), 'CosineAnnealingLR: invalid tMax = 0; expected a finite number > 0'],
    ['CosineAnnealingLR etaMin', () => new CosineAnnealingLR(sgd(1), { tMax: 5, etaMin: -1 }), 'CosineAnnealingLR: invalid etaMin = -1; expected a finite number >= 0'],
    ['LinearLR startFactor', () => new LinearLR(sgd(1), { startFactor: 0 }), 'LinearLR: invalid startFactor = 0; expected a number in (0, 1]'],
    ['LinearLR endFactor', () => new LinearLR(sgd(1), { endFactor: 1.5 }), 'LinearLR: invalid endFactor = 1.5; expected a number in [0, 1]'],
    ['OneCycleLR steps', () => new OneCycleLR(sgd(1), { maxLr: 1 }), 'OneCycleLR: give totalSteps, or both epochs and stepsPerEpoch'],
    ['OneCycleLR pctStart', () => new OneCycleLR(sgd(1), { maxLr: 1, totalSteps: 10, pctStart: 1.5 }), 'OneCycleLR: invalid pctStart = 1.5; expected a number in [0, 1]'],
    ['OneCycleLR strategy', () => new OneCycleLR(sgd(1), { maxLr: 1, totalSteps: 10, annealStrategy: 'exp' as 'cos' }), "OneCycleLR: invalid annealStrategy = 'exp'; expected one of 'cos', 'linear'"],
    ['OneCycleLR maxLr list', () => new OneCycleLR(sgd(1), { maxLr: [1, 2], totalSteps: 10 }), 'OneCycleLR: expected maxLr to be a number or a list of 1 numbers (one per parameter group), got a list of 2'],
    ['LambdaLR count', () => new LambdaLR(sgd(1), { lrLambda: [() => 1, () => 1] }), 'LambdaLR: lrLambda must be a function or a list of 1 functions (one per parameter group), got a list of 2'],
    ['ReduceLROnPlateau factor', () => new ReduceLROnPlateau(sgd(1), { factor: 1 }), 'ReduceLROnPlateau: invalid factor = 1; expected a number in (0, 1) (the learning rate is multiplied by it)'],
    ['ReduceLROnPlateau mode', () => new ReduceLROnPlateau(sgd(1), { mode: 'lowest' as 'min' }), "ReduceLROnPlateau: invalid mode = 'lowest'; expected one of 'min', 'max'"],
    ['ReduceLROnPlateau patience', () => new ReduceLROnPlateau(sgd(1), { patience: -1 }), 'ReduceLROnPlateau: invalid patience = -1; expected an integer >= 0'],
    ['ReduceLROnPlateau minLr', () => new ReduceLROnPlateau(sgd(1), { minLr: [0, 0] }), 'ReduceLROnPlateau: expected minLr to be a number or a list of 1 numbers (one per parameter group), got a list of 2'],
  ])('%s', (_name, fn, message) => {
    expect(fn).toThrow(OptimError);
    expect(fn).toThrow(message);
  });
});
