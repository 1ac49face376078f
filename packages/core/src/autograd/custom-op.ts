import { isFloating } from '../dtype.js';
import { AutogradError, fmtShape } from '../errors.js';
import { hasTensorBrand } from '../tensor/brand.js';
import { noGrad } from './grad-mode.js';
import { record } from './record.js';
import { outsidePass } from './backward-memory.js';
import { anyBatched, topLevel } from '../primitives/batching.js';
import type { TapeNode } from './tape-node.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * What a custom op's forward and backward share: tensors saved in forward
 * (checked against in-place modification when read back), and which inputs
 * need a gradient.
 *
 * @example
 * ```ts
 * forward(ctx, x) { ctx.save(x); return x.exp(); }
 * backward(ctx, g) { const [x] = ctx.saved; return [g.mul(x!.exp())]; }
 * ```
 */
export interface CustomOpContext {
  /** Keeps tensors for backward. */
  save(...tensors: Tensor[]): void;
  /** The tensors passed to `save`, as they were then. */
  readonly saved: readonly Tensor[];
  /** For each input, whether its gradient is needed. */
  readonly needsInputGrad: readonly boolean[];
}

/**
 * A user-defined differentiable op: forward computes the output (not
 * recorded), backward returns one gradient per input (or null) written in
 * tensor ops, so that gradients of gradients work when it is differentiable.
 *
 * @example
 * ```ts
 * const def: CustomOpDefinition<[Tensor]> = {
 *   name: 'square',
 *   forward: (ctx, x) => { ctx.save(x); return x.mul(x); },
 *   backward: (ctx, g) => [g.mul(ctx.saved[0]!).mul(2)],
 * };
 * ```
 */
export interface CustomOpDefinition<A extends Tensor[]> {
  readonly name: string;
  forward(ctx: CustomOpContext, ...inputs: A): Tensor;
  backward(ctx: CustomOpContext, grad: Tensor): readonly (Tensor | null)[];
}

class Context implements CustomOpContext {
  private kept: Tensor[] = [];
  node: TapeNode | null = null;
  constructor(
    readonly needsInputGrad: readonly boolean[],
    private readonly nInputs: number,
  ) {}

  save(...tensors: Tensor[]): void {
    this.kept.push(...tensors);
  }

  get saved(): readonly Tensor[] {
    const node = this.node;
    if (node === null) return this.kept;
    return this.kept.map((_, i) => node.input(this.nInputs + i));
  }

  get savedForRecord(): readonly Tensor[] {
    return this.kept;
  }
}

/**
 * A gradient a custom op's backward returned for input `i`: null, or a float
 * tensor whose shape sums down to the input's (the engine undoes broadcasting
 * only: the gradient may have the input's shape or the broadcast one).
 */
function checkGradient(op: string, i: number, g: unknown, input: Tensor): void {
  if (g === null || g === undefined) return;
  if (!hasTensorBrand(g)) throw new AutogradError(`${op}: backward returned ${typeof g === 'object' ? 'an object' : typeof g} as the gradient of input ${i}; expected a tensor or null`);
  const t = g as Tensor;
  if (!isFloating(t.dtype)) {
    throw new AutogradError(`${op}: backward returned a ${t.dtype} gradient for input ${i} (${input.dtype}, shape ${fmtShape(input.shape)}); gradients must be float tensors`);
  }
  const lead = t.ndim - input.ndim;
  const fits = lead >= 0 && input.shape.every((s, d) => s === t.shape[d + lead] || s === 1);
  if (!fits && !(t.numel === 1 && input.numel === 1)) {
    throw new AutogradError(
      `${op}: backward returned a gradient of shape ${fmtShape(t.shape)} for input ${i} of shape ${fmtShape(input.shape)}; ` +
        `expected the input's shape (or one that broadcasts from it, which is summed back)`,
    );
  }
}

/**
 * Turns a forward/backward pair into a function that records on the tape like
 * any primitive. Check its backward with `gradcheck` from `@tapegrad/core/testing`.
 *
 * @example
 * ```ts
 * const mySquare = customOp<[Tensor]>({
 *   name: 'mySquare',
 *   forward: (ctx, x) => { ctx.save(x); return x.mul(x); },
 *   backward: (ctx, g) => [g.mul(ctx.saved[0]!).mul(2)],
 * });
 * mySquare(tensor([3], { requiresGrad: true })).backward();
 * ```
 */
export function customOp<A extends Tensor[]>(def: CustomOpDefinition<A>): (...inputs: A) => Tensor {
  const op = (...inputs: A): Tensor => {
    // A custom op has no batching rule: inside vmap it runs once per example.
    if (anyBatched(inputs)) {
      const level = topLevel(def.name, inputs);
      return level.hooks.map(level, op as (...xs: Tensor[]) => Tensor, inputs);
    }
    const ctx = new Context(
      inputs.map((t) => t.requiresGrad),
      inputs.length,
    );
    const result = noGrad(() => def.forward(ctx, ...inputs));
    // An input handed back unchanged must not become the op's output: it would
    // lose its own place in the graph (a leaf would stop being one).
    const out = inputs.includes(result) ? result.detach() : result;
    const node = record(
      def.name,
      (g) => {
        // User code: what it makes may be kept, so backward must not recycle it.
        const grads = outsidePass([g], () => def.backward(ctx, g));
        if (grads.length !== inputs.length) {
          throw new AutogradError(`${def.name}: backward returned ${grads.length} gradients for ${inputs.length} inputs`);
        }
        grads.forEach((gi, i) => checkGradient(def.name, i, gi, inputs[i]!));
        return grads;
      },
      undefined,
      inputs,
      out,
      ctx.savedForRecord,
    );
    ctx.node = node;
    return out;
  };
  return op;
}
