import { describe, expect, it } from 'vitest';
import { TapegradError } from '@tapegrad/core';
import {
  Adagrad,
  Adam,
  AdamW,
  CosineAnnealingLR,
  ExponentialLR,
  GD,
  LambdaLR,
  LinearLR,
  Lion,
  MultiStepLR,
  OneCycleLR,
  OptimError,
  RMSprop,
  ReduceLROnPlateau,
  SGD,
  SequentialLR,
  StepLR,
  clipGradNorm,
} from '@tapegrad/optim';
import { param } from './helpers.js';

type ErrorClass = new (...args: never[]) => Error;
interface Row {
  readonly name: string;
  readonly call: () => unknown;
  readonly error: ErrorClass;
  readonly contains: readonly string[];
}

const w = () => param([1, 2]);
const sgd = () => new SGD([w()], { lr: 0.1 });
const bogus = { bogus: 1 } as never;
const withBogus = <T extends object>(o: T): T => ({ ...o, bogus: 1 });

// Options objects: unknown keys (with the camelCase twin suggested) and wrong values.
const optionRows: Row[] = [
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

describe('misuse', () => {
  it.each([...optionRows].map((r) => [r.name, r] as const))('%s', (_name, row) => {
    let caught: unknown;
    try {
      row.call();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(row.error);
    expect(caught).toBeInstanceOf(TapegradError);
    for (const part of row.contains) expect((caught as Error).message).toContain(part);
  });
});
