import { AutogradError, TapegradError, fmtShape } from '../errors.js';
import { autogradGrad, type GradOptions } from '../autograd/backward.js';
import { activeLevels, batchInfo, isActive, physicalOf, type BatchInfo } from '../primitives/batching.js';
import { shapesEqual } from '../shape.js';
import { onesLike } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { BatchedTensor } from './batched-tensor.js';
import { moveDim } from './batch-rules.js';

// Gradients inside vmap. The tape records the primitives the batching rules
// run, on the tensors that hold every example, so a gradient inside vmap is
// a gradient of those. It gives each example its own gradient when every
// example's output depends only on that example's inputs: so the
// differentiated arguments are first batched at every level in effect
// (an argument shared by the examples is expanded, a view), and the outputs
// are summed over the batch by seeding every example at once.

/**
 * `t` with the examples of every level in effect as its leading dims, in
 * level order (outermost first): `[B₀, B₁, …, ...t.shape]`, expanded along
 * the levels at which `t` is the same for every example.
 */
function batchFirst(t: Tensor): Tensor {
  for (let info = batchInfo(t); info !== undefined; info = batchInfo(info.value)) {
    if (!isActive(info.level)) throw new TapegradError(`grad: a tensor of shape ${fmtShape(t.shape)} was batched by a vmap that has returned`);
  }
  const levels = activeLevels();
  let cur = t;
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    const info = batchInfo(cur);
    cur = info !== undefined && info.level === level ? moveDim(info.value, info.bdim, 0) : cur.reshape([1, ...cur.shape]).expand([level.size, ...cur.shape]);
  }
  return cur;
}

/**
 * `t` batched at every level in effect, each batch along dim 0 of the value
 * below it (`t` itself outside vmap).
 *
 * @example
 * ```ts
 * const w = batchedEverywhere(params); // inside vmap: a view of params per example
 * ```
 */
export function batchedEverywhere(t: Tensor): Tensor {
  const levels = activeLevels();
  if (levels.length === 0) return t;
  let out = batchFirst(t);
  for (const level of levels) out = new BatchedTensor(out, 0, level);
  return out;
}

/** `g`, shaped as the tensor holding every example of `like`, batched as `like` is. */
function batchedLike(g: Tensor, like: Tensor): Tensor {
  const chain: BatchInfo[] = [];
  for (let info = batchInfo(like); info !== undefined; info = batchInfo(info.value)) chain.push(info);
  let out = g;
  for (let i = chain.length - 1; i >= 0; i--) out = new BatchedTensor(out, chain[i]!.bdim, chain[i]!.level);
  return out;
}

/**
 * {@link autogradGrad} that works inside vmap: with `inputs` batched at every
 * level in effect (see {@link batchedEverywhere}), each example gets the
 * gradient of its own outputs. `grads` weight the outputs as in
 * `autogradGrad`; by default every output element weighs 1.
 *
 * @example
 * ```ts
 * const [gx] = gradPerExample([loss], [x], undefined, { allowUnused: true });
 * ```
 */
export function gradPerExample(outputs: readonly Tensor[], inputs: readonly Tensor[], grads: readonly Tensor[] | undefined, options: GradOptions): Tensor[] {
  if (activeLevels().length === 0) return autogradGrad(outputs, inputs, grads, options);
  const roots = outputs.map(batchFirst);
  const weights = roots.map((root, i) => {
    const g = grads?.[i];
    if (g === undefined) return onesLike(root);
    if (!shapesEqual(g.shape, outputs[i]!.shape)) {
      throw new AutogradError(`grad: gradient ${i} has shape ${fmtShape(g.shape)} but the output has shape ${fmtShape(outputs[i]!.shape)}`);
    }
    return batchFirst(g);
  });
  return autogradGrad(roots, inputs.map(physicalOf), weights, options).map((g, i) => batchedLike(g, inputs[i]!));
}
