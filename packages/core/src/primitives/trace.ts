import type { Primitive, PrimitiveParams } from './primitives.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * One op that ran inside {@link tracePrimitives}: a primitive with its
 * inputs, parameters and output; a `detach` (an alias of its input made
 * without a primitive); or a `write`, an in-place op (`add_`, `fill_`,
 * `copy_`…) whose inputs are the target and the value written into it
 * (broadcast to the target's shape, in its dtype), and whose output is the
 * target at its new version. Together they say how every tensor made by an
 * op inside the traced function came from the tensors it started with.
 *
 * @example
 * ```ts
 * const { ops } = tracePrimitives(() => x.exp());
 * ops[0]; // { op: 'exp', inputs: [x], params: undefined, output: …, inputVersions: [0], outputVersion: 0 }
 * ```
 */
export type TracedOp =
  | { [P in Primitive]: TracedCall<P, PrimitiveParams[P]> }[Primitive]
  | TracedCall<'detach', undefined>
  | TracedCall<'write', undefined>;

/**
 * The record of one traced op: its name, inputs, parameters and output, and
 * the storage versions of the inputs and of the output when it ran (a
 * version that moved later means some in-place write changed the tensor
 * after this op read or made it).
 *
 * @example
 * ```ts
 * const call: TracedCall<'exp', undefined> = { op: 'exp', inputs: [x], params: undefined, output: y, inputVersions: [0], outputVersion: 0 };
 * ```
 */
export interface TracedCall<Name extends string, P> {
  readonly op: Name;
  readonly inputs: readonly Tensor[];
  readonly params: P;
  readonly output: Tensor;
  readonly inputVersions: readonly number[];
  readonly outputVersion: number;
}

/**
 * What {@link tracePrimitives} returns: the function's result and the ops it
 * ran, in the order they ran.
 *
 * @example
 * ```ts
 * const trace: PrimitiveTrace<Tensor> = tracePrimitives(() => x.mul(2));
 * ```
 */
export interface PrimitiveTrace<T> {
  readonly result: T;
  readonly ops: readonly TracedOp[];
}

// The trace being written, if any: set only for the duration of
// tracePrimitives (as grad mode is for noGrad), so that an exporter sees the
// ops of one call without every op paying for more than this null check.
let active: TracedOp[] | null = null;

/**
 * Whether a trace is being written (in-place ops then take the path that
 * computes their value with primitives, so the trace sees it).
 *
 * @example
 * ```ts
 * tracePrimitives(() => isTracing()).result; // true
 * ```
 */
export function isTracing(): boolean {
  return active !== null;
}

/**
 * Adds one op to the trace being written (nothing when none is), with the
 * versions its inputs have now and the output's (now, unless given).
 *
 * @example
 * ```ts
 * noteTraced('exp', [x], undefined, y);
 * ```
 */
export function noteTraced(op: TracedOp['op'], inputs: readonly Tensor[], params: unknown, output: Tensor, outputVersion?: number): void {
  // Optional chaining skips building the record when no trace is being written.
  active?.push({ op, inputs: inputs.slice(), params, output, inputVersions: inputs.map((t) => t.version), outputVersion: outputVersion ?? output.version } as TracedOp);
}

/**
 * Runs `fn` and returns its result with every primitive it ran (and every
 * `detach`), whether recording is on or off and whatever the dtypes: the
 * complete dataflow of one call, which the tape alone is not (it keeps only
 * the differentiable ops of tensors that require grad). What exporters such
 * as `@tapegrad/onnx` build a graph from. Traces nest: an inner trace's ops
 * are not seen by the outer one.
 *
 * @example
 * ```ts
 * const x = randn([2, 3]);
 * const { result, ops } = tracePrimitives(() => x.exp().sum());
 * ops.map((o) => o.op); // ['exp', 'sum']
 * ```
 */
export function tracePrimitives<T>(fn: () => T): PrimitiveTrace<T> {
  const prev = active;
  const ops: TracedOp[] = [];
  active = ops;
  try {
    return { result: fn(), ops };
  } finally {
    active = prev;
  }
}
