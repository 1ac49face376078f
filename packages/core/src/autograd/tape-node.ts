import type { DType } from '../dtype.js';
import { AutogradError, fmtShape } from '../errors.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Where an input's gradient goes: the node that produced it, or the leaf
 * tensor that accumulates it; with the shape and dtype the gradient must have.
 */
export interface Edge {
  readonly node: TapeNode | null;
  readonly leaf: Tensor | null;
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * What a derivative rule sees: its parameters, the saved inputs and output
 * (checked against in-place modification when read), their shapes and dtypes
 * (always available), and which inputs need a gradient.
 */
export interface RuleContext<P> {
  readonly params: P;
  readonly needs: readonly boolean[];
  readonly shapes: readonly Shape[];
  readonly dtypes: readonly DType[];
  /** The i-th input as it was when the op ran. */
  input(i: number): Tensor;
  /** The op's output as it was when the op ran. */
  out(): Tensor;
}

/**
 * A derivative rule: the gradients of the inputs given the gradient `g` of the
 * output, written in tensor ops (so that they can be differentiated again),
 * `null` for an input that gets none. The engine reduces each gradient to its
 * input's shape and dtype, so rules return output-shaped gradients.
 */
export type VjpRule<P> = (g: Tensor, ctx: RuleContext<P>) => readonly (Tensor | null)[];

/** A gradient hook: sees the gradient and may return a replacement. */
// biome-ignore lint/suspicious/noConfusingVoidType: a hook with no return statement keeps the gradient as it is.
export type GradHook = (grad: Tensor) => Tensor | void;

let counter = 0;

/**
 * One recorded op. Nodes are numbered in recording order, which is a
 * topological order: backward walks them from the highest number down.
 */
export class TapeNode<P = unknown> implements RuleContext<P> {
  readonly id = counter++;
  /** Shape and dtype of the op's output (kept after the saved values are freed). */
  readonly outShape: Shape;
  readonly outDtype: DType;
  hooks: GradHook[] | null = null;
  retained: Tensor | null = null;
  /** The gradient waiting for this node in backward pass `pendingIn` (engine bookkeeping). */
  pending: Tensor | null = null;
  pendingIn = 0;
  // Saved values and their versions at recording time; null once freed.
  private inputs: readonly Tensor[] | null;
  private versions: readonly number[] | null;
  private output: Tensor | null;
  private readonly outVersion: number;
  private lazyNeeds: readonly boolean[] | null = null;

  constructor(
    readonly name: string,
    readonly rule: VjpRule<P>,
    readonly params: P,
    readonly edges: readonly (Edge | null)[],
    /** The inputs, then any further tensors the op saved for its rule. */
    inputs: readonly Tensor[],
    out: Tensor,
    readonly stack: string | undefined,
  ) {
    this.outShape = out.shape;
    this.outDtype = out.dtype;
    this.inputs = inputs;
    // Most saved tensors were never written in place: no array for all-zero versions.
    let versions: number[] | null = null;
    for (let i = 0; i < inputs.length; i++) {
      const v = inputs[i]!.version;
      if (v !== 0) (versions ??= new Array<number>(inputs.length).fill(0))[i] = v;
    }
    this.versions = versions;
    this.output = out;
    this.outVersion = out.version;
  }

  get needs(): readonly boolean[] {
    return (this.lazyNeeds ??= this.edges.map((e) => e !== null));
  }

  get shapes(): readonly Shape[] {
    return this.live().slice(0, this.edges.length).map((t) => t.shape);
  }

  get dtypes(): readonly DType[] {
    return this.live().slice(0, this.edges.length).map((t) => t.dtype);
  }

  input(i: number): Tensor {
    const t = this.live()[i]!;
    const saved = this.versions?.[i] ?? 0;
    if (t.version !== saved) throw this.modified(`input ${i}`, t, saved);
    return t;
  }

  out(): Tensor {
    this.live();
    const out = this.output!;
    if (out.version !== this.outVersion) throw this.modified('output', out, this.outVersion);
    return out;
  }

  /** Drops the saved values so that their memory can be reclaimed. */
  free(): void {
    this.inputs = null;
    this.output = null;
  }

  private live(): readonly Tensor[] {
    if (this.inputs === null) {
      throw new AutogradError(
        `backward: trying to backward through '${this.name}' a second time; its saved values were freed after the first backward. Pass { retainGraph: true } to the first backward() to keep them.`,
      );
    }
    return this.inputs;
  }

  private modified(what: string, t: Tensor, was: number): AutogradError {
    return new AutogradError(
      `backward: the ${what} of '${this.name}' (shape ${fmtShape(t.shape)}, ${t.dtype}) was modified by an in-place op after '${this.name}' saved it (version ${t.version}, saved at version ${was}); its gradient needs the value it had then. Use an out-of-place op or clone() it first.`,
    );
  }
}
