import { canReadSync, checkOptions, fmtShape, optionRules, Tensor } from '@tapegrad/core';
import { Module } from '@tapegrad/nn';
import { OnnxExportError } from './errors.js';
import type { BatchInfo } from './batch-sizes.js';
import { buildGraph } from './export-graph.js';
import { encodeModel } from './proto/onnx-proto.js';
import { checkSizesFollowBatch, otherInputs, traceForward } from './trace-forward.js';

/**
 * The ONNX operator set exported models import: 17, the first with
 * LayerNormalization, read by ONNX Runtime 1.13 and later (Node, web, mobile).
 *
 * @example
 * ```ts
 * ONNX_OPSET; // 17
 * ```
 */
export const ONNX_OPSET = 17;

// IR version 8 goes with opset 17 (ONNX 1.12).
const IR_VERSION = 8;

/**
 * Options of {@link exportOnnx}.
 *
 * @example
 * ```ts
 * const opts: ExportOnnxOptions = { inputNames: ['pixels'], outputNames: ['logits'], dynamicBatch: true };
 * ```
 */
export interface ExportOnnxOptions {
  /** Names of the graph's inputs, one per example input (default `input`, or `input0`, `input1`…). */
  readonly inputNames?: readonly string[];
  /** Names of the graph's outputs, one per output (default `output`, or `output0`, `output1`…). */
  readonly outputNames?: readonly string[];
  /**
   * Let the batch size vary (false by default: every size is the traced
   * one). Dim 0 of each input (see `batchAxes`) becomes the symbolic dim
   * `batchDimName`, and so does every output dim that follows it; shapes
   * inside the graph that follow the batch are computed from it at run time.
   */
  readonly dynamicBatch?: boolean;
  /** With `dynamicBatch`, each input's batch dim, or null for an input without one (default 0 for every input). */
  readonly batchAxes?: readonly (number | null)[];
  /** The name of the batch dim in the model's input and output shapes (default `batch`). */
  readonly batchDimName?: string;
  /** The graph's name (default `tapegrad`). */
  readonly graphName?: string;
}

/**
 * What {@link exportOnnx} exports: a module (its parameters and buffers
 * become named initializers, and it runs in evaluation mode), or a function
 * of tensors (every tensor it closes over becomes a constant).
 *
 * @example
 * ```ts
 * const model: OnnxExportable = new Linear(4, 2);
 * const fn: OnnxExportable = (x) => x.relu();
 * ```
 */
export type OnnxExportable = Module<Tensor[], unknown> | ((...inputs: Tensor[]) => unknown);

const isName = { expected: 'a list of distinct non-empty strings', test: (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '') && new Set(v).size === v.length };
const exportRules = {
  inputNames: isName,
  outputNames: isName,
  dynamicBatch: optionRules.boolean,
  batchAxes: { expected: 'a list of integers or nulls', test: (v: unknown) => Array.isArray(v) && v.every((a) => a === null || Number.isInteger(a)) },
  batchDimName: { expected: 'a non-empty string', test: (v: unknown) => typeof v === 'string' && v !== '' },
  graphName: optionRules.string,
};

const defaultNames = (base: string, n: number): string[] => (n === 1 ? [base] : Array.from({ length: n }, (_, i) => `${base}${i}`));

function checkNames(what: 'inputNames' | 'outputNames', names: readonly string[] | undefined, count: number): void {
  if (names !== undefined && names.length !== count) {
    throw new OnnxExportError(`exportOnnx: ${names.length} ${what} given for ${count} ${what === 'inputNames' ? 'example inputs' : 'outputs'}; give one name each`);
  }
}

/** Each input's batch dim, checked against the inputs; and the batch size they agree on. */
function batchOf(inputs: readonly Tensor[], options: ExportOnnxOptions): { axes: (number | null)[]; size: number } {
  const given = options.batchAxes;
  if (given !== undefined && given.length !== inputs.length) {
    throw new OnnxExportError(`exportOnnx: batchAxes has ${given.length} entries for ${inputs.length} inputs; give one each (null for an input without a batch dim)`);
  }
  const axes = inputs.map((x, i) => {
    const ax = given === undefined ? 0 : given[i]!;
    if (ax === null) return null;
    if (ax < -x.ndim || ax >= x.ndim) throw new OnnxExportError(`exportOnnx: batchAxes[${i}] = ${ax} is not a dim of input ${i} (shape ${fmtShape(x.shape)})`);
    return ax < 0 ? ax + x.ndim : ax;
  });
  const sizes = axes.map((ax, i) => (ax === null ? null : inputs[i]!.shape[ax]!)).filter((s): s is number => s !== null);
  if (sizes.length === 0) throw new OnnxExportError('exportOnnx: dynamicBatch is set but batchAxes gives no input a batch dim');
  if (sizes.some((s) => s !== sizes[0])) {
    throw new OnnxExportError(`exportOnnx: the inputs' batch dims have different sizes (${sizes.join(', ')}); with dynamicBatch they must agree`);
  }
  return { axes, size: sizes[0]! };
}

/** Runs a checking pass; an error there is reported as one of the export's passes, with what it was run on. */
function checkPass<T>(run: () => T, on: string): T {
  try {
    return run();
  } catch (e) {
    throw new OnnxExportError(
      `exportOnnx: the forward pass threw when run on ${on} (the export runs it so to find what depends on the values and the batch size): ${(e as Error).message}`,
      { cause: e },
    );
  }
}

/**
 * Exports a model to ONNX: runs one forward pass on `exampleInputs` with
 * every op traced (a second pass, on shifted values and, with a dynamic
 * batch, one more row, checks that the ops do not depend on the values and
 * finds the sizes that follow the batch; with a dynamic batch a third, two
 * rows longer, checks that they follow it linearly), and writes the ops as an ONNX
 * graph (opset {@link ONNX_OPSET}) whose inputs are the example inputs and
 * whose initializers are the module's parameters and buffers. Returns the
 * bytes of the `.onnx` file, which ONNX Runtime loads.
 *
 * The model runs in evaluation mode during the export (dropout off, batch
 * norm on its running statistics) and goes back to its mode after. An op
 * with no ONNX form, a forward pass whose ops depend on its inputs' values,
 * or a size that does not follow the batch throws an `OnnxExportError` that
 * names the op. Tensors must be on the CPU (move a GPU model with `.to('cpu')`).
 *
 * @example
 * ```ts
 * import { randn } from '@tapegrad/core';
 * import { Linear, ReLU, Sequential } from '@tapegrad/nn';
 *
 * const model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
 * const bytes = exportOnnx(model, [randn([3, 4])], { inputNames: ['x'], outputNames: ['y'], dynamicBatch: true });
 * // writeFileSync('model.onnx', bytes); then, in ONNX Runtime: InferenceSession.create(bytes)
 * ```
 */
export function exportOnnx(model: OnnxExportable, exampleInputs: Tensor | readonly Tensor[], options: ExportOnnxOptions = {}): Uint8Array {
  checkOptions('exportOnnx', options, exportRules);
  const inputs: readonly Tensor[] = exampleInputs instanceof Tensor ? [exampleInputs] : exampleInputs;
  if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof Tensor)) {
    throw new OnnxExportError('exportOnnx: exampleInputs must be a tensor or a list of tensors');
  }
  if (new Set(inputs).size !== inputs.length) throw new OnnxExportError('exportOnnx: one tensor is given twice in exampleInputs; each input must be its own tensor (clone() it)');
  const isModule = model instanceof Module;
  if (!isModule && typeof model !== 'function') throw new OnnxExportError(`exportOnnx: expected a Module or a function of tensors, got ${model === null ? 'null' : typeof model}`);
  checkNames('inputNames', options.inputNames, inputs.length);
  const batch = options.dynamicBatch === true ? batchOf(inputs, options) : null;
  if (batch === null && options.batchAxes !== undefined) throw new OnnxExportError('exportOnnx: batchAxes needs dynamicBatch: true');

  const params = new Map<Tensor, string>();
  if (isModule) for (const [name, t] of [...model.namedParameters(), ...model.namedBuffers()]) if (!params.has(t)) params.set(t, name);
  for (const t of [...inputs, ...params.keys()]) {
    if (!canReadSync(t)) throw new OnnxExportError(`exportOnnx: a tensor of shape ${fmtShape(t.shape)} is not on the CPU; move the model and the inputs with .to('cpu') before exporting`);
  }
  const versionsBefore = new Map<Tensor, number>();
  for (const t of [...inputs, ...params.keys()]) versionsBefore.set(t, t.version);

  const forward = (xs: readonly Tensor[]): unknown => (isModule ? model.forward(...xs) : (model as (...inputs: Tensor[]) => unknown)(...xs));
  const modes = isModule ? model.modules().map((m) => [m, m.training] as const) : [];
  if (isModule) model.eval();
  let a;
  let b;
  try {
    a = traceForward(forward, inputs);
    const others = otherInputs(inputs, batch?.axes ?? null, 1);
    for (const t of others) versionsBefore.set(t, t.version);
    const shifted = `the inputs with their elements shifted by one place${batch === null ? '' : ' and one more row'}`;
    b = checkPass(() => traceForward(forward, others), shifted);
    if (batch !== null) {
      const third = checkPass(() => traceForward(forward, otherInputs(inputs, batch.axes, 2)), 'the inputs with their elements shifted and two more rows');
      checkSizesFollowBatch([a, b, third]);
    }
  } finally {
    for (const [m, training] of modes) m.train(training);
  }
  checkNames('outputNames', options.outputNames, a.outputs.length);
  const batchInfo: BatchInfo | null = batch === null ? null : { axes: batch.axes, sizeA: batch.size, sizeB: batch.size + 1, dimName: options.batchDimName ?? 'batch' };
  const inputNames = options.inputNames ?? defaultNames('input', inputs.length);
  const outputNames = options.outputNames ?? defaultNames('output', a.outputs.length);
  const clash = inputNames.find((n) => outputNames.includes(n));
  if (clash !== undefined) throw new OnnxExportError(`exportOnnx: '${clash}' names both an input and an output; ONNX values need distinct names`);
  const graph = buildGraph({ a, b, inputNames, outputNames, params, versionsBefore, batch: batchInfo, graphName: options.graphName ?? 'tapegrad' });
  return encodeModel({ irVersion: IR_VERSION, opsetVersion: ONNX_OPSET, producerName: 'tapegrad', producerVersion: '', docString: '', graph });
}
