import { checkOptions, optionRules, type OptionRules } from '../options.js';
import { autogradGrad } from '../autograd/backward.js';
import { TapegradError, fmtShape } from '../errors.js';
import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { fromArray } from '../tensor/make.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * Options of {@link gradcheck} and {@link gradgradcheck}; the defaults are PyTorch's.
 *
 * @example
 * ```ts
 * gradcheck(f, [x], { atol: 1e-6, raiseException: false });
 * ```
 */
export interface GradcheckOptions {
  /** Step of the central difference. */
  readonly eps?: number;
  /** Absolute tolerance. */
  readonly atol?: number;
  /** Relative tolerance (relative to the numerical value). */
  readonly rtol?: number;
  /** Throw on failure (the default) rather than only report it. */
  readonly raiseException?: boolean;
  /** Also check that a zero upstream gradient gives zero gradients. */
  readonly checkZeroGrad?: boolean;
  /** Also check that two backward passes give the same gradients. */
  readonly checkDeterminism?: boolean;
}

const gradcheckOptionRules: OptionRules = {
  eps: optionRules.positive,
  atol: optionRules.nonNegative,
  rtol: optionRules.nonNegative,
  raiseException: optionRules.boolean,
  checkZeroGrad: optionRules.boolean,
  checkDeterminism: optionRules.boolean,
};

/**
 * The outcome of a gradient check.
 *
 * @example
 * ```ts
 * const report = gradcheck(f, [x], { raiseException: false });
 * if (!report.ok) console.log(report.failures);
 * ```
 */
export interface GradcheckReport {
  readonly ok: boolean;
  /** Largest |analytical − numerical| over all Jacobian entries. */
  readonly maxAbsError: number;
  /** Number of Jacobian entries compared. */
  readonly entries: number;
  /** One message per failed check. */
  readonly failures: readonly string[];
}

/**
 * Thrown by a failed gradient check; the message names the input, the element
 * and the analytical and numerical values.
 *
 * @example
 * ```ts
 * try { gradcheck(f, [x]); } catch (e) { if (e instanceof GradcheckError) console.log(e.message); }
 * ```
 */
export class GradcheckError extends TapegradError {
  override name = 'GradcheckError';
}

type Fn = (...inputs: Tensor[]) => Tensor | readonly Tensor[];

function outputsOf(fn: Fn, inputs: readonly Tensor[]): Tensor[] {
  const out = fn(...inputs);
  return (out instanceof Tensor ? [out] : [...out]).filter((t) => t.dtype === 'float64' || t.dtype === 'float32');
}

/** Contiguous float64 leaf copies of the inputs, so that elements can be perturbed one by one. */
function leafCopies(inputs: readonly Tensor[]): Tensor[] {
  return inputs.map((t, i) => {
    if (!t.requiresGrad) return t;
    if (t.dtype !== 'float64') {
      throw new GradcheckError(`gradcheck: input ${i} requires grad but is ${t.dtype}; finite differences need float64 (use .double())`);
    }
    return fromArray(t.data, t.shape.slice(), 'float64', t.device).requiresGrad_(true);
  });
}

function flatValues(t: Tensor): Float64Array {
  return t.to('float64').data as Float64Array;
}

/** Numerical Jacobian blocks J[o][i]: rows = output elements, columns = input elements. */
function numericalJacobian(fn: Fn, inputs: readonly Tensor[], eps: number): Float64Array[][] {
  const outs0 = noGrad(() => outputsOf(fn, inputs));
  return outs0.map((out, o) =>
    inputs.map((x) => {
      const m = out.numel;
      const n = x.requiresGrad ? x.numel : 0;
      const jac = new Float64Array(m * n);
      // Perturbed one element at a time, in place and unrecorded, through the
      // backend (deferred results that read x keep their own values).
      const flat = noGrad(() => (n > 0 ? x.reshape([n]) : x));
      const original = n > 0 ? (x.data as Float64Array) : new Float64Array(0);
      const set = (j: number, v: number): void => void noGrad(() => flat.narrow(0, j, 1).fill_(v));
      for (let j = 0; j < n; j++) {
        const orig = original[j]!;
        set(j, orig + eps);
        const plus = flatValues(noGrad(() => outputsOf(fn, inputs))[o]!);
        set(j, orig - eps);
        const minus = flatValues(noGrad(() => outputsOf(fn, inputs))[o]!);
        set(j, orig);
        for (let k = 0; k < m; k++) jac[k * n + j] = (plus[k]! - minus[k]!) / (2 * eps);
      }
      return jac;
    }),
  );
}

/** Analytical Jacobian blocks by one backward pass per output element. */
function analyticalJacobian(fn: Fn, inputs: readonly Tensor[]): Float64Array[][] {
  const diff = inputs.filter((t) => t.requiresGrad);
  const outs = enableGrad(() => outputsOf(fn, inputs));
  return outs.map((out) => {
    const m = out.numel;
    const blocks = inputs.map((x) => new Float64Array(x.requiresGrad ? m * x.numel : 0));
    if (!out.requiresGrad) return blocks;
    for (let k = 0; k < m; k++) {
      const onehot = new Float64Array(m);
      onehot[k] = 1;
      const g = fromArray(onehot, out.shape.slice(), 'float64', out.device).to(out.dtype);
      const grads = autogradGrad([out], diff, [g], { retainGraph: true, allowUnused: true });
      let d = 0;
      inputs.forEach((x, i) => {
        if (!x.requiresGrad) return;
        const gi = flatValues(grads[d++]!);
        const n = x.numel;
        for (let j = 0; j < n; j++) blocks[i]![k * n + j] = gi[j]!;
      });
    }
    return blocks;
  });
}

function elementIndex(shape: readonly number[], flat: number): string {
  const idx: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${idx.join(', ')}]`;
}

/**
 * Checks the gradients of `fn` at `inputs` against central finite
 * differences, in float64: for every input that requires grad, every element
 * of the Jacobian must satisfy `|analytical − numerical| ≤ atol + rtol·|numerical|`.
 * It also checks that a zero upstream gradient gives zero gradients and that
 * two backward passes agree. Throws a {@link GradcheckError} on failure
 * unless `raiseException` is false; returns a report either way.
 *
 * @example
 * ```ts
 * const x = randn([3, 4], { dtype: 'float64' }).requiresGrad_();
 * gradcheck((t) => t.tanh().sum(1), [x]); // throws if the rule is wrong
 * ```
 */
export function gradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  checkOptions('gradcheck', options, gradcheckOptionRules);
  const eps = options.eps ?? 1e-6;
  const atol = options.atol ?? 1e-5;
  const rtol = options.rtol ?? 1e-3;
  const leaves = leafCopies(inputs);
  if (!leaves.some((t) => t.requiresGrad)) throw new GradcheckError('gradcheck: no input requires grad; nothing to check');
  const failures: string[] = [];
  const numerical = numericalJacobian(fn, leaves, eps);
  const analytical = analyticalJacobian(fn, leaves);
  const outShapes = noGrad(() => outputsOf(fn, leaves)).map((t) => t.shape);
  let maxAbsError = 0;
  let entries = 0;
  numerical.forEach((blocks, o) =>
    blocks.forEach((num, i) => {
      const ana = analytical[o]![i]!;
      const x = leaves[i]!;
      const n = x.numel;
      for (let e = 0; e < num.length; e++) {
        entries++;
        const a = ana[e]!;
        const nv = num[e]!;
        const err = Math.abs(a - nv);
        if (!(err <= maxAbsError)) maxAbsError = Number.isNaN(err) ? NaN : Math.max(maxAbsError, err);
        if (!(err <= atol + rtol * Math.abs(nv)) && failures.length < 5) {
          failures.push(
            `gradcheck: Jacobian mismatch for output ${o} (shape ${fmtShape(outShapes[o]!)}) with respect to input ${i} (shape ${fmtShape(x.shape)}) at input element ${elementIndex(x.shape, e % n)}, output element ${elementIndex(outShapes[o]!, Math.floor(e / n))}: analytical ${a}, numerical ${nv} (|diff| ${err} > atol ${atol} + rtol ${rtol}·|numerical|)`,
          );
        }
      }
    }),
  );
  if (options.checkDeterminism ?? true) {
    const again = analyticalJacobian(fn, leaves);
    again.forEach((blocks, o) =>
      blocks.forEach((b, i) => {
        const first = analytical[o]![i]!;
        const at = b.findIndex((v, e) => !Object.is(v, first[e]));
        if (at >= 0) failures.push(`gradcheck: backward is not reproducible for output ${o} with respect to input ${i}: element ${at} was ${first[at]} then ${b[at]}`);
      }),
    );
  }
  if (options.checkZeroGrad ?? true) checkZeroGrad(fn, leaves, failures);
  const report: GradcheckReport = { ok: failures.length === 0, maxAbsError, entries, failures };
  if (!report.ok && (options.raiseException ?? true)) throw new GradcheckError(failures.join('\n'));
  return report;
}

function checkZeroGrad(fn: Fn, leaves: readonly Tensor[], failures: string[]): void {
  const diff = leaves.filter((t) => t.requiresGrad);
  const outs = enableGrad(() => outputsOf(fn, leaves)).filter((t) => t.requiresGrad);
  if (outs.length === 0) return;
  const zerosOut = outs.map((t) => fromArray(new Float64Array(t.numel), t.shape.slice(), 'float64', t.device).to(t.dtype));
  const grads = autogradGrad(outs, diff, zerosOut, { allowUnused: true });
  grads.forEach((g, i) => {
    const v = flatValues(g);
    const at = v.findIndex((x) => x !== 0);
    if (at >= 0) failures.push(`gradcheck: a zero upstream gradient gave a non-zero gradient ${v[at]} for differentiable input ${i} at element ${at}`);
  });
}

/**
 * Checks second derivatives: the gradients of `fn` (with random upstream
 * gradients that are themselves checked) must pass {@link gradcheck}.
 *
 * @example
 * ```ts
 * gradgradcheck((t) => t.sigmoid(), [randn([3], { dtype: 'float64' }).requiresGrad_()]);
 * ```
 */
export function gradgradcheck(fn: Fn, inputs: readonly Tensor[], options: GradcheckOptions & { readonly gradOutputs?: readonly Tensor[] } = {}): GradcheckReport {
  checkOptions('gradgradcheck', options, { ...gradcheckOptionRules, gradOutputs: optionRules.tensors });
  const leaves = leafCopies(inputs);
  const outs = enableGrad(() => outputsOf(fn, leaves));
  const gradOutputs = (options.gradOutputs ?? outs.map((o, k) => seededNormal(o.shape, k, o.device))).map((g) =>
    fromArray(g.to('float64').data, g.shape.slice(), 'float64', g.device).requiresGrad_(true),
  );
  const nIn = leaves.length;
  const diffIdx = leaves.map((t, i) => (t.requiresGrad ? i : -1)).filter((i) => i >= 0);
  // Recording stays on inside, also when gradcheck evaluates it under noGrad
  // for finite differences: the first derivatives must exist to be perturbed.
  const gradFn = (...all: Tensor[]): Tensor[] =>
    enableGrad(() => {
      const xs = all.slice(0, nIn);
      const gs = all.slice(nIn);
      const ys = outputsOf(fn, xs).filter((y) => y.requiresGrad);
      if (ys.length === 0) return [];
      return autogradGrad(ys, diffIdx.map((i) => xs[i]!), gs.slice(0, ys.length), { createGraph: true, allowUnused: true });
    });
  return gradcheck(gradFn, [...leaves, ...gradOutputs], options);
}

/** Deterministic upstream gradients, so that a failure reproduces. */
function seededNormal(shape: readonly number[], seed: number, device: string): Tensor {
  let s = (seed * 2654435761 + 12345) >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 2 ** 32) * 2 - 1;
  }
  return fromArray(data, shape.slice(), 'float64', device);
}
