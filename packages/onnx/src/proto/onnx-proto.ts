import { ProtoWriter } from './proto-writer.js';

// The ONNX messages an exported model is made of, with the field numbers of
// onnx/onnx.proto (proto2; the numbers have not changed since IR version 3).
// Only the fields the exporter writes are listed.

/** `TensorProto.DataType`: the element types the exporter writes. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, BOOL: 9, DOUBLE: 11 } as const;

/** One of {@link DataType}'s values. */
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** `TensorProto`: a named constant; `rawData` is little-endian, row-major (bool: one byte each). */
export interface TensorProto {
  readonly name: string;
  readonly dataType: DataTypeCode;
  readonly dims: readonly number[];
  readonly rawData: Uint8Array;
}

/** `AttributeProto`, one variant per attribute type the exporter uses. */
export type AttributeProto =
  | { readonly name: string; readonly type: 'int'; readonly value: number }
  | { readonly name: string; readonly type: 'float'; readonly value: number }
  | { readonly name: string; readonly type: 'string'; readonly value: string }
  | { readonly name: string; readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly name: string; readonly type: 'tensor'; readonly value: TensorProto };

/** `NodeProto`: one operator call of the default (ai.onnx) domain. */
export interface NodeProto {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: readonly AttributeProto[];
}

/** A dimension of a `TensorShapeProto`: a size, a symbol (`dim_param`), or unknown (null). */
export type Dim = number | string | null;

/** `ValueInfoProto` of a tensor: a name, an element type and a shape. */
export interface ValueInfoProto {
  readonly name: string;
  readonly elemType: DataTypeCode;
  readonly shape: readonly Dim[];
}

/** `GraphProto`. */
export interface GraphProto {
  readonly name: string;
  readonly nodes: readonly NodeProto[];
  readonly initializers: readonly TensorProto[];
  readonly inputs: readonly ValueInfoProto[];
  readonly outputs: readonly ValueInfoProto[];
}

/** `ModelProto` with one opset import (the default domain). */
export interface ModelProto {
  readonly irVersion: number;
  readonly opsetVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly docString: string;
  readonly graph: GraphProto;
}

function tensor(t: TensorProto): ProtoWriter {
  const w = new ProtoWriter();
  w.packedVarints(1, t.dims); // dims
  w.varint(2, t.dataType); // data_type
  w.string(8, t.name); // name
  w.bytes(9, t.rawData); // raw_data
  return w;
}

// AttributeProto.AttributeType
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, ints: 7 } as const;

function attribute(a: AttributeProto): ProtoWriter {
  const w = new ProtoWriter();
  w.string(1, a.name); // name
  w.varint(20, ATTRIBUTE_TYPE[a.type]); // type
  switch (a.type) {
    case 'float':
      w.float(2, a.value); // f
      break;
    case 'int':
      w.varint(3, a.value); // i
      break;
    case 'string':
      w.string(4, a.value); // s
      break;
    case 'tensor':
      w.message(5, tensor(a.value)); // t
      break;
    case 'ints':
      w.packedVarints(8, a.value); // ints (proto2 repeated int64: parsers accept the packed form)
      break;
  }
  return w;
}

function node(n: NodeProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i); // input
  for (const o of n.outputs) w.string(2, o); // output
  w.string(3, n.name); // name
  w.string(4, n.opType); // op_type
  for (const a of n.attributes) w.message(5, attribute(a)); // attribute
  return w;
}

function valueInfo(v: ValueInfoProto): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.varint(1, d); // dim_value
    else if (typeof d === 'string') dim.string(2, d); // dim_param
    shape.message(1, dim); // TensorShapeProto.dim
  }
  const tensorType = new ProtoWriter().varint(1, v.elemType).message(2, shape); // elem_type, shape
  const type = new ProtoWriter().message(1, tensorType); // TypeProto.tensor_type
  return new ProtoWriter().string(1, v.name).message(2, type); // name, type
}

function graph(g: GraphProto): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, node(n)); // node
  w.string(2, g.name); // name
  for (const t of g.initializers) w.message(5, tensor(t)); // initializer
  for (const i of g.inputs) w.message(11, valueInfo(i)); // input
  for (const o of g.outputs) w.message(12, valueInfo(o)); // output
  return w;
}

/**
 * The bytes of a `ModelProto`: what ONNX Runtime and every ONNX tool load.
 *
 * @example
 * ```ts
 * const bytes = encodeModel({ irVersion: 8, opsetVersion: 17, producerName: 'tapegrad', producerVersion: '0.1.0', docString: '', graph });
 * ```
 */
export function encodeModel(m: ModelProto): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, m.irVersion); // ir_version
  w.string(2, m.producerName); // producer_name
  if (m.producerVersion !== '') w.string(3, m.producerVersion); // producer_version
  if (m.docString !== '') w.string(6, m.docString); // doc_string
  w.message(7, graph(m.graph)); // graph
  w.message(8, new ProtoWriter().string(1, '').varint(2, m.opsetVersion)); // opset_import: domain, version
  return w.finish();
}
