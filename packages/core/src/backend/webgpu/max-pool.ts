import type { View } from '../backend.js';
import type { ConvGeometry } from '../../primitives/primitives.js';
import type { GpuBuffer, GpuDType } from './gpu-buffer.js';
import { linearMain, type GpuRunner } from './gpu-runner.js';
import { Params } from './strided-index.js';
import { computeType, load } from './wgsl-scalar.js';

/**
 * Where each pooling window has its maximum (flat `ih·W + iw`), a thread per
 * window: taps in the padding are skipped, and a tap replaces the running
 * maximum when it is greater or NaN, as in the reference.
 */
export function maxPoolKernel(run: GpuRunner, alloc: (dtype: GpuDType, n: number) => GpuBuffer) {
  return function maxPoolIndices(x: View<GpuBuffer>, g: ConvGeometry): GpuBuffer {
    const [N, C] = x.shape as [number, number];
    const total = N * C * g.outSize[0]! * g.outSize[1]!;
    const out = alloc('int32', total);
    if (total === 0) return out;
    // The parameters by name: geometry first, then x's offset and its four strides.
    const params = new Params();
    params.push(total);
    const [C_, H_, W_, KH, KW, OH, OW] = [C, g.size[0]!, g.size[1]!, g.kernel[0]!, g.kernel[1]!, g.outSize[0]!, g.outSize[1]!].map((v) => params.push(v));
    const [SH, SW, DH, DW, PH, PW] = [g.stride[0]!, g.stride[1]!, g.dilation[0]!, g.dilation[1]!, g.padBefore[0]!, g.padBefore[1]!].map((v) => params.push(v));
    const xAt = params.push(x.offset, ...x.strides);
    const c = computeType(x.buffer.dtype);
    const isNan = (e: string): string => (c === 'f32' ? `isNan(${e})` : 'false');
    run.run([{ buffer: x.buffer }, { buffer: out, write: true }], params, ([xs, os]) =>
      `fn floorDiv(a: i32, b: i32) -> i32 { return select(a / b, -((-a + b - 1) / b), a < 0); }
fn ceilDiv(a: i32, b: i32) -> i32 { return -floorDiv(-a, b); }
// The first and past-the-last tap of window o inside the image, along one dim.
fn taps(o: i32, size: i32, k: i32, stride: i32, dil: i32, pad: i32) -> vec2<i32> {
  let start = o * stride - pad;
  let lo = select(ceilDiv(-start, dil), 0, start >= 0);
  let hi = min(k, floorDiv(size - 1 - start, dil) + 1);
  return vec2<i32>(start + lo * dil, start + max(lo, hi) * dil);
}
${linearMain(`let C = p[${C_}]; let H = p[${H_}]; let W = p[${W_}]; let OH = p[${OH}]; let OW = p[${OW}];
  let ow = i % OW; let oh = (i / OW) % OH; let ch = (i / (OW * OH)) % C; let n = i / (OW * OH * C);
  let rows = taps(oh, H, p[${KH}], p[${SH}], p[${DH}], p[${PH}]);
  let cols = taps(ow, W, p[${KW}], p[${SW}], p[${DW}], p[${PW}]);
  let plane = p[${xAt}] + n * p[${xAt + 1}] + ch * p[${xAt + 2}];
  var best = ${c === 'f32' ? '-inf()' : 'bitcast<i32>(0x80000000u)'};
  var found = false;
  var at = rows.x * W + cols.x;
  for (var ih = rows.x; ih < rows.y; ih += p[${DH}]) {
    for (var iw = cols.x; iw < cols.y; iw += p[${DW}]) {
      let v = ${load(x.buffer.dtype, c, `${xs!}[plane + ih * p[${xAt + 3}] + iw * p[${xAt + 4}]]`)};
      if (v > best || ${isNan('v')} || (!found && ${c === 'i32' ? 'v == best' : 'false'})) { best = v; at = ih * W + iw; }
      found = true;
    }
  }
  ${os!}[i] = at;`)}`,
    run.linearGroups(total));
    return out;
  };
}
