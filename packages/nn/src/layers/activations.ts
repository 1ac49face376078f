import type { Tensor } from '@tapegrad/core';
import * as F from '../functional/activations.js';
import { logSoftmax, softmax } from '../functional/softmax.js';
import { Module } from '../module.js';

/** `max(x, 0)` as a module. @example `new ReLU().forward(x)` */
export class ReLU extends Module<[Tensor], Tensor> {
  /** @example `relu.forward(x)` */
  forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/** Leaky ReLU as a module. @example `new LeakyReLU(0.2).forward(x)` */
export class LeakyReLU extends Module<[Tensor], Tensor> {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  /** @example `act.forward(x)` */
  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** ELU as a module. @example `new ELU(1).forward(x)` */
export class ELU extends Module<[Tensor], Tensor> {
  constructor(readonly alpha = 1) {
    super();
  }
  /** @example `act.forward(x)` */
  forward(x: Tensor): Tensor {
    return F.elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** GELU (exact, or the tanh approximation) as a module. @example `new GELU('tanh').forward(x)` */
export class GELU extends Module<[Tensor], Tensor> {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  /** @example `act.forward(x)` */
  forward(x: Tensor): Tensor {
    return F.gelu(x, this.approximate);
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** SiLU (swish) as a module. @example `new SiLU().forward(x)` */
export class SiLU extends Module<[Tensor], Tensor> {
  /** @example `act.forward(x)` */
  forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}

/** Mish as a module. @example `new Mish().forward(x)` */
export class Mish extends Module<[Tensor], Tensor> {
  /** @example `act.forward(x)` */
  forward(x: Tensor): Tensor {
    return F.mish(x);
  }
}

/** Logistic sigmoid as a module. @example `new Sigmoid().forward(x)` */
export class Sigmoid extends Module<[Tensor], Tensor> {
  /** @example `act.forward(x)` */
  forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** Hyperbolic tangent as a module. @example `new Tanh().forward(x)` */
export class Tanh extends Module<[Tensor], Tensor> {
  /** @example `act.forward(x)` */
  forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** Softplus as a module. @example `new Softplus(2).forward(x)` */
export class Softplus extends Module<[Tensor], Tensor> {
  constructor(
    readonly beta = 1,
    readonly threshold = 20,
  ) {
    super();
  }
  /** @example `act.forward(x)` */
  forward(x: Tensor): Tensor {
    return F.softplus(x, this.beta, this.threshold);
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** Hardtanh as a module. @example `new Hardtanh(-2, 2).forward(x)` */
export class Hardtanh extends Module<[Tensor], Tensor> {
  constructor(
    readonly minVal = -1,
    readonly maxVal = 1,
  ) {
    super();
  }
  /** @example `act.forward(x)` */
  forward(x: Tensor): Tensor {
    return F.hardtanh(x, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

/** Softmax along `dim` as a module. @example `new Softmax(1).forward(logits)` */
export class Softmax extends Module<[Tensor], Tensor> {
  constructor(readonly dim: number) {
    super();
  }
  /** @example `sm.forward(x)` */
  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** Log-softmax along `dim` as a module. @example `new LogSoftmax(1).forward(logits)` */
export class LogSoftmax extends Module<[Tensor], Tensor> {
  constructor(readonly dim: number) {
    super();
  }
  /** @example `lsm.forward(x)` */
  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
