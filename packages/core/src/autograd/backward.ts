import { BackwardMemory } from './backward-memory.js';
import { isFloating } from '../dtype.js';
import { AutogradError, OptionError, TapegradError, fmtShape } from '../errors.js';
import { checkOptions, optionRules, type OptionRules } from '../options.js';
import { foreignTensorMessage, hasTensorBrand } from '../tensor/brand.js';
import { enableGrad, noGrad } from './grad-mode.js';
import { onesLike, zerosLike } from '../tensor/creation.js';
import { firstNonFinite } from '../ops/elementwise.js';
import { sumToShape } from '../ops/sum-to-shape.js';
import { shapesEqual } from '../shape.js';
import { outsidePass } from './backward-memory.js';
import type { Edge, GradHook, TapeNode } from './tape-node.js';
import type { Tensor } from '../tensor/tensor.js';
import { anyBatched } from '../primitives/batching.js';

/**
 * Options of {@link Tensor.backward} and the functional API.
 *
 * @example
 * ```ts
 * y.backward(undefined, { retainGraph: true });
 * ```
 */
export interface BackwardOptions {
  /** Keep the saved values so that the graph can be walked again. */
  readonly retainGraph?: boolean;
  /** Record the backward pass itself, for gradients of gradients (implies retainGraph). */
  readonly createGraph?: boolean;
}

const backwardOptionRules: OptionRules = { retainGraph: optionRules.boolean, createGraph: optionRules.boolean };
const gradOptionRules: OptionRules = { ...backwardOptionRules, allowUnused: optionRules.boolean };

/** Where gradients end up: in leaves' `.grad`, or captured for chosen tensors. */
type Sink = { kind: 'accumulate' } | { kind: 'capture'; leaves: Map<Tensor, Tensor | null>; nodes: Map<TapeNode, Tensor | null> };

/** Hooks are user code: what they see or make may be kept, so it leaves the engine's tracking. */
function runHooks(hooks: readonly GradHook[] | null, g: Tensor): Tensor {
  if (hooks === null) return g;
  return outsidePass([g], () => {
    for (const h of hooks) g = h(g) ?? g;
    return g;
  });
}

/** Checks a gradient produced in backward when anomaly detection is on. */
function checkAnomaly(node: TapeNode, g: Tensor, input: number): void {
  const bad = firstNonFinite(g);
  if (bad === null) return;
  throw new AutogradError(
    `backward: the gradient of input ${input} of '${node.name}' contains ${bad} (shape ${fmtShape(g.shape)}). '${node.name}' was called at:\n${node.stack ?? '(stack unavailable)'}`,
  );
}

/** Fits a rule's gradient to its input: undo broadcasting once, here, and match the dtype. */
function fit(g: Tensor, edge: Edge): Tensor {
  let out = shapesEqual(g.shape, edge.shape) ? g : sumToShape(g, edge.shape);
  if (out.dtype !== edge.dtype) out = out.to(edge.dtype);
  return out;
}

/**
 * Adds `g` to a `.grad`. Without createGraph the `.grad` owns contiguous
 * storage of its own (a rule may hand on `g` itself, or a broadcast view of
 * it): `g` is taken as it is when nothing else holds it, copied otherwise,
 * and later additions happen in place. With createGraph the sum is recorded.
 * The result leaves the engine.
 */
function accumulated(prev: Tensor | null, g: Tensor, createGraph: boolean, memory: BackwardMemory | null): Tensor {
  let out: Tensor;
  if (createGraph) out = prev === null ? g : prev.add(g);
  else if (prev !== null) out = prev.add_(g);
  else out = memory?.canSteal(g) ? g : g.clone();
  memory?.escape(out);
  return out;
}

function accumulateLeaf(leaf: Tensor, g: Tensor, sink: Sink, createGraph: boolean, memory: BackwardMemory | null): void {
  g = runHooks(leaf.hooks, g);
  if (sink.kind === 'capture') {
    if (sink.leaves.has(leaf)) sink.leaves.set(leaf, accumulated(sink.leaves.get(leaf) ?? null, g, true, memory));
    return;
  }
  leaf.grad = accumulated(leaf.grad, g, createGraph, memory);
}

/**
 * A max-heap of nodes by recording number. Popping it walks the graph in
 * reverse recording order, which is a reverse topological order: a node is
 * popped only after every node that consumed its output.
 */
class NodeHeap {
  private readonly items: TapeNode[] = [];

  /** Queues `node`; the engine pushes each node once, with its first gradient. */
  push(node: TapeNode): void {
    const a = this.items;
    let i = a.push(node) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.id >= node.id) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = node;
  }

  pop(): TapeNode | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && a[r]!.id > a[l]!.id ? r : l;
      if (a[c]!.id <= last.id) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

let passes = 0;
const runningPasses = new Set<number>();

/**
 * Gradients waiting for their node, kept on the node itself: no hashing of
 * nodes on the hot path. The pass number tells this pass's gradient from one
 * a failed pass left behind; a pass started inside another one (from a hook
 * or a custom op) that reaches a node the outer one is still waiting on is
 * refused, rather than mixing their gradients.
 */
class PendingGrads {
  private readonly pass = ++passes;

  constructor() {
    runningPasses.add(this.pass);
  }

  get(node: TapeNode): Tensor | undefined {
    return node.pendingIn === this.pass ? (node.pending ?? undefined) : undefined;
  }

  set(node: TapeNode, g: Tensor): void {
    if (node.pendingIn !== this.pass && node.pending !== null && runningPasses.has(node.pendingIn)) {
      throw new AutogradError(`backward: a backward pass started during another one reached '${node.name}', whose gradient the outer pass is still computing`);
    }
    node.pendingIn = this.pass;
    node.pending = g;
  }

  delete(node: TapeNode): void {
    node.pending = null;
  }

  /** Ends the pass; gradients a failed pass left on nodes are ignored from now on. */
  close(): void {
    runningPasses.delete(this.pass);
  }
}

/** What `add` needs of a set of gradient slots. */
interface Slots<K> {
  get(key: K): Tensor | undefined;
  set(key: K, g: Tensor): void;
}

/**
 * The engine: walks the recorded nodes reachable from `roots` from last to
 * first, applies each node's rule and routes the gradients along its edges.
 * It knows nothing about particular ops.
 */
export function runBackward(roots: readonly Tensor[], rootGrads: readonly Tensor[], options: BackwardOptions, sink: Sink): void {
  const createGraph = options.createGraph ?? false;
  const retain = options.retainGraph ?? createGraph;
  // Gradients waiting for their node, and a leaf's contributions, summed
  // first so that its hooks see its whole gradient once, as PyTorch's do.
  const pending = new PendingGrads();
  const leafPending = new Map<Tensor, Tensor>();
  // With createGraph everything made here is recorded and reachable from the
  // results; otherwise the engine recycles what it made and nobody holds.
  let memory: BackwardMemory | null = null;
  // Adds `g` to a slot; true when it is the slot's first gradient.
  const add = <K>(slots: Slots<K>, key: K, g: Tensor): boolean => {
    const prev = slots.get(key);
    const next = prev === undefined ? g : prev.add(g);
    if (prev !== undefined) memory?.drop(prev);
    memory?.hold(next);
    slots.set(key, next);
    return prev === undefined;
  };
  const heap = new NodeHeap();
  const run = (): void => {
    roots.forEach((root, i) => {
      const g = rootGrads[i]!;
      if (root.gradFn === null) {
        add(leafPending, root, g);
        return;
      }
      if (add(pending, root.gradFn, g)) heap.push(root.gradFn);
    });
    for (let node = heap.pop(); node !== undefined; node = heap.pop()) {
      let g = pending.get(node);
      if (g === undefined) continue;
      pending.delete(node);
      memory?.drop(g);
      g = runHooks(node.hooks, g);
      if (node.retained !== null) node.retained.grad = accumulated(node.retained.grad, g, createGraph, memory);
      if (sink.kind === 'capture' && sink.nodes.has(node)) sink.nodes.set(node, accumulated(sink.nodes.get(node) ?? null, g, true, memory));
      const grads = node.rule(g, node);
      if (!retain) node.free();
      const edges = node.edges;
      for (let i = 0; i < edges.length; i++) {
        const edge = edges[i];
        const gi = grads[i];
        if (edge === null || edge === undefined || gi === null || gi === undefined) continue;
        // biome-ignore lint/suspicious/noFocusedTests: fit() sums a gradient down to its edge's shape; not Jasmine's fit.
        const fitted = fit(gi, edge);
        if (node.stack !== undefined) checkAnomaly(node, fitted, i);
        if (edge.node !== null) {
          // Each node is pushed once: popping in reverse recording order, no
          // gradient reaches a node after it has been popped.
          if (add(pending, edge.node, fitted)) heap.push(edge.node);
        } else if (edge.leaf !== null) {
          add(leafPending, edge.leaf, fitted);
        }
      }
      memory?.sweep();
    }
    for (const [leaf, g] of leafPending) {
      accumulateLeaf(leaf, g, sink, createGraph, memory);
      memory?.drop(g);
    }
  };
  if (createGraph) {
    try {
      enableGrad(run);
    } finally {
      pending.close();
    }
    return;
  }
  memory = new BackwardMemory();
  let finished = false;
  try {
    noGrad(run);
    finished = true;
  } finally {
    pending.close();
    memory.close(finished);
  }
}

function rootGradients(roots: readonly Tensor[], grads: readonly Tensor[] | undefined): Tensor[] {
  return roots.map((root, i) => {
    if (!root.requiresGrad) {
      throw new AutogradError(`backward: output ${i} (shape ${fmtShape(root.shape)}) does not require grad and has no recorded op; nothing to differentiate`);
    }
    const g: unknown = grads?.[i];
    if (g === undefined || g === null) {
      if (root.numel !== 1) {
        throw new AutogradError(
          `backward: the root has shape ${fmtShape(root.shape)}; a gradient can be created implicitly only for a scalar. Pass the gradient of some scalar with respect to it: backward(gradient).`,
        );
      }
      return onesLike(root);
    }
    if (!hasTensorBrand(g)) {
      const keys = typeof g === 'object' ? Object.keys(g) : [];
      if (keys.some((k) => k in backwardOptionRules)) {
        throw new OptionError(
          `backward: got the options object { ${keys.join(', ')} } where the gradient goes; the gradient comes first and the options second: ` +
            `y.backward(undefined, { ${keys.join(', ')} }) or backward([y], undefined, { ... })`,
        );
      }
      throw new AutogradError(`backward: gradient ${i} must be a tensor of the root's shape ${fmtShape(root.shape)}, got ${typeof g === 'object' ? 'an object' : typeof g}`);
    }
    if (!(g instanceof (root.constructor as typeof Tensor))) throw new TapegradError(foreignTensorMessage('backward', `gradient ${i}`));
    if (!shapesEqual(g.shape, root.shape)) {
      throw new AutogradError(`backward: gradient has shape ${fmtShape(g.shape)} but the root has shape ${fmtShape(root.shape)}`);
    }
    if (!isFloating(g.dtype)) throw new AutogradError(`backward: gradient must be a float tensor, got ${g.dtype}`);
    return g;
  });
}

/** Throws for tensors batched by vmap: a gradient through the batch would mix its examples. */
function refuseBatched(op: string, ts: readonly Tensor[]): void {
  if (!anyBatched(ts)) return;
  throw new AutogradError(
    `${op}: called inside vmap on a batched tensor, whose gradient would mix the examples; use grad(), valueAndGrad(), vjp() or jvp() inside vmap, which give one gradient per example`,
  );
}

/**
 * Accumulates into every reachable leaf's `.grad` the gradient of the roots
 * (weighted by `grads` for non-scalar roots).
 *
 * @example
 * ```ts
 * backward([loss]);
 * ```
 */
export function backward(roots: readonly Tensor[], grads?: readonly Tensor[], options: BackwardOptions = {}): void {
  checkOptions('backward', options, backwardOptionRules);
  refuseBatched('backward', roots);
  runBackward(roots, rootGradients(roots, grads), options, { kind: 'accumulate' });
}

/**
 * Options of {@link autogradGrad}.
 *
 * @example
 * ```ts
 * autogradGrad([y], [x], undefined, { createGraph: true, allowUnused: true });
 * ```
 */
export interface GradOptions extends BackwardOptions {
  /** Return zeros, instead of throwing, for an input the outputs do not depend on. */
  readonly allowUnused?: boolean;
}

/**
 * The gradients of `outputs` with respect to `inputs`, returned rather than
 * accumulated into `.grad` (PyTorch's `torch.autograd.grad`).
 *
 * @example
 * ```ts
 * const [dx] = autogradGrad([x.pow(3).sum()], [x], undefined, { createGraph: true });
 * ```
 */
export function autogradGrad(
  outputs: readonly Tensor[],
  inputs: readonly Tensor[],
  grads?: readonly Tensor[],
  options: GradOptions = {},
): Tensor[] {
  checkOptions('grad', options, gradOptionRules);
  refuseBatched('grad', outputs);
  refuseBatched('grad', inputs);
  const leaves = new Map<Tensor, Tensor | null>();
  const nodes = new Map<TapeNode, Tensor | null>();
  inputs.forEach((t, i) => {
    if (!t.requiresGrad) throw new AutogradError(`grad: input ${i} (shape ${fmtShape(t.shape)}) does not require grad`);
    if (t.gradFn === null) leaves.set(t, null);
    else nodes.set(t.gradFn, null);
  });
  runBackward(outputs, rootGradients(outputs, grads), options, { kind: 'capture', leaves, nodes });
  return inputs.map((t, i) => {
    const g = t.gradFn === null ? leaves.get(t) : nodes.get(t.gradFn);
    if (g !== null && g !== undefined) return g;
    if (options.allowUnused) return zerosLike(t);
    throw new AutogradError(`grad: input ${i} (shape ${fmtShape(t.shape)}) was not used to compute the outputs; pass { allowUnused: true } to get zeros`);
  });
}
