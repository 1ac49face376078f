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
 * Inputs for the second pass: each one's elements moved one place along
 * (so that a value the graph took as a constant but that came from an input
 * shows as changed, while integer ids stay valid ids), and, with a dynamic
 * batch, one more row along its batch axis (so that every size that follows
 * the batch shows as changed).
 */
export function secondInputs(inputs: readonly Tensor[], batchAxes: readonly (number | null)[] | null): Tensor[] {
  return noGrad(() =>
    inputs.map((x, i) => {
      const axis = batchAxes?.[i] ?? null;
      const grown = axis === null ? x : cat([x, x.narrow(axis, 0, 1)], axis);
      if (grown.numel < 2) return grown.clone();
      const flat = grown.reshape([-1]);
      return cat([flat.narrow(0, 1, flat.numel - 1), flat.narrow(0, 0, 1)]).reshape(grown.shape);
    }),
  );
}
