import { noteResult } from '../autograd/backward-memory.js';
import { backendFor } from '../tensor/make.js';
import { forwards } from './forward.js';
import type { Primitive, PrimitiveParams } from './primitives.js';
import { record } from '../autograd/record.js';
import type { VjpRule } from '../autograd/tape-node.js';
import { markView } from '../autograd/views.js';
import type { Tensor } from '../tensor/tensor.js';
import { vjpRules } from './vjp-rules.js';
import { anyBatched, topLevel } from './batching.js';
import { noteTraced } from './trace.js';

/**
 * Runs a primitive and records it: the single path from a user's method to a
 * kernel and, in backward, to the primitive's rule.
 *
 * @example
 * ```ts
 * apply('exp', [x], undefined);
 * ```
 */
export function apply<P extends Primitive>(prim: P, inputs: readonly Tensor[], params: PrimitiveParams[P]): Tensor {
  // Inside vmap, an operand batched by it sends the primitive to its batching
  // rule, which runs primitives on the whole batch (and so comes back here).
  if (anyBatched(inputs)) {
    const level = topLevel(prim, inputs);
    return level.hooks.apply(level, prim, inputs, params);
  }
  const out = forwards[prim](backendFor(prim, inputs), inputs, params);
  noteResult(out, inputs);
  noteTraced(prim, inputs, params, out);
  const rule = vjpRules[prim];
  if (rule !== null) record(prim, rule as VjpRule<PrimitiveParams[P]>, params, inputs, out);
  const input = inputs[0];
  // A movement primitive's output shares its input's storage: a view, which
  // can be taken again from its base when the base's history changes.
  if (inputs.length === 1 && input !== undefined && out !== input && out.storage === input.storage) {
    markView(out, input, (t) => apply(prim, [t], params));
  }
  return out;
}
