import { TapegradError, fmtShape } from '../errors.js';
import type { Primitive, PrimitiveParams } from './primitives.js';
import type { Tensor } from '../tensor/tensor.js';

// The vmap levels in effect, innermost last. `vmap` pushes a level while its
// function runs; a tensor batched by it carries that level. This module holds
// no batching logic: each level carries the hooks of the vmap that made it,
// so `apply`, in-place writes and random draws reach the batching rules
// without importing them.

/**
 * What vmap does with random ops inside it, as PyTorch's `randomness`:
 * `'error'` refuses them, `'same'` draws one value shared by every example,
 * `'different'` draws a value for each example.
 *
 * @example
 * ```ts
 * vmap(f, { randomness: 'different' });
 * ```
 */
export type Randomness = 'error' | 'same' | 'different';

/** How one vmap runs ops on the tensors it batches. */
export interface BatchingHooks {
  /** Runs a primitive whose innermost batched input is batched at `level`. */
  apply<P extends Primitive>(level: BatchLevel, prim: P, inputs: readonly Tensor[], params: PrimitiveParams[P]): Tensor;
  /** Writes `result()` (the out-of-place value of an in-place op) into `self`, which must be batched at `level`. */
  update(level: BatchLevel, op: string, self: Tensor, result: () => Tensor): void;
  /** A random tensor as the levels' randomness says: `draw()` makes one unbatched draw. */
  random(op: string, draw: () => Tensor): Tensor;
  /** Runs `fn` once per example of `level` and stacks the results: for what has no batching rule. */
  map(level: BatchLevel, fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[]): Tensor;
}

/**
 * One vmap in effect: its batch size, its place among the vmaps in effect
 * (0 is the outermost) and its hooks.
 */
export interface BatchLevel {
  readonly depth: number;
  readonly size: number;
  readonly randomness: Randomness;
  readonly hooks: BatchingHooks;
}

/** The key under which a batched tensor keeps {@link BatchInfo}. */
export const batchedKey: unique symbol = Symbol('tapegrad.batched');

/**
 * What a batched tensor is: `value`, one level down, holds every example
 * along `bdim`; the tensor itself shows the shape of one example.
 */
export interface BatchInfo {
  readonly value: Tensor;
  readonly bdim: number;
  readonly level: BatchLevel;
}

const levels: BatchLevel[] = [];

/**
 * The batch information of `t`, or undefined when it is not batched.
 *
 * @example
 * ```ts
 * batchInfo(x)?.bdim;
 * ```
 */
export function batchInfo(t: Tensor): BatchInfo | undefined {
  return (t as { [batchedKey]?: BatchInfo })[batchedKey];
}

/**
 * Whether some tensor of `ts` is batched by a vmap (plain numbers are not).
 *
 * @example
 * ```ts
 * if (anyBatched(inputs)) return topLevel('add', inputs).hooks.apply('add', inputs, undefined);
 * ```
 */
export function anyBatched(ts: readonly unknown[]): boolean {
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    if (typeof t === 'object' && t !== null && (t as { [batchedKey]?: BatchInfo })[batchedKey] !== undefined) return true;
  }
  return false;
}

/**
 * The tensor holding every example of every level of `t`: what kernels and
 * the tape see.
 *
 * @example
 * ```ts
 * physicalOf(x).shape; // [batch, ...x.shape] for x batched along dim 0
 * ```
 */
export function physicalOf(t: Tensor): Tensor {
  let p = t;
  for (let info = batchInfo(p); info !== undefined; info = batchInfo(p)) p = info.value;
  return p;
}

/**
 * The vmap levels in effect, outermost first.
 *
 * @example
 * ```ts
 * activeLevels().map((l) => l.size);
 * ```
 */
export function activeLevels(): readonly BatchLevel[] {
  return levels;
}

/**
 * Runs `fn` inside a new innermost level.
 *
 * @example
 * ```ts
 * withLevel(4, 'error', hooks, (level) => f(wrap(x, 0, level)));
 * ```
 */
export function withLevel<T>(size: number, randomness: Randomness, hooks: BatchingHooks, fn: (level: BatchLevel) => T): T {
  const level: BatchLevel = { depth: levels.length, size, randomness, hooks };
  levels.push(level);
  try {
    return fn(level);
  } finally {
    levels.pop();
  }
}

/**
 * Whether `level` is still in effect (its vmap has not returned).
 *
 * @example
 * ```ts
 * isActive(batchInfo(x)!.level);
 * ```
 */
export function isActive(level: BatchLevel): boolean {
  return levels[level.depth] === level;
}

/**
 * The innermost level at which some tensor of `ts` is batched. Throws when a
 * batched tensor outlived its vmap (kept in a variable outside the function):
 * its elements belong to examples that no longer exist.
 *
 * @example
 * ```ts
 * topLevel('add', [a, b]).hooks.apply('add', [a, b], undefined);
 * ```
 */
export function topLevel(op: string, ts: readonly unknown[]): BatchLevel {
  let top: BatchLevel | undefined;
  for (const t of ts) {
    if (typeof t !== 'object' || t === null) continue;
    const info = batchInfo(t as Tensor);
    if (info === undefined) continue;
    if (!isActive(info.level)) {
      throw new TapegradError(
        `${op}: a tensor of shape ${fmtShape((t as Tensor).shape)} was batched by a vmap that has returned; ` +
          'a batched tensor is only valid inside the function vmap runs: return it from that function instead of keeping it outside',
      );
    }
    if (top === undefined || info.level.depth > top.depth) top = info.level;
  }
  if (top === undefined) throw new TapegradError(`${op}: no operand is batched`);
  return top;
}

/**
 * Throws for a read of a batched tensor's elements: they differ from example
 * to example, and the function vmap runs sees one example.
 *
 * @example
 * ```ts
 * refuseBatchedRead('item', x);
 * ```
 */
export function refuseBatchedRead(op: string, t: Tensor): void {
  if (batchInfo(t) === undefined) return;
  throw new TapegradError(
    `${op}: cannot read the elements of a tensor batched by vmap (shape ${fmtShape(t.shape)} per example): ` +
      'they differ between examples. Return the tensor from the function vmap runs and read the result',
  );
}
