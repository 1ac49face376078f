import type { View } from '../backend.js';
import { contiguousStrides } from '../../shape.js';
import type { GpuBuffer, GpuDType } from './gpu-buffer.js';
import { linearMain, type GpuRunner } from './gpu-runner.js';
import { Params, emitOffsets } from './strided-index.js';
import { computeType, load, store } from './wgsl-scalar.js';

// gather and scatterAdd. The core checks index ranges where it can read the
// index synchronously; on the GPU it cannot, so the kernels define the
// out-of-range case themselves: gather reads NaN (0 for integers and bool),
// scatterAdd drops the element.

/** The indexing kernels of the WebGPU backend. */
export function indexingKernels(run: GpuRunner, alloc: (dtype: GpuDType, n: number) => GpuBuffer) {
  return {
    gather(x: View<GpuBuffer>, dim: number, index: View<GpuBuffer>, outDtype: GpuDType): GpuBuffer {
      const n = index.shape.reduce((a, b) => a * b, 1);
      const out = alloc(outDtype, n);
      if (n === 0) return out;
      const nd = index.shape.length;
      const params = new Params();
      params.push(n);
      const shapeAt = params.push(...index.shape);
      const xAt = params.push(x.offset, ...x.strides.map((s, d) => (d === dim ? 0 : s)));
      const iAt = params.push(index.offset, ...index.strides);
      const sizeAt = params.push(x.shape[dim]!, x.strides[dim]!);
      const c = computeType(x.buffer.dtype, outDtype);
      const missing = c === 'f32' ? 'nan()' : '0';
      run.run([{ buffer: x.buffer }, { buffer: index.buffer }, { buffer: out, write: true }], params, ([xs, is, os]) =>
        linearMain(`${emitOffsets('i', nd, shapeAt, [{ name: 'x', at: xAt }, { name: 'i', at: iAt }])}
  let j = ${load(index.buffer.dtype, 'i32', `${is!}[o_i]`)};
  var v = ${missing};
  if (j >= 0 && j < p[${sizeAt}]) { v = ${load(x.buffer.dtype, c, `${xs!}[o_x + j * p[${sizeAt + 1}]]`)}; }
  ${os!}[i] = ${store(outDtype, c, 'v')};`),
      run.linearGroups(n));
      return out;
    },

    scatterAdd(x: View<GpuBuffer>, dim: number, index: View<GpuBuffer>, src: View<GpuBuffer>, outDtype: GpuDType): GpuBuffer {
      // A thread per output element adds, in order along `dim`, the source
      // elements whose index names it: no atomics, and the reference's order.
      const n = x.shape.reduce((a, b) => a * b, 1);
      const out = alloc(outDtype, n);
      if (n === 0) return out;
      const nd = x.shape.length;
      const params = new Params();
      params.push(n);
      const shapeAt = params.push(...x.shape);
      const xAt = params.push(x.offset, ...x.strides);
      const cAt = params.push(0, ...contiguousStrides(x.shape)); // the output position, for its coordinates
      const iShapeAt = params.push(...index.shape);
      const iAt = params.push(index.offset, ...index.strides);
      const sAt = params.push(src.offset, ...src.strides);
      const c = computeType(x.buffer.dtype, src.buffer.dtype, outDtype);
      const coord = (d: number): string => `((i / p[${cAt + 1 + d}]) % p[${shapeAt + d}])`;
      const fits = Array.from({ length: nd }, (_, d) => (d === dim ? 'true' : `${coord(d)} < p[${iShapeAt + d}]`)).join(' && ');
      const base = (at: number): string => Array.from({ length: nd }, (_, d) => (d === dim ? '' : ` + ${coord(d)} * p[${at + 1 + d}]`)).join('');
      run.run([{ buffer: x.buffer }, { buffer: index.buffer }, { buffer: src.buffer }, { buffer: out, write: true }], params, ([xs, is, ss, os]) =>
        linearMain(`${emitOffsets('i', nd, shapeAt, [{ name: 'x', at: xAt }])}
  var v = ${load(x.buffer.dtype, c, `${xs!}[o_x]`)};
  if (${nd === 0 ? 'true' : fits}) {
    let slot = ${nd === 0 ? '0' : coord(dim)};
    let ib = p[${iAt}]${base(iAt)};
    let sb = p[${sAt}]${base(sAt)};
    for (var j = 0; j < ${nd === 0 ? '1' : `p[${iShapeAt + dim}]`}; j++) {
      if (${load(index.buffer.dtype, 'i32', `${is!}[ib + j * ${nd === 0 ? '0' : `p[${iAt + 1 + dim}]`}]`)} == slot) {
        v = v + ${load(src.buffer.dtype, c, `${ss!}[sb + j * ${nd === 0 ? '0' : `p[${sAt + 1 + dim}]`}]`)};
      }
    }
  }
  ${os!}[i] = ${store(outDtype, c, 'v')};`),
      run.linearGroups(n));
      return out;
    },
  };
}
