import type { View } from '../backend.js';
import type { ConvGeometry } from '../../primitives/primitives.js';
import type { GpuBuffer, GpuDType } from './gpu-buffer.js';
import { linearMain, type GpuRunner } from './gpu-runner.js';
import { Params } from './strided-index.js';
import { computeType, load, store } from './wgsl-scalar.js';

// im2col and its adjoint col2im, a thread per output element. The geometry
// sits in the parameters in one layout both kernels read through `G`.

function pushGeometry(params: Params, n: number, c: number, g: ConvGeometry): void {
  params.push(n, c, g.size[0]!, g.size[1]!, g.kernel[0]!, g.kernel[1]!, g.outSize[0]!, g.outSize[1]!);
  params.push(g.stride[0]!, g.stride[1]!, g.dilation[0]!, g.dilation[1]!, g.padBefore[0]!, g.padBefore[1]!);
}

// p[1..14]: N C H W KH KW OH OW strideH strideW dilH dilW padH padW; the view's offset and strides follow.
const G = `let N = p[1]; let C = p[2]; let H = p[3]; let W = p[4]; let KH = p[5]; let KW = p[6]; let OH = p[7]; let OW = p[8];
  let sth = p[9]; let stw = p[10]; let dh = p[11]; let dw = p[12]; let ph = p[13]; let pw = p[14];`;

/** The im2col/col2im kernels of the WebGPU backend. */
export function im2colKernels(run: GpuRunner, alloc: (dtype: GpuDType, n: number) => GpuBuffer) {
  return {
    im2col(x: View<GpuBuffer>, g: ConvGeometry, outDtype: GpuDType): GpuBuffer {
      const [N, C] = x.shape as [number, number];
      const total = N * C * g.kernel[0]! * g.kernel[1]! * g.outSize[0]! * g.outSize[1]!;
      const out = alloc(outDtype, total);
      if (total === 0) return out;
      const params = new Params();
      params.push(total);
      pushGeometry(params, N, C, g);
      params.push(x.offset, ...x.strides);
      const c = computeType(x.buffer.dtype, outDtype);
      run.run([{ buffer: x.buffer }, { buffer: out, write: true }], params, ([xs, os]) =>
        linearMain(`${G}
  let ow = i % OW; let oh = (i / OW) % OH; let kw = (i / (OW * OH)) % KW; let kh = (i / (OW * OH * KW)) % KH;
  let ch = (i / (OW * OH * KW * KH)) % C; let n = i / (OW * OH * KW * KH * C);
  let ih = oh * sth - ph + kh * dh;
  let iw = ow * stw - pw + kw * dw;
  var v = ${c === 'f32' ? '0.0' : '0'};
  if (ih >= 0 && ih < H && iw >= 0 && iw < W) {
    v = ${load(x.buffer.dtype, c, `${xs!}[p[15] + n * p[16] + ch * p[17] + ih * p[18] + iw * p[19]]`)};
  }
  ${os!}[i] = ${store(outDtype, c, 'v')};`),
      run.linearGroups(total));
      return out;
    },

    col2im(cols: View<GpuBuffer>, g: ConvGeometry, outDtype: GpuDType): GpuBuffer {
      // Each image position sums the taps that read it, kw outer and kh
      // inner: the order in which the reference adds them.
      const N = cols.shape[0]!;
      const C = cols.shape[1]! / (g.kernel[0]! * g.kernel[1]!);
      const total = N * C * g.size[0]! * g.size[1]!;
      const out = alloc(outDtype, total);
      if (total === 0) return out;
      const params = new Params();
      params.push(total);
      pushGeometry(params, N, C, g);
      params.push(cols.offset, ...cols.strides);
      const c = computeType(cols.buffer.dtype, outDtype);
      run.run([{ buffer: cols.buffer }, { buffer: out, write: true }], params, ([cs, os]) =>
        linearMain(`${G}
  let iw = i % W; let ih = (i / W) % H; let ch = (i / (W * H)) % C; let n = i / (W * H * C);
  var acc = ${c === 'f32' ? '0.0' : '0'};
  for (var kw = 0; kw < KW; kw++) {
    let tw = iw + pw - kw * dw;
    if (tw < 0 || tw % stw != 0 || tw / stw >= OW) { continue; }
    let ow = tw / stw;
    for (var kh = 0; kh < KH; kh++) {
      let th = ih + ph - kh * dh;
      if (th < 0 || th % sth != 0 || th / sth >= OH) { continue; }
      let oh = th / sth;
      acc += ${load(cols.buffer.dtype, c, `${cs!}[p[15] + n * p[16] + ((ch * KH + kh) * KW + kw) * p[17] + (oh * OW + ow) * p[18]]`)};
    }
  }
  ${os!}[i] = ${store(outDtype, c, 'acc')};`),
      run.linearGroups(total));
      return out;
    },
  };
}
