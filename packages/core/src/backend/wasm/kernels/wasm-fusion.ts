import { allocateUninit } from '../../cpu/allocate.js';
import type { ArrayView } from '../../cpu/cpu-kernels.js';
import { slotsNeeded, type Fusion, type FusedExpr } from '../../cpu/fusion.js';
import type { BinaryKernel, UnaryKernel } from '../../../primitives/primitives.js';
import { streamLayout } from './stream-layout.js';
import { runScalars } from './wasm-elementwise.js';
import { SIMD_BINARY, SIMD_UNARY, type SimdBinary, type SimdUnary } from '../modules/elementwise-module.js';
import type { StreamBuffers } from './wasm-elementwise.js';
import type { WasmRuntime } from '../emitter/wasm-runtime.js';
import { fusedModuleBytes, type KernelNode } from '../modules/fused-module.js';

type Fn = (...args: number[]) => void;
type SumRange = (n: number, src: number) => number;

/**
 * Elements per slot: the three stream buffers are cut into twelve slots of
 * 16 KB, so a whole expression's live values (at most a handful of slots for
 * the trees `deferral.ts` builds) stay in L1/L2 while a block goes through it.
 */
const SLOT = 4096;

/** Shorter repeated rows cost more in copies per block than an eager broadcast kernel. */
const MIN_ROW = 64;

/**
 * The largest generated kernel compiled: browsers refuse to compile a module
 * over 4 KB synchronously on the main thread. A larger expression runs on the
 * streaming kernels instead.
 */
const MAX_KERNEL_BYTES = 4096;

/** Generated kernels kept; past it the cache starts again (a training loop uses a few dozen expressions). */
const MAX_KERNELS = 256;

const isSimdUnary = (op: UnaryKernel): op is SimdUnary => (SIMD_UNARY as readonly string[]).includes(op);
const isSimdBinary = (op: BinaryKernel): op is SimdBinary => (SIMD_BINARY as readonly string[]).includes(op);

/** One instruction of a compiled expression, run on a block of `len` elements starting at element `s`. */
type Step = (s: number, len: number) => void;

/** Where a subexpression's value is during a block: a slot's byte address, or a number. */
type Value = { readonly at: number } | { readonly imm: number };

/**
 * Fused float32 elementwise evaluation. Each expression becomes one generated
 * kernel (`fused-module.ts`) that computes the whole tree per vector in
 * registers, compiled on first use and cached by the expression's shape:
 * block by block, the leaves are copied into slots and the kernel makes one
 * pass over them. An expression whose kernel would be too large, or whose
 * leaves need more slots than there are, runs instead as a list of
 * streaming-kernel calls over slots (register allocation on the tree, each
 * result written over one of its inputs). Either way every operation is the
 * instruction sequence of the SIMD kernel the eager path calls, so a fused
 * result is bit-identical to running the ops one by one; only the
 * intermediate arrays (and their page faults) and passes are gone.
 *
 * @example
 * ```ts
 * const fusion = createWasmFusion(rt, exports, buffers);
 * fusion.sum(expr, 1_000_000);
 * ```
 */
export function createWasmFusion(rt: WasmRuntime, ex: Record<string, unknown>, buf: StreamBuffers): Fusion {
  const unaryFns = new Map<UnaryKernel, Fn>(SIMD_UNARY.map((op) => [op, ex[op] as Fn]));
  const binaryFns = new Map<BinaryKernel, { vv: Fn; vs: Fn; sv: Fn }>(
    SIMD_BINARY.map((op) => [op, { vv: ex[`${op}_vv`] as Fn, vs: ex[`${op}_vs`] as Fn, sv: ex[`${op}_sv`] as Fn }]),
  );
  const sumRange = ex['sumRange'] as SumRange;
  const slots: number[] = [];
  for (const base of [buf.a, buf.b, buf.out]) for (let k = 0; k * SLOT < buf.chunk; k++) slots.push(base + k * SLOT * 4);

  /** The kernel calls computing `e`, appended to `steps`; `free` holds the unused slots. */
  function compile(e: FusedExpr, steps: Step[], free: number[]): Value {
    switch (e.kind) {
      case 'scalar':
        return { imm: e.value };
      case 'input': {
        const at = take(free);
        const { data, offset } = e;
        // A bool array converts to 0/1 floats as it is copied in.
        steps.push((s, len) => rt.f32.set(data.subarray(offset + s, offset + s + len), at >> 2));
        return { at };
      }
      case 'broadcast': {
        const at = take(free);
        steps.push(broadcastLoader(e.view, at));
        return { at };
      }
      case 'unary': {
        const f = unaryFns.get(e.op)!;
        const at = inSlot(compile(e.x, steps, free), steps, free);
        steps.push((_, len) => f(len, at, at));
        return { at };
      }
      case 'binary': {
        const fns = binaryFns.get(e.op)!;
        // The needier operand first: a right-deep chain then holds two slots, not its depth.
        let a: Value, b: Value;
        if (slotsNeeded(e.b) > slotsNeeded(e.a)) {
          b = compile(e.b, steps, free);
          a = compile(e.a, steps, free);
        } else {
          a = compile(e.a, steps, free);
          b = compile(e.b, steps, free);
        }
        if ('imm' in b) {
          const at = inSlot(a, steps, free);
          const v = b.imm;
          steps.push((_, len) => fns.vs(len, at, v, at));
          return { at };
        }
        if ('imm' in a) {
          const v = a.imm;
          const at = b.at;
          steps.push((_, len) => fns.sv(len, v, at, at));
          return { at };
        }
        const [at, bt] = [a.at, b.at];
        steps.push((_, len) => fns.vv(len, at, bt, at));
        free.push(bt);
        return { at };
      }
    }
  }

  /**
   * Copies block `[s, s + len)` of a broadcast view into the slot at `at`:
   * segments of a repeated row, or fills of one value per run.
   */
  function broadcastLoader(v: ArrayView, at: number): Step {
    const { data } = v;
    const layout = streamLayout(v);
    if (layout?.kind === 'rows') {
      const row = layout.len;
      return (s, len) => {
        const mem = rt.f32;
        for (let j = s, end = s + len; j < end; ) {
          const r = j % row;
          const m = Math.min(row - r, end - j);
          mem.set(data.subarray(v.offset + r, v.offset + r + m), (at >> 2) + j - s);
          j += m;
        }
      };
    }
    const runs = runScalars(v);
    if (runs === null) throw new Error('fused expression has a leaf the backend cannot read');
    const { len: run, offsets } = runs;
    return (s, len) => {
      const mem = rt.f32;
      for (let j = s, end = s + len; j < end; ) {
        const q = Math.floor(j / run);
        const m = Math.min(run - (j - q * run), end - j);
        mem.fill(data[offsets[q]!]!, (at >> 2) + j - s, (at >> 2) + j - s + m);
        j += m;
      }
    };
  }

  /** `v` in a slot: a number is broadcast into a fresh one. */
  function inSlot(v: Value, steps: Step[], free: number[]): number {
    if ('at' in v) return v.at;
    const at = take(free);
    const value = v.imm;
    steps.push((_, len) => rt.f32.fill(value, at >> 2, (at >> 2) + len));
    return at;
  }

  function take(free: number[]): number {
    const at = free.pop();
    // deferral.ts never builds an expression that needs more than `slots`.
    if (at === undefined) throw new Error('fused expression needs more slots than the stream buffers hold');
    return at;
  }

  const kernels = new Map<string, Fn | null>();

  /** The generated kernel of an expression shape (`key`), compiled on first use; null where its module would be too large. */
  function kernelFor(key: string, root: KernelNode, leaves: number, scalars: number): Fn | null {
    let fn = kernels.get(key);
    if (fn === undefined) {
      const bytes = fusedModuleBytes(root, leaves, scalars);
      fn = bytes.length > MAX_KERNEL_BYTES ? null : (rt.instantiate(bytes)['fused'] as Fn);
      if (kernels.size >= MAX_KERNELS) kernels.clear();
      kernels.set(key, fn);
    }
    return fn;
  }

  /**
   * `e` as one generated kernel: a step per distinct leaf, loading it into a
   * slot, then the kernel's call, its result in the slot returned; null where
   * `e` has no operation, its leaves need more slots than there are, or its
   * kernel would be too large.
   */
  function generated(e: FusedExpr): { steps: Step[]; at: number } | null {
    if (e.kind !== 'unary' && e.kind !== 'binary') return null;
    const steps: Step[] = [];
    const leafAt: number[] = [];
    const scalars: number[] = [];
    const free = slots.slice().reverse();
    const leafIndex = new Map<unknown, Map<number, number>>();
    const nodes = new Map<FusedExpr, { node: KernelNode; id: number }>();
    // Operations are numbered in the order they are reached, so `^id` names one.
    let ids = 0;
    // The key names the expression's shape: its operations, which leaf each
    // reads, where a number goes and which nodes are shared.
    const key: string[] = [];
    const leaf = (identity: unknown, offset: number, load: (at: number) => Step): KernelNode | null => {
      const byOffset = leafIndex.get(identity) ?? new Map<number, number>();
      leafIndex.set(identity, byOffset);
      let index = byOffset.get(offset);
      if (index === undefined) {
        const at = free.pop();
        // One slot stays free for the result.
        if (at === undefined || free.length === 0) return null;
        index = leafAt.length;
        byOffset.set(offset, index);
        leafAt.push(at);
        steps.push(load(at));
      }
      key.push(`L${index}`);
      return { kind: 'leaf', index };
    };
    const visit = (x: FusedExpr): KernelNode | null => {
      const seen = nodes.get(x);
      if (seen !== undefined) {
        key.push(`^${seen.id}`);
        return seen.node;
      }
      switch (x.kind) {
        case 'scalar':
          key.push('S');
          scalars.push(x.value);
          return { kind: 'scalar', index: scalars.length - 1 };
        case 'input': {
          const { data, offset } = x;
          // One array at one offset, however often it appears, is loaded once.
          return leaf(data, offset, (at) => (s, len) => rt.f32.set(data.subarray(offset + s, offset + s + len), at >> 2));
        }
        case 'broadcast':
          return leaf(x.view, 0, (at) => broadcastLoader(x.view, at));
        case 'unary': {
          const id = ids++;
          key.push(`${x.op}(`);
          const a = visit(x.x);
          if (a === null) return null;
          key.push(')');
          if (!isSimdUnary(x.op)) return null;
          const node: KernelNode = { kind: 'unary', op: x.op, x: a };
          nodes.set(x, { node, id });
          return node;
        }
        case 'binary': {
          const id = ids++;
          key.push(`${x.op}(`);
          const a = visit(x.a);
          if (a === null) return null;
          key.push(',');
          const b = visit(x.b);
          if (b === null) return null;
          key.push(')');
          if (!isSimdBinary(x.op)) return null;
          const node: KernelNode = { kind: 'binary', op: x.op, a, b };
          nodes.set(x, { node, id });
          return node;
        }
      }
    };
    const root = visit(e);
    if (root === null) return null;
    const fn = kernelFor(key.join(''), root, leafAt.length, scalars.length);
    if (fn === null) return null;
    const at = free.pop()!;
    const args = [0, ...leafAt, at, ...scalars];
    steps.push((_, len) => {
      args[0] = len;
      fn(...args);
    });
    return { steps, at };
  }

  /** Runs `e` over `n` elements, handing each block's result (a slot address) to `use`. */
  function run(e: FusedExpr, n: number, use: (at: number, s: number, len: number) => void): void {
    const fused = generated(e);
    if (fused !== null) {
      for (let s = 0; s < n; s += SLOT) {
        const len = Math.min(SLOT, n - s);
        for (const step of fused.steps) step(s, len);
        use(fused.at, s, len);
      }
      return;
    }
    const steps: Step[] = [];
    const free = slots.slice().reverse();
    const at = inSlot(compile(e, steps, free), steps, free);
    for (let s = 0; s < n; s += SLOT) {
      const len = Math.min(SLOT, n - s);
      for (const step of steps) step(s, len);
      use(at, s, len);
    }
  }

  return {
    slots: slots.length,
    unary: new Set(unaryFns.keys()),
    binary: new Set(binaryFns.keys()),
    canRead(v) {
      const layout = streamLayout(v);
      return layout === null ? runScalars(v) !== null : layout.kind === 'rows' && layout.len >= MIN_ROW;
    },
    evaluate(e, n, into, offset = 0) {
      const out = into ?? (allocateUninit('float32', n) as Float32Array);
      run(e, n, (at, s, len) => out.set(rt.f32.subarray(at >> 2, (at >> 2) + len), offset + s));
      return out;
    },
    sum(e, n) {
      let acc = 0;
      run(e, n, (at, _, len) => {
        acc += sumRange(len, at);
      });
      return acc;
    },
  };
}
