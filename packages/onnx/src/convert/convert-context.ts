import type { DType, Tensor, TracedOp } from '@tapegrad/core';
import type { GraphBuilder } from '../graph-builder.js';
import type { ElementType } from '../onnx-dtypes.js';

/**
 * What a converter sees of one traced op: the op as it ran in the traced
 * pass (`op`) and in the second pass (`alt`: another batch size, other
 * values), the ONNX names of its inputs, and helpers that write shapes the
 * batch size may change.
 */
export interface ConvertContext<O extends TracedOp = TracedOp> {
  readonly g: GraphBuilder;
  readonly op: O;
  readonly alt: O;
  /** The ONNX value of input `i`. */
  input(i: number): string;
  /**
   * A 1-D int64 value holding `a` (its entries in the traced pass) where the
   * second pass had `b`: a constant where they agree, else entries computed
   * from the batch size at run time.
   */
  ints(a: readonly number[], b: readonly number[]): string;
  /** `a`, when the second pass had the same; otherwise an error naming `what`. */
  same<T>(what: string, a: T, b: T): T;
  /** `name` (of dtype `from`) as `to`: itself when they are one dtype, else a Cast. */
  cast(name: string, from: ElementType, to: ElementType): string;
  /** A 0-d constant of `dtype`. */
  scalar(dtype: DType, value: number): string;
  /** The traced op that made input `i` of traced op `op` (as it read it), or null for an input, a parameter or a constant. */
  producer(op: TracedOp, i: number): TracedOp | null;
  /** ONNX values a converter leaves for another (the values of a MaxPool for the gather that reads them). */
  readonly memo: Map<Tensor, string>;
  /** Throws an `OnnxExportError` naming this op, its input shapes and `why`. */
  fail(why: string): never;
}

/** Writes the ONNX nodes of one traced op and returns the ONNX value of its output. */
export type Converter<O extends TracedOp> = (c: ConvertContext<O>) => string;

/** One converter for every op a trace holds; the compiler refuses a primitive without one. */
export type ConverterTable = { readonly [K in TracedOp['op']]: Converter<Extract<TracedOp, { op: K }>> };
