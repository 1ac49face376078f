import { ARRAY_TYPES, isFloating, type DType } from '../dtype.js';
import { DTypeError, IndexError, ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/make.js';
import { matmul } from './linalg.js';

/** `[out, in]` rows that average PyTorch's adaptive windows `[⌊i·in/out⌋, ⌈(i+1)·in/out⌉)`. */
function averagingMatrix(inSize: number, outSize: number, dtype: DType, device: string): Tensor {
  const data = new ARRAY_TYPES[dtype](outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const start = Math.floor((i * inSize) / outSize);
    const end = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = start; j < end; j++) data[i * inSize + j] = 1 / (end - start);
  }
  return fromArray(data, [outSize, inSize], dtype, device, 'adaptiveAvgPool2d');
}

/**
 * 2-D adaptive average pooling: averages `[N, C, H, W]` (or `[C, H, W]`) over
 * windows chosen so that the output has `outputSize` (a number for both
 * dims, or `[oh, ow]` where `null` keeps the input's size). The windows are
 * PyTorch's; the averaging is separable, so it is two matrix products.
 *
 * @example
 * ```ts
 * adaptiveAvgPool2d(randn([2, 512, 7, 7]), 1); // [2, 512, 1, 1]
 * ```
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  if (input.ndim !== 3 && input.ndim !== 4) throw new ShapeError(`${op}: expected input of shape [N, C, H, W] or [C, H, W], got ${fmtShape(input.shape)}`);
  if (!isFloating(input.dtype)) throw new DTypeError(`${op}: input must be a float tensor, got ${input.dtype}`);
  const sizes = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize.slice();
  if (sizes.length !== 2) throw new IndexError(`${op}: outputSize must be a number or 2 entries, got [${sizes.join(', ')}]`);
  const h = input.shape[input.ndim - 2]!;
  const w = input.shape[input.ndim - 1]!;
  const [oh, ow] = sizes.map((s, i) => s ?? (i === 0 ? h : w)) as [number, number];
  if (![oh, ow].every((s) => Number.isInteger(s) && s >= 1)) throw new IndexError(`${op}: output sizes must be positive integers, got [${oh}, ${ow}]`);
  const rows = matmul(averagingMatrix(h, oh, input.dtype, input.device), input);
  return matmul(rows, averagingMatrix(w, ow, input.dtype, input.device).mT);
}
