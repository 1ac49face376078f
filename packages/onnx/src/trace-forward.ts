import { cat, noGrad, tracePrimitives, Tensor, type TracedOp } from '@tapegrad/core';
import { OnnxExportError } from './errors.js';

/** One forward pass as traced: its inputs, its outputs and the ops between. */
export interface ForwardTrace {
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  readonly ops: readonly TracedOp[];
}

/** The outputs of a forward pass as a list of tensors, or an error naming what came back instead. */
function outputsOf(result: unknown): Tensor[] {
  const list = Array.isArray(result) ? (result as unknown[]) : [result];
  list.forEach((t, i) => {
    if (!(t instanceof Tensor)) {
      const what = t === null ? 'null' : Array.isArray(t) ? 'an array' : typeof t;
      throw new OnnxExportError(`exportOnnx: the forward pass must return a tensor or a list of tensors; ${Array.isArray(result) ? `item ${i}` : 'it'} is ${what}`);
    }
  });
  if (list.length === 0) throw new OnnxExportError('exportOnnx: the forward pass returned an empty list; an ONNX model needs at least one output');
  return list as Tensor[];
}

/**
 * Runs `forward` once on `inputs` with every op traced (recording off: an
 * export needs no tape).
 */
export function traceForward(forward: (inputs: readonly Tensor[]) => unknown, inputs: readonly Tensor[]): ForwardTrace {
  const { result, ops } = noGrad(() => tracePrimitives(() => forward(inputs)));
  return { inputs, outputs: outputsOf(result), ops };
}

/**
 * Inputs for another pass: each one's elements moved one place along (so
 * that a value the graph took as a constant but that came from an input
 * shows as changed, while integer ids stay valid ids), and, with a dynamic
 * batch, `rows` more rows along its batch axis (so that every size that
 * follows the batch shows as changed).
 */
export function otherInputs(inputs: readonly Tensor[], batchAxes: readonly (number | null)[] | null, rows: number): Tensor[] {
  return noGrad(() =>
    inputs.map((x, i) => {
      const axis = batchAxes?.[i] ?? null;
      const grown = axis === null ? x : cat([x, ...Array.from({ length: rows }, () => x.narrow(axis, 0, 1))], axis);
      if (grown.numel < 2) return grown.clone();
      const flat = grown.reshape([-1]);
      return cat([flat.narrow(0, 1, flat.numel - 1), flat.narrow(0, 0, 1)]).reshape(grown.shape);
    }),
  );
}

/** The numbers in `v` (params of an op), depth first. */
function numbersIn(v: unknown, out: number[]): number[] {
  if (typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) numbersIn(x, out);
  else if (typeof v === 'object' && v !== null) for (const x of Object.values(v)) numbersIn(x, out);
  return out;
}

/** Every size an op of a pass saw: its params' numbers and its inputs' and output's shapes. */
function sizesOf(op: TracedOp): number[] {
  const out = numbersIn(op.params, []);
  for (const t of [...op.inputs, op.output]) out.push(...t.shape);
  return out;
}

/**
 * Checks, over three passes at batch sizes B, B + 1 and B + 2, that every
 * size of every op is a fixed multiple of the batch size plus a constant
 * (what a graph can compute from the batch at run time): a size such as B²
 * would fit any two passes and be wrong at every other batch size.
 */
export function checkSizesFollowBatch(passes: readonly [ForwardTrace, ForwardTrace, ForwardTrace]): void {
  const [a, b, c] = passes;
  if (c.ops.length !== a.ops.length || c.ops.some((o, k) => o.op !== a.ops[k]!.op)) {
    throw new OnnxExportError('exportOnnx: the forward pass ran other ops at another batch size: its path depends on the batch size, so one graph cannot stand for it');
  }
  a.ops.forEach((o, k) => {
    const [x, y, z] = [sizesOf(o), sizesOf(b.ops[k]!), sizesOf(c.ops[k]!)];
    const bad = x.findIndex((v, i) => y[i]! - v !== z[i]! - y[i]!);
    if (x.length !== y.length || y.length !== z.length || bad >= 0) {
      throw new OnnxExportError(
        `exportOnnx: op #${k} '${o.op}' has a size that grows with the batch size other than linearly (${x[bad]}, ${y[bad]}, ${z[bad]} at three batch sizes one apart); a graph computes sizes as a multiple of the batch size plus a constant`,
      );
    }
  });
}
