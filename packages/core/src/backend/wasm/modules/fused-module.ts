import { SIMD_BINARY_CODE, simdUnaryCode, UNARY_SCRATCH, type SimdBinary, type SimdUnary } from './elementwise-module.js';
import { emitModule, f32x4Splat, forLoop, get, i32, i32Add, i32Shl, set, tee, v128Load, v128Store, type Code, type ValType } from '../emitter/wasm-emitter.js';

/**
 * A float32 elementwise expression as one generated kernel computes it:
 * leaves are the kernel's pointer parameters (`leaf`), numbers its f32
 * parameters (`scalar`). A node object that appears more than once in the
 * tree is computed once per vector and kept in a local.
 *
 * @example
 * ```ts
 * const x: KernelNode = { kind: 'leaf', index: 0 };
 * const half: KernelNode = { kind: 'scalar', index: 0 };
 * const e: KernelNode = { kind: 'binary', op: 'mul', a: x, b: { kind: 'unary', op: 'erf', x } };
 * ```
 */
export type KernelNode =
  | { readonly kind: 'leaf'; readonly index: number }
  | { readonly kind: 'scalar'; readonly index: number }
  | { readonly kind: 'unary'; readonly op: SimdUnary; readonly x: KernelNode }
  | { readonly kind: 'binary'; readonly op: SimdBinary; readonly a: KernelNode; readonly b: KernelNode };

/** How many times each operation node is reached from `root` (leaves and numbers are not counted). */
function useCounts(root: KernelNode): Map<KernelNode, number> {
  const uses = new Map<KernelNode, number>();
  const visit = (e: KernelNode): void => {
    if (e.kind === 'leaf' || e.kind === 'scalar') return;
    const seen = uses.get(e) ?? 0;
    uses.set(e, seen + 1);
    if (seen > 0) return;
    if (e.kind === 'unary') visit(e.x);
    else {
      visit(e.a);
      visit(e.b);
    }
  };
  visit(root);
  return uses;
}

/**
 * The bytes of a module exporting `fused(n, leaf₀, …, leaf₍ₗ₋₁₎, out, s₀, …)`:
 * `out[i] = root(leaf₀[i], …)` for the `n` floats at each byte address (the
 * buffers are padded to whole vectors), one pass, every intermediate value in
 * registers. Each operation is the instruction sequence of its streaming
 * kernel, in the same order, so the result is bit-identical to running the
 * kernels one by one; only the passes over memory between them are gone.
 *
 * @example
 * ```ts
 * const x: KernelNode = { kind: 'leaf', index: 0 };
 * const bytes = fusedModuleBytes({ kind: 'unary', op: 'exp', x }, 1, 0); // fused(n, x, out)
 * ```
 */
export function fusedModuleBytes(root: KernelNode, leaves: number, scalars: number): Uint8Array {
  const n = 0;
  const out = leaves + 1;
  const scalarParam = (k: number): number => leaves + 2 + k;
  // Locals after the parameters: the byte offset, the unary kernels' scratch, the splatted numbers, the shared values.
  const i = leaves + 2 + scalars;
  const scratch = i + 1;
  const splat = (k: number): number => scratch + UNARY_SCRATCH + k;
  const uses = useCounts(root);
  const sharedLocal = new Map<KernelNode, number>();
  for (const [node, count] of uses) if (count > 1) sharedLocal.set(node, splat(scalars) + sharedLocal.size);
  const computed = new Set<KernelNode>();

  const code = (e: KernelNode): Code => {
    switch (e.kind) {
      case 'leaf':
        return v128Load(i32Add(get(1 + e.index), get(i)));
      case 'scalar':
        return get(splat(e.index));
      default: {
        const local = sharedLocal.get(e);
        if (local !== undefined && computed.has(e)) return get(local);
        const value = e.kind === 'unary' ? simdUnaryCode(e.op, code(e.x), scratch) : SIMD_BINARY_CODE[e.op](code(e.a), code(e.b));
        if (local === undefined) return value;
        computed.add(e);
        return tee(local, value);
      }
    }
  };

  const body = [
    ...Array.from({ length: scalars }, (_, k) => set(splat(k), f32x4Splat(get(scalarParam(k))))).flat(),
    ...forLoop(i, i32(0), i32Shl(get(n), i32(2)), 16, [v128Store(i32Add(get(out), get(i)), code(root))]),
  ];
  const params: ValType[] = ['i32', ...Array<ValType>(leaves + 1).fill('i32'), ...Array<ValType>(scalars).fill('f32')];
  const locals: ValType[] = ['i32', ...Array<ValType>(UNARY_SCRATCH + scalars + sharedLocal.size).fill('v128')];
  return emitModule([{ name: 'fused', params, results: [], locals, body }]);
}
