import { isFloating } from '../dtype.js';
import { isAnomalyEnabled, isGradEnabled } from './grad-mode.js';
import { TapeNode, type Edge, type VjpRule } from './tape-node.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Appends a node for `out = name(inputs)` to the tape when recording is on and
 * some input requires grad. Primitives and user-defined ops both come here.
 *
 * @example
 * ```ts
 * record('myOp', rule, undefined, [x], out);
 * ```
 */
export function record<P>(
  name: string,
  rule: VjpRule<P>,
  params: P,
  inputs: readonly Tensor[],
  out: Tensor,
  extraSaved: readonly Tensor[] = [],
): TapeNode | null {
  if (!isGradEnabled() || !isFloating(out.dtype)) return null;
  let any = false;
  const edges = new Array<Edge | null>(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    const t = inputs[i]!;
    if (t.requiresGrad) {
      any = true;
      edges[i] = { node: t.gradFn, leaf: t.gradFn === null ? t : null, shape: t.shape, dtype: t.dtype };
    } else edges[i] = null;
  }
  if (!any) return null;
  const stack = isAnomalyEnabled() ? new Error().stack : undefined;
  const saved = extraSaved.length === 0 ? inputs : [...inputs, ...extraSaved];
  const node = new TapeNode(name, rule, params, edges, saved, out, stack);
  out.setGradFn(node as TapeNode);
  return node as TapeNode;
}
