// Every hyperparameter check throws an OptimError whose message names the
// optimizer, the option, the value and what was expected.
import { describe, expect, it } from 'vitest';
import { TapegradError } from '@tapegrad/core';
import { Adagrad, Adam, AdamW, GD, Lion, OptimError, RMSprop, SGD } from '@tapegrad/optim';
import { param } from './helpers.js';

const p = (): ReturnType<typeof param>[] => [param([1])];

function expectOptimError(fn: () => unknown, message: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(OptimError);
  expect(caught).toBeInstanceOf(TapegradError);
  expect((caught as Error).message).toBe(message);
}

describe('optimizer hyperparameters', () => {
  it.each([
    ['GD lr', () => new GD(p(), { lr: -0.1 }), 'GD: invalid lr = -0.1; expected a finite number >= 0'],
    ['SGD lr NaN', () => new SGD(p(), { lr: NaN }), 'SGD: invalid lr = NaN; expected a finite number >= 0'],
    ['SGD momentum', () => new SGD(p(), { momentum: -0.9 }), 'SGD: invalid momentum = -0.9; expected a finite number >= 0'],
    ['SGD weightDecay', () => new SGD(p(), { weightDecay: -1 }), 'SGD: invalid weightDecay = -1; expected a finite number >= 0'],
    ['SGD dampening', () => new SGD(p(), { dampening: Infinity }), 'SGD: invalid dampening = Infinity; expected a finite number'],
    ['SGD nesterov without momentum', () => new SGD(p(), { nesterov: true }), 'SGD: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum = 0 and dampening = 0'],
    ['SGD nesterov with dampening', () => new SGD(p(), { nesterov: true, momentum: 0.9, dampening: 0.1 }), 'SGD: Nesterov momentum requires momentum > 0 and dampening = 0, got momentum = 0.9 and dampening = 0.1'],
    ['SGD nesterov not boolean', () => new SGD(p(), { nesterov: 1 as unknown as boolean }), 'SGD: invalid nesterov = 1; expected true or false'],
    ['Adam lr', () => new Adam(p(), { lr: -1e-3 }), 'Adam: invalid lr = -0.001; expected a finite number >= 0'],
    ['Adam beta1 = 1', () => new Adam(p(), { betas: [1, 0.999] }), 'Adam: invalid betas[0] = 1; expected a number in [0, 1)'],
    ['Adam beta2 < 0', () => new Adam(p(), { betas: [0.9, -0.1] }), 'Adam: invalid betas[1] = -0.1; expected a number in [0, 1)'],
    ['Adam betas not a pair', () => new Adam(p(), { betas: [0.9] as unknown as [number, number] }), 'Adam: invalid betas = [0.9]; expected a pair [beta1, beta2] with each in [0, 1)'],
    ['Adam eps', () => new Adam(p(), { eps: -1e-8 }), 'Adam: invalid eps = -1e-8; expected a finite number >= 0'],
    ['Adam weightDecay', () => new Adam(p(), { weightDecay: -0.01 }), 'Adam: invalid weightDecay = -0.01; expected a finite number >= 0'],
    ['AdamW betas', () => new AdamW(p(), { betas: [0.9, 1.5] }), 'AdamW: invalid betas[1] = 1.5; expected a number in [0, 1)'],
    ['RMSprop alpha', () => new RMSprop(p(), { alpha: 1.1 }), 'RMSprop: invalid alpha = 1.1; expected a number in [0, 1]'],
    ['RMSprop momentum', () => new RMSprop(p(), { momentum: -0.5 }), 'RMSprop: invalid momentum = -0.5; expected a finite number >= 0'],
    ['RMSprop eps', () => new RMSprop(p(), { eps: -1 }), 'RMSprop: invalid eps = -1; expected a finite number >= 0'],
    ['Adagrad lrDecay', () => new Adagrad(p(), { lrDecay: -0.1 }), 'Adagrad: invalid lrDecay = -0.1; expected a finite number >= 0'],
    ['Adagrad initialAccumulatorValue', () => new Adagrad(p(), { initialAccumulatorValue: -1 }), 'Adagrad: invalid initialAccumulatorValue = -1; expected a finite number >= 0'],
    ['Lion betas', () => new Lion(p(), { betas: [-0.1, 0.99] }), 'Lion: invalid betas[0] = -0.1; expected a number in [0, 1)'],
    ['Lion weightDecay', () => new Lion(p(), { weightDecay: -1 }), 'Lion: invalid weightDecay = -1; expected a finite number >= 0'],
  ])('%s', (_name, fn, message) => expectOptimError(fn, message));

  it('per-group options are validated too', () => {
    expectOptimError(() => new SGD([{ params: p(), lr: -1 }], { lr: 0.1 }), 'SGD: invalid lr = -1; expected a finite number >= 0');
    const opt = new Adam(p());
    expectOptimError(() => opt.addParamGroup({ params: p(), betas: [0.9, 1] }), 'Adam: invalid betas[1] = 1; expected a number in [0, 1)');
    expect(opt.paramGroups).toHaveLength(1);
  });
});
