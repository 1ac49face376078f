import { AutogradError, TapegradError } from '../errors.js';
import { batchedKey, type BatchInfo, type BatchLevel } from '../primitives/batching.js';
import type { GradHook } from '../autograd/tape-node.js';
import type { TapeNode } from '../autograd/tape-node.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * A tensor that the function vmap runs sees as one example, holding every
 * example of a batch: `value` (one level down, which may itself be batched by
 * an outer vmap) has the batch along `bdim`. Its shape, dtype and methods are
 * those of one example; every primitive on it goes through the batching rules
 * (see `apply`), so the kernels and the tape only ever see `value`. Gradient
 * state (requiresGrad, gradFn) is `value`'s.
 *
 * @example
 * ```ts
 * vmap((x: Tensor) => { console.log(x.shape); return x.sum(); })(ones([5, 3])); // logs [3]
 * ```
 */
export class BatchedTensor extends Tensor {
  readonly [batchedKey]: BatchInfo;

  /** @internal made by vmap only. */
  constructor(value: Tensor, bdim: number, level: BatchLevel) {
    const keep = (_: number, d: number): boolean => d !== bdim;
    super(value.storage, value.shape.filter(keep), value.strides.filter(keep), value.offset, value.dtype);
    this[batchedKey] = { value, bdim, level };
  }

  /** The tensor holding every example, one level down. */
  get value(): Tensor {
    return this[batchedKey].value;
  }

  override get requiresGrad(): boolean {
    return this.value.requiresGrad;
  }

  override set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }

  /** @internal */
  override get gradFn(): TapeNode | null {
    return this.value.gradFn;
  }

  override requiresGrad_(flag = true): this {
    this.value.requiresGrad_(flag);
    return this;
  }

  override detach(): Tensor {
    const { value, bdim, level } = this[batchedKey];
    return new BatchedTensor(value.detach(), bdim, level);
  }

  override backward(): void {
    throw new AutogradError(
      'backward: cannot be called inside vmap on a batched tensor (its gradient would mix the examples); use grad(), valueAndGrad() or vjp() inside vmap, which give one gradient per example',
    );
  }

  override retainGrad(): this {
    throw new AutogradError('retainGrad: not available inside vmap on a batched tensor; return the tensor from a grad()/vjp() call instead');
  }

  override registerHook(_hook: GradHook): () => void {
    throw new AutogradError('registerHook: not available inside vmap on a batched tensor');
  }

  override toString(): string {
    const { value, bdim, level } = this[batchedKey];
    return `BatchedTensor(level ${level.depth}, batch of ${level.size} along dim ${bdim}, value ${value.toString()})`;
  }

  /** @internal refused: a batched tensor has no per-example JSON. */
  override toJSON(): never {
    throw new TapegradError('toJSON: cannot serialise a tensor batched by vmap; return it from the function vmap runs first');
  }
}
