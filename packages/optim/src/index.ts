/**
 * Optimizers, learning-rate schedulers and gradient clipping.
 *
 * @module @tapegrad/optim
 */
export { OptimError } from './optim-error.js';
export type { SerializedTensor } from './serialized-tensor.js';
export type { StateField, StateSpec } from './state-spec.js';
export {
  Optimizer,
  type BaseOptions,
  type OptionValue,
  type ParamGroup,
  type ParamGroupInput,
  type ParamsInput,
  type ParamState,
  type OptimizerStateDict,
  type ZeroGradOptions,
} from './optimizer.js';
export { GD, gdStep, type GDOptions, type GDState } from './gd.js';
export { SGD, sgdStep, type SGDOptions, type SGDState } from './sgd.js';
export { Adam, adamStep, type AdamOptions, type AdamState, type AdamStepOptions } from './adam.js';
export { AdamW, adamwStep, type AdamWOptions, type AdamWState } from './adamw.js';
export { RMSprop, rmspropStep, type RMSpropOptions, type RMSpropState } from './rmsprop.js';
export { Adagrad, adagradStep, type AdagradOptions, type AdagradState } from './adagrad.js';
export { Lion, lionStep, type LionOptions, type LionState } from './lion.js';
export { LRScheduler, type SchedulerStateDict } from './lr-scheduler.js';
export { StepLR, type StepLROptions } from './step-lr.js';
export { MultiStepLR, type MultiStepLROptions } from './multi-step-lr.js';
export { ExponentialLR, type ExponentialLROptions } from './exponential-lr.js';
export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export { OneCycleLR, type OneCycleLROptions } from './one-cycle-lr.js';
export { LambdaLR, type LambdaLROptions } from './lambda-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './reduce-lr-on-plateau.js';
export { SequentialLR, type SequentialLROptions } from './sequential-lr.js';
export { clipGradNorm, type ClipGradNormOptions } from './clip-grad-norm.js';
export { clipGradValue } from './clip-grad-value.js';
