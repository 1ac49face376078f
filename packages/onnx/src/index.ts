/**
 * ONNX export: a model's forward pass traced into an ONNX model that ONNX Runtime runs.
 *
 * @module @tapegrad/onnx
 */
export { exportOnnx, ONNX_OPSET, type ExportOnnxOptions, type OnnxExportable } from './export-onnx.js';
export { OnnxExportError } from './errors.js';
