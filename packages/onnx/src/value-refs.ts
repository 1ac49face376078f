import type { Tensor } from '@tapegrad/core';
import type { ForwardTrace } from './trace-forward.js';

/** What an op's input is, in the graph: a graph input, a parameter, an op's output, a constant; or what has no value there. */
export type Ref =
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'op'; readonly index: number }
  | { readonly kind: 'const' }
  /** A tensor read at a version nothing in the trace made (written in place after it was made or read). */
  | { readonly kind: 'stale' }
  /** The target of a write, whose old value the write does not read. */
  | { readonly kind: 'target' };

/**
 * What a tensor read at a version is: the op that made that version of it
 * (an op, or an in-place write), else an input or a parameter or a constant
 * read at the version it had before the pass (and still has, since its
 * value is read after the pass), else stale.
 */
export function refs(trace: ForwardTrace, params: ReadonlyMap<Tensor, string>, versionsBefore: ReadonlyMap<Tensor, number>): (t: Tensor, version: number) => Ref {
  const producers = new Map<Tensor, Map<number, number>>();
  trace.ops.forEach((o, k) => {
    let byVersion = producers.get(o.output);
    if (byVersion === undefined) producers.set(o.output, (byVersion = new Map()));
    byVersion.set(o.outputVersion, k);
  });
  const inputs = new Map<Tensor, number>();
  trace.inputs.forEach((t, i) => inputs.set(t, i));
  return (t, version) => {
    const op = producers.get(t)?.get(version);
    if (op !== undefined) return { kind: 'op', index: op };
    const input = inputs.get(t);
    if (input !== undefined) return version === versionsBefore.get(t) ? { kind: 'input', index: input } : { kind: 'stale' };
    if (version !== t.version || (versionsBefore.has(t) && versionsBefore.get(t) !== version)) return { kind: 'stale' };
    const name = params.get(t);
    if (name !== undefined) return { kind: 'param', name };
    return producers.has(t) ? { kind: 'stale' } : { kind: 'const' };
  };
}

export function describe(r: Ref, trace: ForwardTrace): string {
  switch (r.kind) {
    case 'input':
      return `input ${r.index}`;
    case 'param':
      return `parameter '${r.name}'`;
    case 'op':
      return `the output of op #${r.index} '${trace.ops[r.index]!.op}'`;
    case 'const':
      return 'a constant';
    case 'stale':
      return 'a tensor written in place after it was made or read';
    case 'target':
      return 'the target of an in-place write';
  }
}

/** Whether two passes saw the same kind of operand at one place. */
export const sameRef = (x: Ref, y: Ref): boolean => JSON.stringify(x) === JSON.stringify(y);
