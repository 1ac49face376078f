import type { View } from '../backend.js';
import type { GpuBuffer, GpuDType } from './gpu-buffer.js';
import type { GpuRunner } from './gpu-runner.js';
import { Params } from './strided-index.js';
import { computeType, load, store } from './wgsl-scalar.js';

/** The side of a matmul tile: a workgroup computes a TILE × TILE block of the output. */
export const TILE = 16;

/**
 * Batched `[B, M, K] · [B, K, N]`, operands of any strides: each workgroup
 * stages a TILE × TILE tile of A and of B in workgroup memory per step along
 * K, and each thread accumulates one output element from them. Batches are
 * the third workgroup dim.
 */
export function matmulKernel(run: GpuRunner, alloc: (dtype: GpuDType, n: number) => GpuBuffer) {
  return function matmul(a: View<GpuBuffer>, b: View<GpuBuffer>, outDtype: GpuDType): GpuBuffer {
    const [B, M, K] = a.shape as [number, number, number];
    const N = b.shape[2]!;
    const out = alloc(outDtype, B * M * N);
    if (B * M * N === 0) return out;
    const c = computeType(a.buffer.dtype, b.buffer.dtype, outDtype);
    const params = new Params();
    params.push(B * M * N, M, K, N, a.offset, ...a.strides, b.offset, ...b.strides);
    const zero = c === 'f32' ? '0.0' : '0';
    run.run([{ buffer: a.buffer }, { buffer: b.buffer }, { buffer: out, write: true }], params, ([as, bs, os]) => `
var<workgroup> ta: array<array<${c}, ${TILE}>, ${TILE}>;
var<workgroup> tb: array<array<${c}, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let M = p[1]; let K = p[2]; let N = p[3];
  let ly = i32(lid.y); let lx = i32(lid.x);
  let row = i32(wg.y) * ${TILE} + ly;
  let col = i32(wg.x) * ${TILE} + lx;
  let batch = i32(wg.z);
  let aBase = p[4] + batch * p[5] + row * p[6];
  let bBase = p[8] + batch * p[9] + col * p[11];
  var acc = ${zero};
  for (var t = 0; t < K; t += ${TILE}) {
    var va = ${zero};
    if (row < M && t + lx < K) { va = ${load(a.buffer.dtype, c, `${as!}[aBase + (t + lx) * p[7]]`)}; }
    ta[ly][lx] = va;
    var vb = ${zero};
    if (col < N && t + ly < K) { vb = ${load(b.buffer.dtype, c, `${bs!}[bBase + (t + ly) * p[10]]`)}; }
    tb[ly][lx] = vb;
    workgroupBarrier();
    for (var k = 0; k < ${TILE}; k++) { acc += ta[ly][k] * tb[k][lx]; }
    workgroupBarrier();
  }
  if (row < M && col < N) { ${os!}[(batch * M + row) * N + col] = ${store(outDtype, c, 'acc')}; }
}`, [Math.ceil(N / TILE), Math.ceil(M / TILE), B]);
    return out;
  };
}
