import type { DType, TypedArray } from '@tapegrad/core';
import { DataType, type DataTypeCode } from './proto/onnx-proto.js';

/** The element types of an exported graph: tapegrad's dtypes, and ONNX's int64 for shapes and indices. */
export type ElementType = DType | 'int64';

/** The ONNX element type code of each element type. */
export const ONNX_DTYPE: { readonly [D in ElementType]: DataTypeCode } = {
  float32: DataType.FLOAT,
  float64: DataType.DOUBLE,
  int32: DataType.INT32,
  bool: DataType.BOOL,
  int64: DataType.INT64,
};

/**
 * The little-endian bytes ONNX's `raw_data` holds for these elements (bool:
 * one byte each, as tapegrad keeps them).
 */
export function rawBytes(data: TypedArray | BigInt64Array): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // Typed arrays use the platform's byte order; ONNX wants little-endian.
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  const n = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += n) for (let k = 0; k < n; k++) out[i + k] = bytes[i + n - 1 - k]!;
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
