import type { View } from '../backend.js';
import type { ArgReduceKernel, ReduceKernel } from '../../primitives/primitives.js';
import type { GpuBuffer, GpuDType } from './gpu-buffer.js';
import { linearMain, type GpuRunner } from './gpu-runner.js';
import { Params, coalesce, emitOffsets } from './strided-index.js';
import { computeType, load, store, type ComputeType } from './wgsl-scalar.js';

// Reductions: a thread per output element walks the reduced positions in
// row-major order, as the reference does, so sums round in the same order
// (in f32 where the reference accumulates in doubles). Max and min keep the
// first NaN they meet.

const START: Record<ReduceKernel, Record<ComputeType, string>> = {
  sum: { f32: '0.0', i32: '0' },
  prod: { f32: '1.0', i32: '1' },
  max: { f32: '-inf()', i32: 'bitcast<i32>(0x80000000u)' },
  min: { f32: 'inf()', i32: '2147483647' },
};

const COMBINE: Record<ReduceKernel, Record<ComputeType, string>> = {
  sum: { f32: 'acc = acc + v;', i32: 'acc = acc + v;' },
  prod: { f32: 'acc = acc * v;', i32: 'acc = acc * v;' },
  max: { f32: 'if (!isNan(acc) && (v > acc || isNan(v))) { acc = v; }', i32: 'acc = max(acc, v);' },
  min: { f32: 'if (!isNan(acc) && (v < acc || isNan(v))) { acc = v; }', i32: 'acc = min(acc, v);' },
};

/** Splits `x`'s dims into kept and reduced ones, each merged where it can be, and pushes both. */
function layout(params: Params, x: View<GpuBuffer>, axes: readonly number[]) {
  const keptDims = x.shape.map((_, d) => d).filter((d) => !axes.includes(d));
  const kept = coalesce(keptDims.map((d) => x.shape[d]!), [keptDims.map((d) => x.strides[d]!)]);
  const red = coalesce(axes.map((d) => x.shape[d]!), [axes.map((d) => x.strides[d]!)]);
  const nOut = keptDims.reduce((a, d) => a * x.shape[d]!, 1);
  const inner = axes.reduce((a, d) => a * x.shape[d]!, 1);
  params.push(nOut);
  const innerAt = params.push(inner);
  const keptShapeAt = params.push(...kept.shape);
  const keptAt = params.push(x.offset, ...kept.strides[0]!);
  const redShapeAt = params.push(...red.shape);
  const redAt = params.push(0, ...red.strides[0]!);
  return { nOut, innerAt, keptNd: kept.shape.length, keptShapeAt, keptAt, redNd: red.shape.length, redShapeAt, redAt };
}

/** The reduction kernels of the WebGPU backend. */
export function reduceKernels(run: GpuRunner, alloc: (dtype: GpuDType, n: number) => GpuBuffer) {
  return {
    reduce(op: ReduceKernel, x: View<GpuBuffer>, axes: readonly number[], outDtype: GpuDType): GpuBuffer {
      const params = new Params();
      const l = layout(params, x, axes);
      const out = alloc(outDtype, l.nOut);
      if (l.nOut === 0) return out;
      const c = computeType(x.buffer.dtype, outDtype);
      run.run([{ buffer: x.buffer }, { buffer: out, write: true }], params, ([xs, os]) =>
        linearMain(`${emitOffsets('i', l.keptNd, l.keptShapeAt, [{ name: 'k', at: l.keptAt }])}
  var acc = ${START[op][c]};
  for (var r = 0; r < p[${l.innerAt}]; r++) {
    ${emitOffsets('r', l.redNd, l.redShapeAt, [{ name: 'r', at: l.redAt }], 'r_')}
    let v = ${load(x.buffer.dtype, c, `${xs!}[o_k + o_r]`)};
    ${COMBINE[op][c]}
  }
  ${os!}[i] = ${store(outDtype, c, 'acc')};`),
      run.linearGroups(l.nOut));
      return out;
    },

    argReduce(op: ArgReduceKernel, x: View<GpuBuffer>, axis: number): GpuBuffer {
      const params = new Params();
      const l = layout(params, x, [axis]);
      const out = alloc('int32', l.nOut);
      if (l.nOut === 0) return out;
      const c = computeType(x.buffer.dtype);
      const better = op === 'argmax' ? 'v > best' : 'v < best';
      const nan = (e: string): string => (c === 'f32' ? `isNan(${e})` : 'false');
      const stepAt = params.push(x.strides[axis]!);
      run.run([{ buffer: x.buffer }, { buffer: out, write: true }], params, ([xs, os]) =>
        linearMain(`${emitOffsets('i', l.keptNd, l.keptShapeAt, [{ name: 'k', at: l.keptAt }])}
  let step = p[${stepAt}];
  var best = ${load(x.buffer.dtype, c, `${xs!}[o_k]`)};
  var pos = 0;
  if (!${nan('best')}) {
    for (var j = 1; j < p[${l.innerAt}]; j++) {
      let v = ${load(x.buffer.dtype, c, `${xs!}[o_k + j * step]`)};
      if (${better}) { best = v; pos = j; } else if (${nan('v')}) { pos = j; break; }
    }
  }
  ${os!}[i] = pos;`),
      run.linearGroups(l.nOut));
      return out;
    },
  };
}
