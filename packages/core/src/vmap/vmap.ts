import { IndexError, ShapeError, TapegradError, fmtShape } from '../errors.js';
import { checkOptions, optionRules, type OptionRules } from '../options.js';
import {
  activeLevels,
  batchInfo,
  isActive,
  withLevel,
  type BatchLevel,
  type BatchingHooks,
  type Randomness,
} from '../primitives/batching.js';
import type { Primitive, PrimitiveParams } from '../primitives/primitives.js';
import { stack } from '../ops/movement.js';
import { zeros } from '../tensor/creation.js';
import { Tensor } from '../tensor/tensor.js';
import { BatchedTensor } from './batched-tensor.js';
import { batchRules, moveDim, type BatchRule, type Operand } from './batch-rules.js';

/**
 * Where each argument's examples lie: one dim for every argument, or one per
 * argument; `null` for an argument that is the same for every example.
 *
 * @example
 * ```ts
 * const inDims: InDims = [null, 0, 0]; // params shared, x and y batched along dim 0
 * ```
 */
export type InDims = number | null | readonly (number | null)[];

/**
 * Options of {@link vmap}.
 *
 * @example
 * ```ts
 * vmap(f, { inDims: [0, null], outDims: 1, randomness: 'different' });
 * ```
 */
export interface VmapOptions {
  /** The mapped dim of each argument (0 by default for every argument; `null`: not mapped). */
  readonly inDims?: InDims;
  /** Where the mapped dim goes in each output (0 by default; `null`: the output must not vary between examples). */
  readonly outDims?: InDims;
  /** What random ops do inside: `'error'` (the default) refuses them, `'same'` shares one draw, `'different'` draws per example. */
  readonly randomness?: Randomness;
}

const dimsRule = {
  expected: 'an integer, null, or a list of integers and nulls',
  test: (v: unknown): boolean => v === null || Number.isInteger(v) || (Array.isArray(v) && v.every((d) => d === null || Number.isInteger(d))),
};
const vmapOptionRules: OptionRules = { inDims: dimsRule, outDims: dimsRule, randomness: optionRules.oneOf('error', 'same', 'different') };

/** `t` at `level`: its value one level down and its batch dim there, or itself, unbatched there. */
function operandAt(t: Tensor, level: BatchLevel): Operand {
  const info = batchInfo(t);
  return info !== undefined && info.level === level ? { value: info.value, bdim: info.bdim } : { value: t, bdim: null };
}

/**
 * `t` (a result at `level`) as a value one level down with the batch at
 * `bdim` and the rank `rank + 1`, broadcasting to a value batched there: a
 * result the same for every example gets a size-1 batch dim.
 */
function alignedAt(t: Tensor, level: BatchLevel, bdim: number, rank: number): Tensor {
  const o = operandAt(t, level);
  const first = o.bdim === null ? o.value.reshape([1, ...o.value.shape]) : moveDim(o.value, o.bdim, 0);
  const r = first.ndim - 1;
  const full = r === rank ? first : first.reshape([first.shape[0]!, ...new Array<number>(rank - r).fill(1), ...first.shape.slice(1)]);
  return moveDim(full, 0, bdim);
}

/** Refuses random ops unless every level in effect says what they mean; draws per example where one says 'different'. */
function random(op: string, draw: () => Tensor): Tensor {
  const levels = activeLevels();
  if (levels.some((l) => l.randomness === 'error')) {
    throw new TapegradError(
      `${op}: random ops inside vmap are refused by default, as it is ambiguous whether each example gets its own draw; ` +
        "pass { randomness: 'different' } (a draw per example) or { randomness: 'same' } (one draw for all) to vmap, or draw outside vmap",
    );
  }
  let make = draw;
  for (const level of levels) {
    if (level.randomness !== 'different') continue;
    const inner = make;
    make = () => new BatchedTensor(stack(Array.from({ length: level.size }, inner)), 0, level);
  }
  return make();
}

/**
 * The hooks of every vmap: a primitive runs through its batching rule, an
 * in-place op writes its out-of-place result into the batch, and what has
 * no rule runs example by example.
 */
const hooks: BatchingHooks = {
  apply<P extends Primitive>(level: BatchLevel, prim: P, inputs: readonly Tensor[], params: PrimitiveParams[P]): Tensor {
    const rule = batchRules[prim] as BatchRule<PrimitiveParams[P]>;
    const out = rule(
      inputs.map((t) => operandAt(t, level)),
      params,
      level.size,
    );
    return new BatchedTensor(out.value, out.bdim, level);
  },
  update(level: BatchLevel, op: string, self: Tensor, result: () => Tensor): void {
    const info = batchInfo(self);
    if (info === undefined || info.level !== level) {
      throw new TapegradError(
        `${op}: cannot write a value that differs between the examples of a vmap into a tensor of shape ${fmtShape(self.shape)} that is the same for all of them ` +
          '(not batched by that vmap); use the out-of-place op instead',
      );
    }
    info.value.copy_(alignedAt(result(), level, info.bdim, self.ndim));
  },
  random,
  map(level: BatchLevel, fn: (...xs: Tensor[]) => Tensor, inputs: readonly Tensor[]): Tensor {
    const operands = inputs.map((t) => operandAt(t, level));
    const outs: Tensor[] = [];
    for (let b = 0; b < level.size; b++) outs.push(fn(...operands.map((o) => (o.bdim === null ? o.value : o.value.select(o.bdim, b)))));
    return new BatchedTensor(stack(outs), 0, level);
  },
};

function dimList(what: 'inDims' | 'outDims', dims: InDims, n: number, of: string): (number | null)[] {
  if (!Array.isArray(dims)) return new Array<number | null>(n).fill(dims as number | null);
  if (dims.length !== n) throw new IndexError(`vmap: ${what} has ${dims.length} entries, but the function ${of} ${n}; give one dim (or null) for each`);
  return dims.slice();
}

/** Zeros shaped as `t` with dim `d` of size 1. */
function oneExampleOfZeros(t: Tensor, d: number): Tensor {
  return zeros(t.shape.map((s, k) => (k === d ? 1 : s)), { dtype: t.dtype, device: t.device });
}

/** Each argument's mapped dim, checked; and the batch size they agree on. */
function mappedDims(args: readonly unknown[], inDims: InDims): { dims: (number | null)[]; size: number } {
  const list = dimList('inDims', inDims, args.length, `got ${args.length} arguments, so it needs`);
  const dims = list.map((d, i) => {
    if (d === null) return null;
    const a = args[i];
    if (!(a instanceof Tensor)) {
      throw new TapegradError(`vmap: argument ${i} is ${a === null ? 'null' : typeof a}, not a tensor, but its inDim is ${d}; only tensors can be mapped: give it inDim null`);
    }
    if (a.ndim === 0 || d < -a.ndim || d >= a.ndim) {
      throw new IndexError(`vmap: inDim ${d} of argument ${i} is out of range for its shape ${fmtShape(a.shape)} (expected ${-a.ndim}..${a.ndim - 1}${a.ndim === 0 ? '; a 0-d tensor has no dim to map' : ''})`);
    }
    return d < 0 ? d + a.ndim : d;
  });
  const sizes = dims.map((d, i) => (d === null ? null : (args[i] as Tensor).shape[d]!));
  const mapped = sizes.filter((s): s is number => s !== null);
  if (mapped.length === 0) throw new TapegradError('vmap: every inDim is null, so there is nothing to map over; give at least one argument a dim');
  if (mapped.some((s) => s !== mapped[0])) {
    const listed = sizes.map((s, i) => (s === null ? null : `argument ${i}: ${s}`)).filter((s) => s !== null);
    throw new ShapeError(`vmap: the mapped dims have different sizes (${listed.join(', ')}); every mapped argument needs the same batch size`);
  }
  return { dims, size: mapped[0]! };
}

/**
 * One output of the function, its batch moved to `outDim` (expanded if it is
 * the same for every example); `empty` keeps none of the examples.
 */
function unbatchedOutput(t: unknown, i: number, outDim: number | null, level: BatchLevel, empty: boolean): Tensor {
  if (!(t instanceof Tensor)) throw new TapegradError(`vmap: the function returned ${t === null ? 'null' : typeof t} as output ${i}; it must return a tensor or an array of tensors`);
  const info = batchInfo(t);
  if (info !== undefined && !isActive(info.level)) {
    throw new TapegradError(`vmap: output ${i} (shape ${fmtShape(t.shape)}) was batched by a vmap that has returned; return tensors made in this call`);
  }
  const batched = info?.level === level;
  if (outDim === null) {
    if (batched) throw new TapegradError(`vmap: outDims of output ${i} is null, but the output (shape ${fmtShape(t.shape)} per example) differs between examples`);
    return t;
  }
  const rank = t.ndim;
  if (outDim < -(rank + 1) || outDim > rank) {
    throw new IndexError(`vmap: outDim ${outDim} of output ${i} is out of range: the output has shape ${fmtShape(t.shape)} per example, so the batch dim goes at ${-(rank + 1)}..${rank}`);
  }
  const d = outDim < 0 ? outDim + rank + 1 : outDim;
  const placed = batched ? moveDim(info.value, info.bdim, d) : t.unsqueeze(d).expand([...t.shape.slice(0, d), level.size, ...t.shape.slice(d)]);
  return empty ? placed.narrow(d, 0, 0) : placed;
}

/**
 * Vectorizing map, as `torch.func.vmap` and JAX's `vmap`: the returned
 * function runs `f` once on whole batches, while `f` sees one example. Each
 * argument is mapped along its `inDims` entry (0 by default; `null` for an
 * argument shared by every example, such as parameters) and each output gets
 * the batch at its `outDims` entry (0 by default). Inside `f`, every
 * primitive runs through its batching rule, so no loop over the examples
 * runs; `vmap` nests (`vmap(vmap(f))`) and composes with {@link grad},
 * {@link vjp}, {@link jvp} and {@link hessian} in both orders:
 * `vmap(grad(loss), { inDims: [null, 0, 0] })(params, x, y)` gives one
 * gradient per example. Reading elements inside `f` (`item()`, `data`),
 * `backward()`, random ops (unless `randomness` says otherwise), and in-place
 * writes of batched values into tensors that are not batched throw.
 *
 * @example
 * ```ts
 * const dot = (a: Tensor, b: Tensor) => a.mul(b).sum();
 * vmap(dot)(randn([8, 3]), randn([8, 3])); // shape [8]: one dot product per row
 * vmap(dot, { inDims: [0, null] })(randn([8, 3]), randn([3])); // the second argument shared
 * const perExample = vmap(grad((w: Tensor, x: Tensor) => x.matmul(w).square().sum()), { inDims: [null, 0] });
 * perExample(randn([3, 2]), randn([8, 3])); // shape [8, 3, 2]
 * ```
 */
export function vmap<A extends unknown[], R extends Tensor | readonly Tensor[]>(f: (...args: A) => R, options: VmapOptions = {}): (...args: A) => R {
  checkOptions('vmap', options, vmapOptionRules);
  if (typeof f !== 'function') throw new TapegradError(`vmap: expected a function to map, got ${f === null ? 'null' : typeof f}`);
  const randomness = options.randomness ?? 'error';
  return (...args: A): R => {
    const { dims, size } = mappedDims(args, options.inDims === undefined ? 0 : options.inDims);
    const outDims = options.outDims === undefined ? 0 : options.outDims;
    // A batch of no examples: one example of zeros gives the outputs' shapes, and none of it is kept.
    const empty = size === 0;
    const batches = empty ? args.map((a, i) => (dims[i] === null ? a : oneExampleOfZeros(a as Tensor, dims[i]!))) : args;
    return withLevel(empty ? 1 : size, randomness, hooks, (level) => {
      const inputs = batches.map((a, i) => (dims[i] === null ? a : new BatchedTensor(a as Tensor, dims[i]!, level))) as A;
      const out = f(...inputs);
      if (!Array.isArray(out)) {
        if (Array.isArray(outDims)) throw new IndexError(`vmap: outDims is a list of ${outDims.length}, but the function returned one tensor; give one dim`);
        return unbatchedOutput(out, 0, outDims as number | null, level, empty) as R;
      }
      const list = dimList('outDims', outDims, out.length, `returned ${out.length} outputs, so it needs`);
      return out.map((t, i) => unbatchedOutput(t, i, list[i]!, level, empty)) as unknown as R;
    });
  };
}
