import { checkOptions, optionRules, type OptionRules } from '../options.js';
import { batchedEverywhere, gradPerExample } from '../vmap/batched-autograd.js';
import { AutogradError, fmtShape } from '../errors.js';
import { enableGrad, isGradEnabled } from './grad-mode.js';
import { zeros, zerosLike } from '../tensor/creation.js';
import { stack } from '../ops/movement.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Which arguments to differentiate with respect to.
 *
 * @example
 * ```ts
 * grad(f, { argnums: [0, 1] });
 * ```
 */
export interface ArgnumsOptions<N extends number | readonly number[]> {
  readonly argnums?: N;
}

const argnumsOptionRules: OptionRules = { argnums: optionRules.intOrInts };

/**
 * Makes the differentiated arguments leaves of a fresh graph, unless they are
 * already part of an enclosing one (then the result stays connected to it,
 * which is how `grad(grad(f))` works). Inside vmap they are first batched at
 * every level in effect, so that every example gets its own gradient.
 */
function prepare(args: readonly Tensor[], argnums: readonly number[]): { inputs: Tensor[]; nested: boolean } {
  let nested = false;
  const inputs = args.map((arg, i) => {
    if (!argnums.includes(i)) return arg;
    const a = batchedEverywhere(arg);
    if (a.requiresGrad && isGradEnabled()) {
      nested = true;
      return a;
    }
    return a.detach().requiresGrad_(true);
  });
  argnums.forEach((i) => {
    if (i < 0 || i >= args.length) throw new AutogradError(`grad: argnum ${i} is out of range for ${args.length} arguments`);
  });
  return { inputs, nested };
}

function scalarOut(op: string, out: Tensor): Tensor {
  if (out.numel !== 1) throw new AutogradError(`${op}: the function must return a scalar (one element), got shape ${fmtShape(out.shape)}`);
  return out;
}

function valueAndGradImpl(f: (...args: Tensor[]) => Tensor, argnums: readonly number[], args: readonly Tensor[]): [Tensor, Tensor[]] {
  const { inputs, nested } = prepare(args, argnums);
  return enableGrad(() => {
    const out = scalarOut('grad', f(...inputs));
    const targets = argnums.map((i) => inputs[i]!);
    if (!out.requiresGrad) return [out, targets.map((t) => zerosLike(t))];
    const grads = gradPerExample([out], targets, undefined, { createGraph: nested, allowUnused: true });
    return [nested ? out : out.detach(), grads];
  });
}

/**
 * The function that returns the gradient of scalar-valued `f` with respect to
 * its first argument, or to the arguments `argnums` lists (then an array).
 * Composable: `grad(grad(f))` is the second derivative; inside {@link vmap}
 * each example gets its own gradient (`vmap(grad(loss), { inDims: [null, 0] })`).
 *
 * @example
 * ```ts
 * const df = grad((x: Tensor) => x.pow(3).sum());
 * df(tensor([2])).item(); // 12
 * const d2f = grad(grad((x: Tensor) => x.pow(3).sum()));
 * ```
 */
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => Tensor;
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor, options: ArgnumsOptions<number>): (...args: A) => Tensor;
export function grad<A extends Tensor[]>(f: (...args: A) => Tensor, options: ArgnumsOptions<readonly number[]>): (...args: A) => Tensor[];
export function grad<A extends Tensor[]>(
  f: (...args: A) => Tensor,
  options: ArgnumsOptions<number | readonly number[]> = {},
): (...args: A) => Tensor | Tensor[] {
  checkOptions('grad', options, argnumsOptionRules);
  const argnums = options.argnums ?? 0;
  const list = typeof argnums === 'number' ? [argnums] : argnums;
  return (...args: A) => {
    const [, grads] = valueAndGradImpl(f as (...a: Tensor[]) => Tensor, list, args);
    return typeof argnums === 'number' ? grads[0]! : grads;
  };
}

/**
 * Like {@link grad}, returning `[value, gradient]` from one forward pass.
 *
 * @example
 * ```ts
 * const [loss, g] = valueAndGrad((w: Tensor) => w.square().sum())(w0);
 * ```
 */
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor): (...args: A) => [Tensor, Tensor];
export function valueAndGrad<A extends Tensor[]>(f: (...args: A) => Tensor, options: ArgnumsOptions<number>): (...args: A) => [Tensor, Tensor];
export function valueAndGrad<A extends Tensor[]>(
  f: (...args: A) => Tensor,
  options: ArgnumsOptions<readonly number[]>,
): (...args: A) => [Tensor, Tensor[]];
export function valueAndGrad<A extends Tensor[]>(
  f: (...args: A) => Tensor,
  options: ArgnumsOptions<number | readonly number[]> = {},
): (...args: A) => [Tensor, Tensor | Tensor[]] {
  checkOptions('valueAndGrad', options, argnumsOptionRules);
  const argnums = options.argnums ?? 0;
  const list = typeof argnums === 'number' ? [argnums] : argnums;
  return (...args: A) => {
    const [value, grads] = valueAndGradImpl(f as (...a: Tensor[]) => Tensor, list, args);
    return [value, typeof argnums === 'number' ? grads[0]! : grads];
  };
}

/**
 * The vector-Jacobian product `vᵀ·J` of `f` at `inputs`: returns the output
 * and one gradient per input.
 *
 * @example
 * ```ts
 * const [y, [vx]] = vjp((x) => x.exp(), [x], onesLike(x));
 * ```
 */
export function vjp(f: (...args: Tensor[]) => Tensor, inputs: readonly Tensor[], v: Tensor): [Tensor, Tensor[]] {
  const argnums = inputs.map((_, i) => i);
  const { inputs: xs, nested } = prepare(inputs, argnums);
  return enableGrad(() => {
    const out = f(...xs);
    if (!out.requiresGrad) return [out, xs.map((x) => zerosLike(x))];
    const grads = gradPerExample([out], xs, [v], { createGraph: nested, allowUnused: true });
    return [nested ? out : out.detach(), grads];
  });
}

/**
 * The Jacobian-vector product `J·t` of `f` at `inputs`, by the double-vjp
 * trick: `J·t` is the gradient with respect to `u` of `⟨Jᵀu, t⟩`.
 *
 * @example
 * ```ts
 * const [y, jt] = jvp((x) => x.sin(), [x], [onesLike(x)]); // jt = cos(x)
 * ```
 */
export function jvp(f: (...args: Tensor[]) => Tensor, inputs: readonly Tensor[], tangents: readonly Tensor[]): [Tensor, Tensor] {
  if (tangents.length !== inputs.length) throw new AutogradError(`jvp: got ${tangents.length} tangents for ${inputs.length} inputs`);
  const argnums = inputs.map((_, i) => i);
  const { inputs: xs, nested } = prepare(inputs, argnums);
  return enableGrad(() => {
    const out = f(...xs);
    // The cotangent the double-vjp trick differentiates by: one per example inside vmap.
    const u = batchedEverywhere(zerosLike(out)).detach().requiresGrad_(true);
    if (!out.requiresGrad) return [out, zerosLike(out)];
    const gs = gradPerExample([out], xs, [u], { createGraph: true, allowUnused: true });
    const roots: Tensor[] = [];
    const weights: Tensor[] = [];
    gs.forEach((g, i) => {
      if (g.requiresGrad) {
        roots.push(g);
        weights.push(tangents[i]!.to(g.dtype));
      }
    });
    if (roots.length === 0) return [out.detach(), zerosLike(out)];
    const [jt] = gradPerExample(roots, [u], weights, { createGraph: nested, allowUnused: true });
    return [nested ? out : out.detach(), jt!];
  });
}

/**
 * The Hessian of scalar-valued `f` at `x`: shape `[...x.shape, ...x.shape]`,
 * one double-backward per element of `x`.
 *
 * @example
 * ```ts
 * hessian((x) => x.pow(3).sum())(tensor([1, 2])); // [[6, 0], [0, 12]]
 * ```
 */
export function hessian(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  return (x: Tensor) => {
    const { inputs, nested } = prepare([x], [0]);
    const xi = inputs[0]!;
    return enableGrad(() => {
      const out = scalarOut('hessian', f(xi));
      if (!out.requiresGrad) return zeros([...x.shape, ...x.shape], { dtype: x.dtype, device: x.device });
      const [g] = gradPerExample([out], [xi], undefined, { createGraph: true, allowUnused: true });
      const flat = g!.reshape([x.numel]);
      const rows: Tensor[] = [];
      for (let i = 0; i < x.numel; i++) {
        const gi = flat.select(0, i);
        const [row] = gi.requiresGrad
          ? gradPerExample([gi], [xi], undefined, { createGraph: nested, retainGraph: true, allowUnused: true })
          : [zerosLike(xi)];
        rows.push(row!.reshape([x.numel]));
      }
      return stack(rows).reshape([...x.shape, ...x.shape]);
    });
  };
}
