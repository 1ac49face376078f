import { nnOptionRules } from '../option-rules.js';
import { checkOptions, type OptionRules, type Tensor } from '@tapegrad/core';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, type BinaryCrossEntropyOptions, type BinaryCrossEntropyWithLogitsOptions } from '../functional/binary-cross-entropy.js';
import { crossEntropy, nllLoss, type CrossEntropyOptions, type NllLossOptions } from '../functional/cross-entropy.js';
import { klDiv, type KlDivOptions } from '../functional/kl-div.js';
import { huberLoss, l1Loss, mseLoss, smoothL1Loss, type ReductionOptions } from '../functional/regression-losses.js';
import { Module } from '../module.js';

/** Base of the loss modules: `forward(input, target)` calls the loss function with fixed options. */
abstract class Loss<O> extends Module<[Tensor, Tensor], Tensor> {
  constructor(name: string, readonly options: O, rules: OptionRules) {
    super();
    checkOptions(name, options, rules);
  }
}

/** {@link mseLoss} as a module. @example `new MSELoss().forward(pred, target)` */
export class MSELoss extends Loss<ReductionOptions> {
  constructor(options: ReductionOptions = {}) {
    super('MSELoss', options, nnOptionRules.mseLoss);
  }
  /** @example `loss.forward(pred, target)` */
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

/** {@link l1Loss} as a module. @example `new L1Loss().forward(pred, target)` */
export class L1Loss extends Loss<ReductionOptions> {
  constructor(options: ReductionOptions = {}) {
    super('L1Loss', options, nnOptionRules.l1Loss);
  }
  /** @example `loss.forward(pred, target)` */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.options);
  }
}

/** {@link smoothL1Loss} as a module. @example `new SmoothL1Loss({ beta: 0.5 }).forward(pred, target)` */
export class SmoothL1Loss extends Loss<ReductionOptions & { readonly beta?: number }> {
  constructor(options: ReductionOptions & { readonly beta?: number } = {}) {
    super('SmoothL1Loss', options, nnOptionRules.smoothL1Loss);
  }
  /** @example `loss.forward(pred, target)` */
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.options);
  }
}

/** {@link huberLoss} as a module. @example `new HuberLoss({ delta: 2 }).forward(pred, target)` */
export class HuberLoss extends Loss<ReductionOptions & { readonly delta?: number }> {
  constructor(options: ReductionOptions & { readonly delta?: number } = {}) {
    super('HuberLoss', options, nnOptionRules.huberLoss);
  }
  /** @example `loss.forward(pred, target)` */
  forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, this.options);
  }
}

/** {@link crossEntropy} as a module. @example `new CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(logits, labels)` */
export class CrossEntropyLoss extends Loss<CrossEntropyOptions> {
  constructor(options: CrossEntropyOptions = {}) {
    super('CrossEntropyLoss', options, nnOptionRules.crossEntropy);
  }
  /** @example `loss.forward(logits, labels)` */
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.options);
  }
}

/** {@link nllLoss} as a module. @example `new NLLLoss().forward(logp, labels)` */
export class NLLLoss extends Loss<NllLossOptions> {
  constructor(options: NllLossOptions = {}) {
    super('NLLLoss', options, nnOptionRules.nllLoss);
  }
  /** @example `loss.forward(logp, labels)` */
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.options);
  }
}

/** {@link binaryCrossEntropy} as a module. @example `new BCELoss().forward(probs, labels)` */
export class BCELoss extends Loss<BinaryCrossEntropyOptions> {
  constructor(options: BinaryCrossEntropyOptions = {}) {
    super('BCELoss', options, nnOptionRules.binaryCrossEntropy);
  }
  /** @example `loss.forward(probs, labels)` */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, this.options);
  }
}

/** {@link binaryCrossEntropyWithLogits} as a module. @example `new BCEWithLogitsLoss().forward(logits, labels)` */
export class BCEWithLogitsLoss extends Loss<BinaryCrossEntropyWithLogitsOptions> {
  constructor(options: BinaryCrossEntropyWithLogitsOptions = {}) {
    super('BCEWithLogitsLoss', options, nnOptionRules.binaryCrossEntropyWithLogits);
  }
  /** @example `loss.forward(logits, labels)` */
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, this.options);
  }
}

/** {@link klDiv} as a module. @example `new KLDivLoss({ reduction: 'batchmean' }).forward(logq, p)` */
export class KLDivLoss extends Loss<KlDivOptions> {
  constructor(options: KlDivOptions = {}) {
    super('KLDivLoss', options, nnOptionRules.klDiv);
  }
  /** @example `loss.forward(logq, p)` */
  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, this.options);
  }
}
