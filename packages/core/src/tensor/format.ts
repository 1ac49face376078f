import { canReadSync, copyData } from '../ops/elementwise.js';
import type { Tensor } from './tensor.js';

/**
 * Nested arrays as `toArray()` returns them: numbers, or booleans for bool tensors.
 *
 * @example
 * ```ts
 * const a: NestedArray = tensor([[1, 2]]).toArray();
 * ```
 */
export type NestedArray = number | boolean | NestedArray[];

/** @internal nested arrays of a tensor's elements. */
export function toNested(t: Tensor): NestedArray {
  return nestedOf(copyData(t, t.dtype, 'toArray'), t.shape, t.dtype === 'bool');
}

/** @internal nested arrays of row-major elements of `shape` (0/1 as booleans for bool). */
export function nestedOf(data: ArrayLike<number>, shape: readonly number[], isBool: boolean): NestedArray {
  const build = (dim: number, at: number): NestedArray => {
    if (dim === shape.length) return isBool ? data[at] === 1 : data[at]!;
    const size = shape[dim]!;
    let step = 1;
    for (let d = dim + 1; d < shape.length; d++) step *= shape[d]!;
    const out: NestedArray[] = [];
    for (let i = 0; i < size; i++) out.push(build(dim + 1, at + i * step));
    return out;
  };
  return build(0, 0);
}

const THRESHOLD = 1000;
const EDGE = 3;

/** Indices shown along a dim of `size`: all, or the first and last three around an ellipsis (-1). */
function shown(size: number, summarize: boolean): number[] {
  if (!summarize || size <= 2 * EDGE) return Array.from({ length: size }, (_, i) => i);
  return [0, 1, 2, -1, size - 3, size - 2, size - 1];
}

function floatFormatter(values: readonly number[]): (v: number) => string {
  const finite = values.filter((v) => Number.isFinite(v));
  const nonzero = finite.map(Math.abs).filter((v) => v > 0);
  const special = (v: number): string | null => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : null);
  const max = Math.max(0, ...nonzero);
  const min = Math.min(Infinity, ...nonzero);
  const wide = nonzero.length > 0 && (max / min > 1000 || max > 1e8);
  // As PyTorch: integral values print as `2.` unless they span more than three decades.
  if (finite.every((v) => Number.isInteger(v)) && !wide) return (v) => special(v) ?? `${v}.`;
  if (wide || (nonzero.length > 0 && min < 1e-4)) {
    return (v) => special(v) ?? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return (v) => special(v) ?? v.toFixed(4);
}

/** @internal PyTorch-style printing. */
export function formatTensor(t: Tensor): string {
  // Printing cannot wait for a GPU: it names the tensor and how to read it.
  if (!canReadSync(t)) return `tensor(<on ${t.storage.backend.device}: read with await toArrayAsync()>, shape=[${t.shape.join(', ')}], dtype=${t.dtype})`;
  const data = copyData(t, t.dtype === 'bool' ? 'bool' : 'float64');
  const summarize = t.numel > THRESHOLD;
  const strides: number[] = [];
  for (let d = 0, acc = t.numel; d < t.ndim; d++) {
    acc = t.shape[d] === 0 ? 0 : acc / t.shape[d]!;
    strides.push(acc);
  }
  const picked: number[] = [];
  const collect = (dim: number, at: number): void => {
    if (dim === t.ndim) {
      picked.push(data[at]!);
      return;
    }
    for (const i of shown(t.shape[dim]!, summarize)) if (i >= 0) collect(dim + 1, at + i * strides[dim]!);
  };
  collect(0, 0);
  const fmt =
    t.dtype === 'bool' ? (v: number) => (v ? 'true' : 'false') : t.dtype === 'int32' ? (v: number) => String(v) : floatFormatter(picked);
  // nan and inf do not widen the columns of a float tensor (PyTorch measures finite values only).
  const measured = t.dtype === 'float32' || t.dtype === 'float64' ? picked.filter((v) => Number.isFinite(v)) : picked;
  const width = Math.max(0, ...measured.map((v) => fmt(v).length));
  const cell = (v: number): string => fmt(v).padStart(width);
  const indent = 'tensor('.length;
  const render = (dim: number, at: number): string => {
    if (dim === t.ndim) return cell(data[at]!);
    // PyTorch writes the elided run of the last dim as ' ...', so that it stands apart from the numbers.
    const ellipsis = dim === t.ndim - 1 ? ' ...' : '...';
    const parts = shown(t.shape[dim]!, summarize).map((i) => (i < 0 ? ellipsis : render(dim + 1, at + i * strides[dim]!)));
    const sep = dim === t.ndim - 1 ? ', ' : `,${'\n'.repeat(t.ndim - dim - 1)}${' '.repeat(indent + dim + 1)}`;
    return `[${parts.join(sep)}]`;
  };
  const extras: string[] = [];
  if (t.numel === 0 && t.ndim !== 1) extras.push(`size=[${t.shape.join(', ')}]`);
  if (summarize) extras.push(`shape=[${t.shape.join(', ')}]`);
  const defaultDtype = t.dtype === 'float32' || (t.dtype === 'bool' && t.numel > 0) || (t.dtype === 'int32' && t.numel > 0);
  if (!defaultDtype) extras.push(`dtype=${t.dtype}`);
  if (t.gradFn !== null) extras.push(`gradFn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${[render(0, 0), ...extras].join(', ')})`;
}
