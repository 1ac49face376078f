import type { View } from '../backend.js';
import type { ConvGeometry } from '../../primitives/primitives.js';
import type { GpuBuffer, GpuDType } from './gpu-buffer.js';

// A convolution is a product of each group's weight matrix [O/G, C/G·KH·KW]
// with the input's columns (im2col), as in the reference's `convolutions`:
// the same composition over this backend's own kernels, with each group's
// result written into its slice of the output by `assign`, or with the bias
// added on the way by `binaryInto`.

/** The kernels a convolution is composed of, and a way to free temporaries. */
export interface ConvParts {
  copy(x: View<GpuBuffer>, outDtype: GpuDType): GpuBuffer;
  assign(dst: View<GpuBuffer>, src: View<GpuBuffer>): void;
  binaryInto(op: 'add', dst: View<GpuBuffer>, a: View<GpuBuffer>, b: View<GpuBuffer>): void;
  reduce(op: 'sum', x: View<GpuBuffer>, axes: readonly number[], outDtype: GpuDType): GpuBuffer;
  matmul(a: View<GpuBuffer>, b: View<GpuBuffer>, outDtype: GpuDType): GpuBuffer;
  im2col(x: View<GpuBuffer>, g: ConvGeometry, outDtype: GpuDType): GpuBuffer;
  col2im(cols: View<GpuBuffer>, g: ConvGeometry, outDtype: GpuDType): GpuBuffer;
  alloc(dtype: GpuDType, n: number): GpuBuffer;
  free(buffers: readonly GpuBuffer[]): void;
}

const view = (buffer: GpuBuffer, shape: readonly number[], strides: readonly number[], offset: number): View<GpuBuffer> => ({ buffer, shape, strides, offset });

function sizes(c: number, o: number, g: ConvGeometry, groups: number) {
  const cg = c / groups;
  return { og: o / groups, k: cg * g.kernel[0]! * g.kernel[1]!, l: g.outSize[0]! * g.outSize[1]! };
}

/** conv2d and its two gradients over the parts. */
export function convolutions(parts: ConvParts) {
  return {
    conv2d(x: View<GpuBuffer>, weight: View<GpuBuffer>, bias: View<GpuBuffer> | null, g: ConvGeometry, groups: number, outDtype: GpuDType): GpuBuffer {
      const n = x.shape[0]!;
      const o = weight.shape[0]!;
      const { og, k, l } = sizes(x.shape[1]!, o, g, groups);
      const cols = parts.im2col(x, g, outDtype);
      const w = parts.copy(weight, outDtype);
      const out = parts.alloc(outDtype, n * o * l);
      for (let gi = 0; gi < groups; gi++) {
        const product = parts.matmul(view(w, [n, og, k], [0, k, 1], gi * og * k), view(cols, [n, k, l], [groups * k * l, l, 1], gi * k * l), outDtype);
        const dst = view(out, [n, og, l], [o * l, l, 1], gi * og * l);
        const src = view(product, [n, og, l], [og * l, l, 1], 0);
        if (bias === null) parts.assign(dst, src);
        else parts.binaryInto('add', dst, src, view(bias.buffer, [n, og, l], [0, bias.strides[0]!, 0], bias.offset + gi * og * bias.strides[0]!));
        parts.free([product]);
      }
      parts.free([cols, w]);
      return out;
    },

    conv2dInput(grad: View<GpuBuffer>, weight: View<GpuBuffer>, g: ConvGeometry, groups: number, outDtype: GpuDType): GpuBuffer {
      const [n, o] = grad.shape as [number, number];
      const { og, k, l } = sizes(weight.shape[1]! * groups, o, g, groups);
      const w = parts.copy(weight, outDtype);
      const gy = parts.copy(grad, outDtype);
      const cols = parts.alloc(outDtype, n * groups * k * l);
      for (let gi = 0; gi < groups; gi++) {
        const product = parts.matmul(view(w, [n, k, og], [0, 1, k], gi * og * k), view(gy, [n, og, l], [o * l, l, 1], gi * og * l), outDtype);
        parts.assign(view(cols, [n, k, l], [groups * k * l, l, 1], gi * k * l), view(product, [n, k, l], [k * l, l, 1], 0));
        parts.free([product]);
      }
      const out = parts.col2im(view(cols, [n, groups * k, l], [groups * k * l, l, 1], 0), g, outDtype);
      parts.free([w, gy, cols]);
      return out;
    },

    conv2dWeight(x: View<GpuBuffer>, grad: View<GpuBuffer>, g: ConvGeometry, groups: number, outDtype: GpuDType): GpuBuffer {
      const n = x.shape[0]!;
      const o = grad.shape[1]!;
      const { og, k, l } = sizes(x.shape[1]!, o, g, groups);
      const cols = parts.im2col(x, g, outDtype);
      const gy = parts.copy(grad, outDtype);
      const out = parts.alloc(outDtype, o * k);
      for (let gi = 0; gi < groups; gi++) {
        const product = parts.matmul(view(gy, [n, og, l], [o * l, l, 1], gi * og * l), view(cols, [n, l, k], [groups * k * l, 1, l], gi * k * l), outDtype);
        // Summed over the batch in order.
        const summed = parts.reduce('sum', view(product, [n, og * k], [og * k, 1], 0), [0], outDtype);
        parts.assign(view(out, [og * k], [1], gi * og * k), view(summed, [og * k], [1], 0));
        parts.free([product, summed]);
      }
      parts.free([cols, gy]);
      return out;
    },
  };
}
