import { TapegradError } from '@tapegrad/core';

/**
 * A model that cannot be exported to ONNX as asked: an op without an ONNX
 * form, a forward pass whose ops depend on the values of its inputs, a
 * shape that does not follow the batch size, an output that is not a tensor.
 * The message names the op and the shapes involved.
 *
 * @example
 * ```ts
 * try { exportOnnx(model, [x]); } catch (e) { if (e instanceof OnnxExportError) console.error(e.message); }
 * ```
 */
export class OnnxExportError extends TapegradError {
  override readonly name: string = 'OnnxExportError';
}
