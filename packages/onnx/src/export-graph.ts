import { fmtShape, type Tensor } from '@tapegrad/core';
import type { ConvertContext } from './convert/convert-context.js';
import { converters } from './convert/converter-table.js';
import { OnnxExportError } from './errors.js';
import { BatchSizes, type BatchInfo } from './batch-sizes.js';
import { GraphBuilder } from './graph-builder.js';
import { ONNX_DTYPE, type ElementType } from './onnx-dtypes.js';
import { describe, refs, sameRef, type Ref } from './value-refs.js';
import type { Dim, GraphProto, NodeProto, ValueInfoProto } from './proto/onnx-proto.js';
import type { ForwardTrace } from './trace-forward.js';

/** Everything the graph is built from. */
export interface GraphSpec {
  /** The traced pass (its values become the weights and constants). */
  readonly a: ForwardTrace;
  /** The second pass: other input values, and another batch size when the batch is dynamic. */
  readonly b: ForwardTrace;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Parameters and buffers by tensor: they become initializers under these names. */
  readonly params: ReadonlyMap<Tensor, string>;
  /** Versions of the inputs, parameters and buffers before the traced pass. */
  readonly versionsBefore: ReadonlyMap<Tensor, number>;
  readonly batch: BatchInfo | null;
  readonly graphName: string;
}

/** Constants no larger than this (in elements) are computed once at export even when they outgrow their inputs. */
const FOLD_LIMIT = 4096;


function bytesOf(t: Tensor): Uint8Array {
  const d = t.data;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** Same dtype, shape and bits (so NaN equals NaN). */
function sameValues(x: Tensor, y: Tensor): boolean {
  if (x.dtype !== y.dtype || fmtShape(x.shape) !== fmtShape(y.shape)) return false;
  const [p, q] = [bytesOf(x), bytesOf(y)];
  return p.length === q.length && p.every((v, i) => v === q[i]);
}

/** The value every element of `t` has, or null when they differ (or there are none). */
function uniformValue(t: Tensor): number | null {
  const d = t.data;
  if (d.length === 0) return null;
  const first = d[0]!;
  for (let i = 1; i < d.length; i++) if (!Object.is(d[i], first)) return null;
  return first;
}

/**
 * The nodes with each repeated computation (one op type on the same inputs
 * with the same attributes: a composite that reshapes one input three times,
 * a mean taken twice) kept once, and what each dropped output is now.
 */
function withoutRepeats(all: readonly NodeProto[]): { nodes: NodeProto[]; same: Map<string, string> } {
  const same = new Map<string, string>();
  const seen = new Map<string, NodeProto>();
  const nodes: NodeProto[] = [];
  for (const n of all) {
    const inputs = n.inputs.map((x) => same.get(x) ?? x);
    const key = JSON.stringify([n.opType, inputs, n.attributes, n.outputs.length]);
    const first = seen.get(key);
    if (first === undefined) {
      const kept = { ...n, inputs };
      seen.set(key, kept);
      nodes.push(kept);
    } else n.outputs.forEach((o, i) => same.set(o, first.outputs[i]!));
  }
  return { nodes, same };
}

/** The graph's nodes from the first live one back: nodes no output depends on are dropped, and so are unused trailing outputs (MaxPool's indices). */
function liveNodes(nodes: readonly NodeProto[], outputs: readonly string[]): NodeProto[] {
  const live = new Set(outputs);
  const kept: NodeProto[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!n.outputs.some((o) => live.has(o))) continue;
    let last = n.outputs.length;
    while (last > 1 && !live.has(n.outputs[last - 1]!)) last--;
    kept.push(last === n.outputs.length ? n : { ...n, outputs: n.outputs.slice(0, last) });
    for (const x of n.inputs) live.add(x);
  }
  return kept.reverse();
}

/**
 * The ONNX graph of a traced forward pass. Each op of the traced pass is
 * checked against the same op of the second pass: the same primitive on
 * the same kinds of operands, or the forward pass depends on its inputs'
 * values (an error). Ops whose operands are all constants are computed
 * here (their result is a constant) when the second pass agrees; the rest
 * go through the converter table.
 */
export function buildGraph(spec: GraphSpec): GraphProto {
  const { a, b, batch } = spec;
  const g = new GraphBuilder();
  for (const n of [...spec.inputNames, ...spec.outputNames]) g.reserve(n);
  const refA = refs(a, spec.params, spec.versionsBefore);
  const refB = refs(b, spec.params, spec.versionsBefore);
  const differently = batch === null ? 'for other input values' : 'for other input values and another batch size';

  if (a.ops.length !== b.ops.length || a.ops.some((o, k) => o.op !== b.ops[k]!.op)) {
    const k = a.ops.findIndex((o, i) => o.op !== b.ops[i]?.op);
    const at = k < 0 ? a.ops.length : k;
    throw new OnnxExportError(
      `exportOnnx: the forward pass ran other ops ${differently} (op #${at}: '${a.ops[at]?.op ?? 'none'}', then '${b.ops[at]?.op ?? 'none'}'): its path depends on the inputs (a branch on a value read back, or on a size), so one graph cannot stand for it`,
    );
  }

  const writtenInPlace = (what: string, t: Tensor): never => {
    throw new OnnxExportError(
      `exportOnnx: ${what} (shape ${fmtShape(t.shape)}, ${t.dtype}) is read after an in-place write (add_, copy_, fill_…) changed it or the tensor it is a view of; a graph holds each tensor once: use the out-of-place op, or write before taking views`,
    );
  };
  const operandRefs = a.ops.map((o, k) =>
    o.inputs.map((t, i): Ref => {
      if (o.op === 'write' && i === 0) return { kind: 'target' };
      const [x, y] = [refA(t, o.inputVersions[i]!), refB(b.ops[k]!.inputs[i]!, b.ops[k]!.inputVersions[i]!)];
      if (x.kind === 'stale') writtenInPlace(`input ${i} of op #${k} '${o.op}'`, t);
      if (!sameRef(x, y)) {
        throw new OnnxExportError(`exportOnnx: input ${i} of op #${k} '${o.op}' is ${describe(x, a)} in the traced pass but ${describe(y, b)} ${differently}; the forward pass depends on its inputs in a way a graph cannot hold`);
      }
      return x;
    }),
  );

  const sizes = new BatchSizes(g, batch, spec.inputNames);
  const intsOf = (a0: readonly number[], b0: readonly number[], fail: (why: string) => never): string => sizes.ints(a0, b0, fail);

  const paramNames = new Map<string, string>();
  const paramInitializer = (name: string, t: Tensor): string => {
    let onnx = paramNames.get(name);
    if (onnx === undefined) {
      onnx = g.initializer(t.dtype, t.shape, t.data, g.isTaken(name) ? g.fresh(name) : g.reserve(name));
      paramNames.set(name, onnx);
    }
    return onnx;
  };
  const constants = new Map<Tensor, string>();
  const constantOf = (ta: Tensor, tb: Tensor, where: string, fail: (why: string) => never): string => {
    const known = constants.get(ta);
    if (known !== undefined && sameValues(ta, tb)) return known;
    if (sameValues(ta, tb)) {
      const name = g.initializer(ta.dtype, ta.shape, ta.data);
      constants.set(ta, name);
      return name;
    }
    const [va, vb] = [uniformValue(ta), uniformValue(tb)];
    if (fmtShape(ta.shape) !== fmtShape(tb.shape) && va !== null && Object.is(va, vb) && ta.dtype === tb.dtype) {
      return g.op('ConstantOfShape', [intsOf(ta.shape, tb.shape, fail)], { value: g.scalarTensor(ta.dtype, va) });
    }
    return fail(
      fmtShape(ta.shape) === fmtShape(tb.shape)
        ? `${where} is a tensor made outside tapegrad's ops whose values changed with the inputs' values (read back with .data or .item() and made into a new tensor?); a graph can only hold it as a constant`
        : `${where} is a tensor made outside tapegrad's ops whose shape follows the batch size (${fmtShape(ta.shape)}, then ${fmtShape(tb.shape)}) and whose elements are not all one value; only tensors of one value (zeros, ones, full) can follow the batch`,
    );
  };

  const names: (string | null)[] = new Array<string | null>(a.ops.length).fill(null);
  const folded: boolean[] = new Array<boolean>(a.ops.length).fill(false);
  const memo = new Map<Tensor, string>();
  const resolve = (r: Ref, ta: Tensor, tb: Tensor, where: string, fail: (why: string) => never): string => {
    switch (r.kind) {
      case 'input':
        return spec.inputNames[r.index]!;
      case 'param':
        return paramInitializer(r.name, ta);
      case 'op':
        return folded[r.index] ? constantOf(a.ops[r.index]!.output, b.ops[r.index]!.output, where, fail) : names[r.index]!;
      case 'const':
        return constantOf(ta, tb, where, fail);
      case 'stale':
      case 'target':
        return fail(`${where} is ${describe(r, a)}, which has no value in the graph`);
    }
  };

  a.ops.forEach((opA, k) => {
    const opB = b.ops[k]!;
    const operands = operandRefs[k]!;
    const constant = operands.every((r) => r.kind === 'const' || r.kind === 'target' || (r.kind === 'op' && folded[r.index]));
    const small = opA.output.numel <= Math.max(FOLD_LIMIT, opA.inputs.reduce((n, t) => n + t.numel, 0));
    if (constant && small && sameValues(opA.output, opB.output)) {
      folded[k] = true;
      return;
    }
    const fail = (why: string): never => {
      throw new OnnxExportError(`exportOnnx: cannot export op #${k} '${opA.op}' (inputs ${opA.inputs.map((t) => `${fmtShape(t.shape)} ${t.dtype}`).join(', ')}): ${why}`);
    };
    const ctx: ConvertContext = {
      g,
      op: opA,
      alt: opB,
      input: (i) => resolve(operands[i]!, opA.inputs[i]!, opB.inputs[i]!, `input ${i}`, fail),
      ints: (x, y) => intsOf(x, y, fail),
      same: (what, x, y) => (JSON.stringify(x) === JSON.stringify(y) ? x : fail(`${what} changes with the batch size (${JSON.stringify(x)}, then ${JSON.stringify(y)})`)),
      cast: (name, from: ElementType, to: ElementType) => (from === to ? name : g.op('Cast', [name], { to: ONNX_DTYPE[to] })),
      scalar: (dtype, value) => g.scalar(dtype, value),
      producer: (o, i) => {
        const r = refA(o.inputs[i]!, o.inputVersions[i]!);
        return r.kind === 'op' && !folded[r.index] ? a.ops[r.index]! : null;
      },
      memo,
      fail,
    };
    // The table's entry for this op; TypeScript cannot tie the union of ops to the union of converters.
    const convert = converters[opA.op] as (c: ConvertContext) => string;
    names[k] = convert(ctx);
  });

  if (a.outputs.length !== b.outputs.length) {
    throw new OnnxExportError(`exportOnnx: the forward pass returned ${a.outputs.length} outputs, then ${b.outputs.length} ${differently}`);
  }
  const tracedOutputs = a.outputs.map((t, j) => {
    const [x, y] = [refA(t, t.version), refB(b.outputs[j]!, b.outputs[j]!.version)];
    if (x.kind === 'stale') writtenInPlace(`output ${j}`, t);
    if (!sameRef(x, y)) throw new OnnxExportError(`exportOnnx: output ${j} is ${describe(x, a)} in the traced pass but ${describe(y, b)} ${differently}`);
    const fail = (why: string): never => {
      throw new OnnxExportError(`exportOnnx: cannot export output ${j}: ${why}`);
    };
    return resolve(x, t, b.outputs[j]!, `output ${j}`, fail);
  });

  const { nodes: distinct, same } = withoutRepeats(g.nodes);
  const outputValues = tracedOutputs.map((v) => same.get(v) ?? v);

  // Give each output its name: rename the node that makes it, or (for an
  // input, a constant, or a value two outputs share) add an Identity.
  const made = new Map<string, NodeProto>();
  for (const n of distinct) for (const o of n.outputs) made.set(o, n);
  const renames = new Map<string, string>();
  spec.outputNames.forEach((name, j) => {
    const value = outputValues[j]!;
    if (made.has(value) && !renames.has(value)) renames.set(value, name);
    else distinct.push({ opType: 'Identity', name: g.fresh('n_Identity'), inputs: [renames.get(value) ?? value], outputs: [name], attributes: [] });
  });
  const renamed = (x: string): string => renames.get(x) ?? x;
  const nodes = liveNodes(
    distinct.map((n) => ({ ...n, inputs: n.inputs.map(renamed), outputs: n.outputs.map(renamed) })),
    spec.outputNames,
  );
  const used = new Set(nodes.flatMap((n) => n.inputs));

  const dims = (ta: Tensor, tb: Tensor): Dim[] =>
    ta.shape.map((s, d) => {
      const t = tb.shape[d]!;
      if (s === t) return s;
      return batch !== null && s === batch.sizeA && t === batch.sizeB ? batch.dimName : null;
    });
  const inputs: ValueInfoProto[] = a.inputs.map((t, i) => ({ name: spec.inputNames[i]!, elemType: ONNX_DTYPE[t.dtype], shape: dims(t, b.inputs[i]!) }));
  const outputs: ValueInfoProto[] = a.outputs.map((t, j) => ({ name: spec.outputNames[j]!, elemType: ONNX_DTYPE[t.dtype], shape: dims(t, b.outputs[j]!) }));
  return {
    name: spec.graphName,
    nodes,
    initializers: [...g.initializers.values()].filter((t) => used.has(t.name)),
    inputs,
    outputs,
  };
}
