import type { DType, TypedArray } from '@tapegrad/core';
import { ONNX_DTYPE, rawBytes } from './onnx-dtypes.js';
import { DataType, type AttributeProto, type DataTypeCode, type NodeProto, type TensorProto } from './proto/onnx-proto.js';

/** An attribute value: integers, a list of integers, a string or a tensor (the exporter needs no float attribute). */
export type AttributeValue = number | readonly number[] | string | TensorProto;

/** An ONNX Slice end before the first element, for negative steps (as other exporters write it). */
export const INT64_BEFORE_START = -9223372036854775807n;

function attribute(name: string, value: AttributeValue): AttributeProto {
  if (typeof value === 'number') return { name, type: 'int', value };
  if (typeof value === 'string') return { name, type: 'string', value };
  if (Array.isArray(value)) return { name, type: 'ints', value: value as readonly number[] };
  return { name, type: 'tensor', value: value as TensorProto };
}

/**
 * The nodes and initializers of an ONNX graph being written, with names that
 * never collide. Small integer constants (shapes, axes, pads) are shared.
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers = new Map<string, TensorProto>();
  private readonly taken = new Set<string>();
  private readonly int64Cache = new Map<string, string>();
  private readonly scalarCache = new Map<string, string>();
  private readonly counters = new Map<string, number>();
  private readonly makers = new Map<string, NodeProto>();

  /** Reserves `name` as is (graph inputs, parameters); throws on a repeat. */
  reserve(name: string): string {
    if (this.taken.has(name)) throw new Error(`GraphBuilder: the name '${name}' is taken`);
    this.taken.add(name);
    return name;
  }

  /** Whether `name` is in use. */
  isTaken(name: string): boolean {
    return this.taken.has(name);
  }

  /** A new name starting with `hint`. */
  fresh(hint: string): string {
    let n = this.counters.get(hint) ?? 0;
    let name = `${hint}_${n}`;
    while (this.taken.has(name)) name = `${hint}_${++n}`;
    this.counters.set(hint, n + 1);
    this.taken.add(name);
    return name;
  }

  /** Adds a node and returns the names of its outputs. */
  node(opType: string, inputs: readonly string[], attributes: { readonly [name: string]: AttributeValue } = {}, outputs = 1): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    const node: NodeProto = {
      opType,
      name: this.fresh(`n_${opType}`),
      inputs,
      outputs: outs,
      attributes: Object.entries(attributes).map(([k, v]) => attribute(k, v)),
    };
    this.nodes.push(node);
    for (const o of outs) this.makers.set(o, node);
    return outs;
  }

  /** The node that makes `value`, or undefined for an input or an initializer. */
  maker(value: string): NodeProto | undefined {
    return this.makers.get(value);
  }

  /** A node with one output: its name. */
  op(opType: string, inputs: readonly string[], attributes: { readonly [name: string]: AttributeValue } = {}): string {
    return this.node(opType, inputs, attributes)[0]!;
  }

  /** An initializer holding `data` (row-major) of `dtype` and `dims`, under `name` (reserved by the caller) or a fresh one. */
  initializer(dtype: DType, dims: readonly number[], data: TypedArray, name?: string): string {
    const n = name ?? this.fresh('const');
    this.initializers.set(n, tensorProto(n, ONNX_DTYPE[dtype], dims, rawBytes(data)));
    return n;
  }

  /** A shared 0-d initializer of `dtype`. */
  scalar(dtype: DType, value: number): string {
    const key = `${dtype}:${value}`;
    const known = this.scalarCache.get(key);
    if (known !== undefined) return known;
    const name = this.initializer(dtype, [], typedOf(dtype, [value]));
    this.scalarCache.set(key, name);
    return name;
  }

  /** A one-element 1-D tensor of `dtype` (the `value` attribute of ConstantOfShape). */
  scalarTensor(dtype: DType, value: number): TensorProto {
    return tensorProto('', ONNX_DTYPE[dtype], [1], rawBytes(typedOf(dtype, [value])));
  }

  /** A shared 1-D int64 initializer (shapes, axes, pads, starts and ends). */
  int64s(values: readonly (number | bigint)[]): string {
    const key = values.join(',');
    const known = this.int64Cache.get(key);
    if (known !== undefined) return known;
    const name = this.fresh('ints');
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.set(name, tensorProto(name, DataType.INT64, [values.length], rawBytes(data)));
    this.int64Cache.set(key, name);
    return name;
  }
}

function typedOf(dtype: DType, values: readonly number[]): TypedArray {
  return dtype === 'float32' ? Float32Array.from(values) : dtype === 'float64' ? Float64Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
}

/**
 * A `TensorProto`.
 *
 * @example
 * ```ts
 * tensorProto('w', DataType.FLOAT, [2], rawBytes(new Float32Array([1, 2])));
 * ```
 */
export function tensorProto(name: string, dataType: DataTypeCode, dims: readonly number[], rawData: Uint8Array): TensorProto {
  return { name, dataType, dims, rawData };
}
