import type { ConvGeometry, TracedOp } from '@tapegrad/core';
import type { ConvertContext, Converter } from './convert-context.js';
import { reshapeTo, scatterAddInto } from './movement.js';

type Op<K extends TracedOp['op']> = Extract<TracedOp, { op: K }>;

/**
 * The padding after the image along dim `d` that gives `outSize` windows
 * with ONNX's output-size rule, floor((size + before + after − span) / stride) + 1.
 */
function padAfter(c: ConvertContext, g: ConvGeometry, d: number): number {
  const span = g.dilation[d]! * (g.kernel[d]! - 1) + 1;
  const size = g.size[d]!;
  const before = g.padBefore[d]!;
  const out = g.outSize[d]!;
  const after = Math.max(0, (out - 1) * g.stride[d]! + span - size - before);
  if (Math.floor((size + before + after - span) / g.stride[d]!) + 1 !== out) c.fail(`no ONNX padding gives ${out} windows along dim ${d + 2}`);
  return after;
}

/** The attributes Conv and MaxPool share: kernel, strides, dilations and pads [top, left, bottom, right]. */
function windowAttributes(c: ConvertContext, g: ConvGeometry): { kernel_shape: number[]; strides: number[]; dilations: number[]; pads: number[] } {
  return {
    kernel_shape: g.kernel.slice(),
    strides: g.stride.slice(),
    dilations: g.dilation.slice(),
    pads: [...g.padBefore, ...g.kernel.map((_, d) => padAfter(c, g, d))],
  };
}

/** `conv2d`: Conv, whose optional third input B is the bias, as the primitive's. */
export const conv2dConverter: Converter<Op<'conv2d'>> = (c) => {
  const out = c.op.output.dtype;
  const geometry = c.same('the convolution geometry', c.op.params.geometry, c.alt.params.geometry);
  const inputs = c.op.inputs.map((t, i) => c.cast(c.input(i), t.dtype, out));
  return c.g.op('Conv', inputs, { ...windowAttributes(c, geometry), group: c.op.params.groups });
};

/**
 * `conv2dInput` (a transposed convolution: conv2d's adjoint in its input):
 * ConvTranspose, with the padding and output padding that give back the
 * image size.
 */
export const conv2dInputConverter: Converter<Op<'conv2dInput'>> = (c) => {
  const g = c.same('the convolution geometry', c.op.params.geometry, c.alt.params.geometry);
  const out = c.op.output.dtype;
  const before = g.padBefore.slice();
  const after: number[] = [];
  const outputPadding: number[] = [];
  g.kernel.forEach((k, d) => {
    const natural = (g.outSize[d]! - 1) * g.stride[d]! + g.dilation[d]! * (k - 1) + 1 - before[d]!;
    const pa = Math.max(0, natural - g.size[d]!);
    after.push(pa);
    outputPadding.push(g.size[d]! - (natural - pa));
  });
  return c.g.op('ConvTranspose', [c.cast(c.input(0), c.op.inputs[0]!.dtype, out), c.cast(c.input(1), c.op.inputs[1]!.dtype, out)], {
    kernel_shape: g.kernel.slice(),
    strides: g.stride.slice(),
    dilations: g.dilation.slice(),
    pads: [...before, ...after],
    output_padding: outputPadding,
    group: c.op.params.groups,
  });
};

/** `conv2dWeight` only appears in gradients: a forward pass has no use for it. */
export const conv2dWeightConverter: Converter<Op<'conv2dWeight'>> = (c) =>
  c.fail('it is the gradient of a convolution in its weight, which ONNX has no operator for; export the forward pass only');

/**
 * `maxPoolIndices` (where each window's maximum is; max pooling gathers
 * those): MaxPool, whose second output counts over the whole [N, C, H, W]
 * tensor, so the position in the image is that modulo H·W. The pooled
 * values are left for the gather that reads them (see `gatherConverter`).
 */
export const maxPoolIndicesConverter: Converter<Op<'maxPoolIndices'>> = (c) => {
  const g = c.same('the pooling geometry', c.op.params, c.alt.params);
  const [values, indices] = c.g.node('MaxPool', [c.input(0)], windowAttributes(c, g), 2) as [string, string];
  c.memo.set(c.op.output, values);
  const area = g.size[0]! * g.size[1]!;
  return c.cast(c.g.op('Mod', [indices, c.g.int64s([area])]), 'int64', 'int32');
};

/** The window positions `[C·KH·KW]`-major of im2col and col2im, in the flattened padded image. */
function windowPositions(g: ConvGeometry, paddedWidth: number): Int32Array {
  const [kh, kw] = g.kernel as [number, number];
  const [oh, ow] = g.outSize as [number, number];
  const out = new Int32Array(kh * kw * oh * ow);
  let at = 0;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) out[at++] = (y * g.stride[0]! + i * g.dilation[0]!) * paddedWidth + x * g.stride[1]! + j * g.dilation[1]!;
      }
    }
  }
  return out;
}

function paddedSize(c: ConvertContext, g: ConvGeometry): [number, number, number, number] {
  const [h, w] = g.size as [number, number];
  const after = [padAfter(c, g, 0), padAfter(c, g, 1)];
  return [h + g.padBefore[0]! + after[0]!, w + g.padBefore[1]! + after[1]!, after[0]!, after[1]!];
}

/**
 * `im2col` ([N, C, H, W] → [N, C·KH·KW, L]): the image padded and
 * flattened, then one Gather of every window position.
 */
export const im2colConverter: Converter<Op<'im2col'>> = (c) => {
  const g = c.same('the im2col geometry', c.op.params, c.alt.params);
  const [n, ch] = c.op.inputs[0]!.shape as [number, number];
  const [nb] = c.alt.inputs[0]!.shape as [number];
  const [hp, wp, ah, aw] = paddedSize(c, g);
  const padded = c.g.op('Pad', [c.input(0), c.g.int64s([0, 0, g.padBefore[0]!, g.padBefore[1]!, 0, 0, ah, aw])]);
  const flat = reshapeTo(c, padded, [n, ch, hp * wp], [nb, ch, hp * wp]);
  const k = g.kernel[0]! * g.kernel[1]!;
  const l = g.outSize[0]! * g.outSize[1]!;
  const picked = c.g.op('Gather', [flat, c.g.initializer('int32', [k, l], windowPositions(g, wp))], { axis: 2 });
  return reshapeTo(c, picked, c.op.output.shape, c.alt.output.shape);
};

/**
 * `col2im` (im2col's adjoint: windows summed back into the image): a
 * ScatterElements that adds every window element at its position in the
 * flattened padded image, then the padding cut off.
 */
export const col2imConverter: Converter<Op<'col2im'>> = (c) => {
  const g = c.same('the col2im geometry', c.op.params, c.alt.params);
  const [n, ck, l] = c.op.inputs[0]!.shape as [number, number, number];
  const [nb] = c.alt.inputs[0]!.shape as [number];
  const k = g.kernel[0]! * g.kernel[1]!;
  const ch = ck / k;
  const [hp, wp] = paddedSize(c, g);
  const updates = reshapeTo(c, c.input(0), [n, ch, k * l], [nb, ch, k * l]);
  const positions = c.g.initializer('int32', [1, 1, k * l], windowPositions(g, wp));
  const sums = scatterAddInto(c, updates, positions, 2, [n, ch, hp * wp], [nb, ch, hp * wp]);
  const image = reshapeTo(c, sums, [n, ch, hp, wp], [nb, ch, hp, wp]);
  const [h, w] = g.size as [number, number];
  const [bh, bw] = g.padBefore as [number, number];
  return c.g.op('Slice', [image, c.g.int64s([bh, bw]), c.g.int64s([bh + h, bw + w]), c.g.int64s([2, 3])]);
};
