import { describe, expect, it } from 'vitest';
import { describeMisuse, named, type MisuseRow } from '../../core/test/misuse-table.js';
import { tensor, type Tensor } from '@tapegrad/core';
import { Adagrad, Adam, AdamW, CosineAnnealingLR, ExponentialLR, GD, LambdaLR, LinearLR, Lion, MultiStepLR, OneCycleLR, OptimError, RMSprop, ReduceLROnPlateau, SGD, SequentialLR, StepLR, clipGradNorm, type Optimizer, type OptimizerStateDict, type SchedulerStateDict } from '@tapegrad/optim';
import { param } from './helpers.js';

const w = () => param([1, 2]);
const sgd = () => new SGD([w()], { lr: 0.1 });
const bogus = { bogus: 1 } as never;
const withBogus = <T extends object>(o: T): T => ({ ...o, bogus: 1 });

// Options objects: unknown keys (with the camelCase twin suggested) and wrong values.
const optionRows: MisuseRow[] = [
  { name: 'SGD weight_decay', call: () => new SGD([w()], { weight_decay: 0.1 } as never), error: OptimError, contains: ['SGD', "'weight_decay'", "did you mean 'weightDecay'", 'lr, momentum, dampening'] },
  { name: 'SGD lr string', call: () => new SGD([w()], { lr: '0.1' } as never), error: OptimError, contains: ['SGD', 'lr', "'0.1'"] },
  { name: 'SGD lr infinite', call: () => new SGD([w()], { lr: Infinity }), error: OptimError, contains: ['SGD', 'lr = Infinity', 'finite'] },
  { name: 'SGD group key', call: () => new SGD([{ params: [w()], learning_rate: 0.1 } as never]), error: OptimError, contains: ['SGD.addParamGroup', "'learning_rate'"] },
  { name: 'GD momentum', call: () => new GD([w()], { momentum: 0.9 } as never), error: OptimError, contains: ['GD', "'momentum'", 'accepts lr'] },
  { name: 'Adam beta1', call: () => new Adam([w()], { beta1: 0.9 } as never), error: OptimError, contains: ['Adam', "'beta1'", "did you mean 'betas'"] },
  { name: 'Adam eps negative', call: () => new Adam([w()], { eps: -1 }), error: OptimError, contains: ['Adam', 'eps = -1'] },
  { name: 'AdamW ams_grad', call: () => new AdamW([w()], { ams_grad: true } as never), error: OptimError, contains: ['AdamW', "did you mean 'amsgrad'"] },
  { name: 'RMSprop unknown key', call: () => new RMSprop([w()], bogus), error: OptimError, contains: ['RMSprop', "'bogus'"] },
  { name: 'Adagrad lr_decay', call: () => new Adagrad([w()], { lr_decay: 0.1 } as never), error: OptimError, contains: ['Adagrad', "did you mean 'lrDecay'"] },
  { name: 'Lion unknown key', call: () => new Lion([w()], bogus), error: OptimError, contains: ['Lion', "'bogus'"] },
  { name: 'zeroGrad set_to_none', call: () => sgd().zeroGrad({ set_to_none: false } as never), error: OptimError, contains: ['SGD.zeroGrad', "did you mean 'setToNone'"] },
  { name: 'StepLR step_size', call: () => new StepLR(sgd(), { step_size: 3 } as never), error: OptimError, contains: ['StepLR', "did you mean 'stepSize'"] },
  { name: 'MultiStepLR unknown key', call: () => new MultiStepLR(sgd(), withBogus({ milestones: [1] })), error: OptimError, contains: ['MultiStepLR', "'bogus'"] },
  { name: 'ExponentialLR unknown key', call: () => new ExponentialLR(sgd(), withBogus({ gamma: 0.9 })), error: OptimError, contains: ['ExponentialLR', "'bogus'"] },
  { name: 'CosineAnnealingLR T_max', call: () => new CosineAnnealingLR(sgd(), { T_max: 10 } as never), error: OptimError, contains: ['CosineAnnealingLR', "did you mean 'tMax'"] },
  { name: 'LinearLR unknown key', call: () => new LinearLR(sgd(), bogus), error: OptimError, contains: ['LinearLR', "'bogus'"] },
  { name: 'OneCycleLR max_lr', call: () => new OneCycleLR(sgd(), { max_lr: 1, totalSteps: 10 } as never), error: OptimError, contains: ['OneCycleLR', "did you mean 'maxLr'"] },
  { name: 'LambdaLR lr_lambda', call: () => new LambdaLR(sgd(), { lr_lambda: () => 1 } as never), error: OptimError, contains: ['LambdaLR', "did you mean 'lrLambda'"] },
  { name: 'ReduceLROnPlateau min_lr', call: () => new ReduceLROnPlateau(sgd(), { min_lr: 0 } as never), error: OptimError, contains: ['ReduceLROnPlateau', "did you mean 'minLr'"] },
  { name: 'SequentialLR unknown key', call: () => { const o = sgd(); return new SequentialLR(o, withBogus({ schedulers: [new StepLR(o, { stepSize: 1 })], milestones: [] })); }, error: OptimError, contains: ['SequentialLR', "'bogus'"] },
  { name: 'StepLR lastEpoch type', call: () => new StepLR(sgd(), { stepSize: 1, lastEpoch: 0.5 }), error: OptimError, contains: ['StepLR', 'lastEpoch = 0.5', 'an integer'] },
  { name: 'clipGradNorm error_if_nonfinite', call: () => clipGradNorm([w()], 1, 2, { error_if_nonfinite: true } as never), error: OptimError, contains: ['clipGradNorm', "did you mean 'errorIfNonfinite'"] },
];

// Odd inputs and numerics: errors that once named an internal op, or came raw from the engine.

const freshParam = (): Tensor => tensor([1, -2, 3], { dtype: 'float64', requiresGrad: true });

/** A trained optimizer's state dict through JSON, as a user would save it, with `edit` applied. */
function saved(make: (p: Tensor[]) => Optimizer, edit: (d: { state: Record<string, Record<string, unknown>>; paramGroups: Record<string, unknown>[] }) => void): [Optimizer, OptimizerStateDict] {
  const p = freshParam();
  const opt = make([p]);
  p.grad = tensor([0.5, -1, 2], { dtype: 'float64' });
  opt.step();
  const d = JSON.parse(JSON.stringify(opt.stateDict())) as { state: Record<string, Record<string, unknown>>; paramGroups: Record<string, unknown>[] };
  edit(d);
  return [make([freshParam()]), d as unknown as OptimizerStateDict];
}

const tensorField = (data: number[]): unknown => ({ shape: [3], dtype: 'float64', data });

const load = (make: (p: Tensor[]) => Optimizer, edit: Parameters<typeof saved>[1]) => (): void => {
  const [opt, d] = saved(make, edit);
  opt.loadStateDict(d);
};

const adam = (p: Tensor[]): Optimizer => new Adam(p, { lr: 0.1 });
const stepLr = (): StepLR => new StepLR(new SGD([freshParam()], { lr: 0.1 }), { stepSize: 2 });

/** Corrupt saved states, each once accepted (and then NaN in the weights). */
const numericsRows: Omit<MisuseRow, 'name'>[] = [
  { call: load(adam, (d) => (d.state['0']!['step'] = -1)), error: OptimError, contains: ['Adam.loadStateDict', "state['0'].step", 'non-negative integer', '-1'] },
  { call: load(adam, (d) => (d.state['0']!['step'] = 1.5)), error: OptimError, contains: ['Adam.loadStateDict', "state['0'].step", '1.5'] },
  { call: load(adam, (d) => (d.state['0']!['expAvgSq'] = tensorField([1, -1, 1]))), error: OptimError, contains: ["state['0'].expAvgSq", '-1', '≥ 0'] },
  { call: load(adam, (d) => (d.state['0']!['expAvg'] = tensorField([1, null as never, 1]))), error: OptimError, contains: ["state['0'].expAvg", 'NaN', 'finite'] },
  { call: load(adam, (d) => (d.state['0']!['expAvg'] = { shape: [2], dtype: 'float64', data: [1, 2] })), error: OptimError, contains: ["state['0'].expAvg", '[2]', '[3]'] },
  { call: load(adam, (d) => (d.state['0']!['expAvg'] = { shape: [3], dtype: 'float32', data: [1, 2, 3] })), error: OptimError, contains: ["state['0'].expAvg", 'float32', 'float64'] },
  { call: load(adam, (d) => (d.state['0']!['momentum'] = 3)), error: OptimError, contains: ["state['0'].momentum", 'not a state field', 'expAvgSq'] },
  { call: load(adam, (d) => (d.state['7'] = {})), error: OptimError, contains: ["state['7']", 'names no parameter'] },
  { call: load(adam, (d) => (d.paramGroups[0]!['lr'] = -1)), error: OptimError, contains: ['paramGroups[0]', 'lr', '-1'] },
  { call: load(adam, (d) => (d.paramGroups[0]!['params'] = [0, 1])), error: OptimError, contains: ['paramGroups[0] has 2 parameters', 'has 1'] },
  {
    call: load(adam, (d) => {
      d.state['0']!['step'] = -3;
      d.state['0']!['expAvgSq'] = tensorField([-1, 0, 0]);
    }),
    error: OptimError,
    contains: ["state['0'].step", "state['0'].expAvgSq", 'nothing was loaded'],
  },
  { call: load((p) => new AdamW(p), (d) => (d.state['0']!['maxExpAvgSq'] = tensorField([-1, 0, 0]))), error: OptimError, contains: ['AdamW.loadStateDict', 'maxExpAvgSq'] },
  { call: load((p) => new Adagrad(p), (d) => (d.state['0']!['sum'] = tensorField([-1, 0, 0]))), error: OptimError, contains: ['Adagrad.loadStateDict', "state['0'].sum", '≥ 0'] },
  { call: load((p) => new RMSprop(p), (d) => (d.state['0']!['squareAvg'] = tensorField([-1, 0, 0]))), error: OptimError, contains: ['RMSprop.loadStateDict', 'squareAvg'] },
  { call: load((p) => new RMSprop(p), (d) => (d.state['0']!['step'] = -1)), error: OptimError, contains: ['RMSprop.loadStateDict', 'step'] },
  { call: load((p) => new SGD(p, { momentum: 0.9 }), (d) => (d.state['0']!['momentumBuffer'] = tensorField([Infinity, 0, 0]))), error: OptimError, contains: ['SGD.loadStateDict', 'momentumBuffer', 'Infinity'] },
  { call: load((p) => new Lion(p), (d) => (d.state['0']!['expAvg'] = 'x')), error: OptimError, contains: ['Lion.loadStateDict', 'expAvg', 'serialized tensor'] },
  { call: load((p) => new GD(p, { lr: 0.1 }), (d) => (d.state['0'] = { buffer: 1 })), error: OptimError, contains: ['GD.loadStateDict', 'buffer', 'not a state field'] },
  // schedulers
  { call: () => stepLr().loadStateDict({ lastEpoch: -5, baseLrs: [0.1], lastLr: [0.1] }), error: OptimError, contains: ['StepLR.loadStateDict', 'lastEpoch', '-5'] },
  { call: () => stepLr().loadStateDict({ lastEpoch: 1e300, baseLrs: [0.1], lastLr: [0.1] }), error: OptimError, contains: ['StepLR.loadStateDict', 'lastEpoch'] },
  { call: () => stepLr().loadStateDict({ lastEpoch: 2, baseLrs: [-0.1], lastLr: [NaN] }), error: OptimError, contains: ['baseLrs[0]', 'lastLr[0]', 'NaN'] },
  {
    call: () => new ReduceLROnPlateau(new SGD([freshParam()], { lr: 0.1 })).loadStateDict({ lastEpoch: 1, best: 0.5, numBadEpochs: -2, cooldownCounter: 0, lastLr: [0.1] }),
    error: OptimError,
    contains: ['ReduceLROnPlateau.loadStateDict', 'numBadEpochs', '-2'],
  },
];

describe('a rejected state leaves the optimizer and scheduler unchanged', () => {
  it('Adam keeps its state and steps exactly as one that never saw the bad state', () => {
    const run = (corrupt: boolean): number[] => {
      const p = freshParam();
      const opt = new Adam([p], { lr: 0.1 });
      p.grad = tensor([0.5, -1, 2], { dtype: 'float64' });
      opt.step();
      if (corrupt) {
        const d = JSON.parse(JSON.stringify(opt.stateDict())) as { state: Record<string, Record<string, unknown>>; paramGroups: Record<string, unknown>[] };
        d.state['0']!['step'] = -1;
        d.paramGroups[0]!['lr'] = 5;
        expect(() => opt.loadStateDict(d as unknown as OptimizerStateDict)).toThrow(OptimError);
        expect(opt.paramGroups[0]!.lr).toBe(0.1);
      }
      opt.step();
      return p.toArray() as number[];
    };
    const clean = run(false);
    expect(run(true)).toEqual(clean);
    expect(clean.every(Number.isFinite)).toBe(true);
  });

  it('SequentialLR checks the states of the schedulers it runs before loading any', () => {
    const opt = new SGD([freshParam()], { lr: 0.1 });
    const a = new StepLR(opt, { stepSize: 1 });
    const b = new StepLR(opt, { stepSize: 1 });
    const seq = new SequentialLR(opt, { schedulers: [a, b], milestones: [2] });
    const good = JSON.parse(JSON.stringify(seq.stateDict())) as SchedulerStateDict & { schedulers: Record<string, unknown>[] };
    good.schedulers[1]!['lastEpoch'] = -7;
    const before = JSON.stringify(seq.stateDict());
    expect(() => seq.loadStateDict(good)).toThrow(/schedulers\[1\]\.lastEpoch/);
    expect(JSON.stringify(seq.stateDict())).toBe(before);
  });
});

describeMisuse([...optionRows, ...named(numericsRows)]);
