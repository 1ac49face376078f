import { cat, stack, type Tensor } from '@tapegrad/core';

/**
 * What vmap must compute, by the loop it replaces: `f` on each example (the
 * arguments sliced along their dims; `null` passes an argument whole) and
 * the results stacked along `outDim`. The reference of the vmap tests: it
 * runs no batching rule.
 */
export function loopMap(f: (...xs: Tensor[]) => Tensor, inDims: readonly (number | null)[], outDim = 0): (...xs: Tensor[]) => Tensor {
  return (...xs: Tensor[]): Tensor => {
    const sizes = xs.flatMap((x, i) => (inDims[i] === null ? [] : [x.shape[(inDims[i]! + x.ndim) % x.ndim]!]));
    const outs: Tensor[] = [];
    for (let b = 0; b < sizes[0]!; b++) outs.push(f(...xs.map((x, i) => (inDims[i] === null ? x : x.select(inDims[i]!, b)))));
    const rank = outs[0]!.ndim;
    return stack(outs, outDim < 0 ? outDim + rank + 1 : outDim);
  };
}

/** One level of a batch of arguments: where its dim goes among the dims below it (null: not batched), and its size. */
export interface BatchLevelPlan {
  readonly pos: number | null;
  readonly size: number;
}

/**
 * Example `k` of the values `x` stands for: its elements shifted cyclically
 * by `k` and, for floats, scaled by 1 + k/100 (within every op spec's
 * domain, so that each example differs).
 */
export function variant(x: Tensor, k: number): Tensor {
  if (k === 0 || x.numel === 0) return x;
  const flat = x.reshape([x.numel]);
  const s = k % x.numel;
  const rolled = s === 0 ? flat : cat([flat.slice(0, s), flat.slice(0, 0, s)]);
  const out = rolled.reshape(x.shape);
  return x.dtype === 'float64' || x.dtype === 'float32' ? out.mul(1 + k / 100) : out;
}

/**
 * The batched argument built from `x` for nested levels (outermost first):
 * each level stacks its examples at its `pos` (taken modulo the rank + 1 of
 * what it stacks), and a level with `pos` null repeats nothing: the argument
 * is the same for each of its examples. Returns the tensor and the dims
 * (resolved `pos`) each level maps.
 */
export function batchOf(x: Tensor, levels: readonly BatchLevelPlan[]): { arg: Tensor; dims: (number | null)[] } {
  const dims: (number | null)[] = [];
  const build = (depth: number, code: number): Tensor => {
    if (depth === levels.length) return variant(x, code);
    const { pos, size } = levels[depth]!;
    if (pos === null) {
      dims[depth] = null;
      return build(depth + 1, code * 4);
    }
    const parts: Tensor[] = [];
    for (let b = 0; b < size; b++) parts.push(build(depth + 1, code * 4 + b));
    const p = pos % (parts[0]!.ndim + 1);
    dims[depth] = p;
    return stack(parts, p);
  };
  return { arg: build(0, 0), dims };
}
