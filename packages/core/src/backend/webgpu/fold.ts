import type { View } from '../backend.js';
import { contiguousStrides } from '../../shape.js';
import type { GpuBuffer, GpuDType } from './gpu-buffer.js';
import { linearMain, type GpuRunner } from './gpu-runner.js';
import { Params, emitOffsets } from './strided-index.js';
import { computeType, load, store } from './wgsl-scalar.js';

/**
 * Overlap-add (the adjoint of `unfold`), a thread per output element: position
 * `t` along `dim` sums `x[…, i, …, j]` over the windows `i` with
 * `t = i·step + j·dilation`.
 */
export function foldKernel(run: GpuRunner, alloc: (dtype: GpuDType, n: number) => GpuBuffer) {
  return function fold(x: View<GpuBuffer>, dim: number, size: number, step: number, dilation: number, length: number, outDtype: GpuDType): GpuBuffer {
    const outShape = x.shape.slice(0, -1);
    outShape[dim] = length;
    const total = outShape.reduce((a, b) => a * b, 1);
    const out = alloc(outDtype, total);
    if (total === 0) return out;
    const nd = outShape.length;
    const params = new Params();
    params.push(total);
    const shapeAt = params.push(...outShape);
    const xAt = params.push(x.offset, ...x.strides.slice(0, -1).map((s, d) => (d === dim ? 0 : s)));
    const cAt = params.push(0, ...contiguousStrides(outShape));
    const at = params.push(x.shape[dim]!, size, step, dilation, x.strides[dim]!, x.strides[nd]!);
    const c = computeType(x.buffer.dtype, outDtype);
    run.run([{ buffer: x.buffer }, { buffer: out, write: true }], params, ([xs, os]) =>
      linearMain(`${emitOffsets('i', nd, shapeAt, [{ name: 'x', at: xAt }])}
  let t = (i / p[${cAt + 1 + dim}]) % p[${shapeAt + dim}];
  var acc = ${c === 'f32' ? '0.0' : '0'};
  for (var w = 0; w < p[${at}]; w++) {
    let r = t - w * p[${at + 2}];
    if (r < 0) { break; }
    if (r % p[${at + 3}] != 0 || r / p[${at + 3}] >= p[${at + 1}]) { continue; }
    acc += ${load(x.buffer.dtype, c, `${xs!}[o_x + w * p[${at + 4}] + (r / p[${at + 3}]) * p[${at + 5}]]`)};
  }
  ${os!}[i] = ${store(outDtype, c, 'acc')};`),
    run.linearGroups(total));
    return out;
  };
}
