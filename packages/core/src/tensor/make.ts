import { backendOf, getBackend } from '../backend/active-backend.js';
import type { Backend, View } from '../backend/backend.js';
import { ARRAY_TYPES, dtypeOfArray, type DType, type TypedArray } from '../dtype.js';
import { DeviceError, TapegradError, fmtShape } from '../errors.js';
import { foreignTensorMessage, hasTensorBrand } from './brand.js';
import { shapesEqual, tensorStrides, type Shape } from '../shape.js';
import { Storage } from './storage.js';
import { Tensor } from './tensor.js';

/**
 * A contiguous tensor over a buffer `be` just made (a kernel's result).
 *
 * @example
 * ```ts
 * fromBuffer(be, be.unary('exp', kernelView(x), 'float32'), x.shape, 'float32');
 * ```
 */
export function fromBuffer(be: Backend, buffer: unknown, shape: Shape, dtype: DType): Tensor {
  const strides = tensorStrides(shape);
  let n = 1;
  for (const s of shape) n *= s;
  return new Tensor(new Storage(be, buffer, n), shape, strides, 0, dtype);
}

/**
 * A contiguous tensor holding `data` on `device` (the default device
 * otherwise; `op` names the caller in the error for a device without a
 * backend). The array is handed over to the backend: the caller must not use
 * it afterwards.
 *
 * @example
 * ```ts
 * fromArray(new Float32Array([1, 2]), [2]);
 * fromArray(new Float32Array([1, 2]), [2], 'float32', 'webgpu', 'tensor');
 * ```
 */
export function fromArray(data: TypedArray, shape: Shape, dtype: DType = dtypeOfArray(data), device?: string, op = 'tensor'): Tensor {
  const be = device === undefined ? getBackend() : backendOf(op, device);
  return fromBuffer(be, be.upload(data), shape, dtype);
}

/**
 * A tensor over `t`'s storage with another layout. It is not yet a view for
 * autograd: `apply` makes the output of a view primitive one (it knows how to
 * take the view again); `detach` leaves its alias out of the graph.
 *
 * @example
 * ```ts
 * viewOf(t, [3, 2], [1, 3], 0); // a transpose of a contiguous [2, 3]
 * ```
 */
export function viewOf(t: Tensor, shape: Shape, strides: readonly number[], offset: number): Tensor {
  return new Tensor(t.storage, shape, strides, offset, t.dtype);
}

/**
 * What a kernel reads of a tensor.
 *
 * @example
 * ```ts
 * getBackend().unary('exp', kernelView(t), 'float32');
 * ```
 */
export function kernelView(t: Tensor): View {
  return { buffer: t.storage.buffer, shape: t.shape, strides: t.strides, offset: t.offset };
}

/**
 * A kernel view of `t` broadcast to `shape` (stride 0 on expanded dims).
 *
 * @example
 * ```ts
 * broadcastView(bias, [32, 10]);
 * ```
 */
export function broadcastView(t: Tensor, shape: Shape): View {
  if (t.shape === shape || shapesEqual(t.shape, shape)) return kernelView(t);
  const lead = shape.length - t.ndim;
  const strides = shape.map((s, i) => {
    if (i < lead) return 0;
    const own = t.shape[i - lead]!;
    return own === 1 && s !== 1 ? 0 : t.strides[i - lead]!;
  });
  return { buffer: t.storage.buffer, shape, strides, offset: t.offset };
}

/**
 * The backend that runs `op` on `operands`: the one registered for their
 * device, which must be the same for all (backends of one device share
 * buffers). Without operands, the default device's.
 *
 * @example
 * ```ts
 * const be = backendFor('add', [a, b]);
 * ```
 */
export function backendFor(op: string, operands: readonly Tensor[]): Backend {
  let first: Tensor | undefined;
  for (let i = 0; i < operands.length; i++) {
    const t = operands[i]!;
    if (!(t instanceof Tensor)) throw new TapegradError(hasTensorBrand(t) ? foreignTensorMessage(op, `operand ${i}`) : `${op}: operand ${i} is not a tensor`);
    if (first === undefined) first = t;
    else if (t.storage.backend.device !== first.storage.backend.device) throw mixedDevices(op, operands, first, t);
  }
  if (first === undefined) return getBackend();
  const be = backendOf(op, first.storage.backend.device);
  // The CPU backends share their buffers; two GPU backends (two GPU devices) do not.
  if (be !== first.storage.backend && be.device !== 'cpu') throw replacedBackend(op, first);
  return be;
}

/** The error for a tensor whose device's backend was replaced since it was made. */
function replacedBackend(op: string, t: Tensor): DeviceError {
  const device = t.storage.backend.device;
  return new DeviceError(
    `${op}: a tensor of shape ${fmtShape(t.shape)} lives on a '${device}' backend that setBackend has since replaced with another one, whose buffers it cannot read; ` +
      `keep one backend per device, or bring the tensor to the CPU (await t.toAsync('cpu')) before the switch`,
  );
}

/** The error for operands on two devices, as PyTorch's: the op, both operands' shapes and devices. */
function mixedDevices(op: string, operands: readonly Tensor[], a: Tensor, b: Tensor): DeviceError {
  const [da, db] = [a.storage.backend.device, b.storage.backend.device];
  const at = (t: Tensor): string => `operand ${operands.indexOf(t)} (shape ${fmtShape(t.shape)}) is on '${t.storage.backend.device}'`;
  return new DeviceError(`${op}: expected all operands on one device, but ${at(a)} and ${at(b)}; move one with .to('${da}') or .to('${db}')`);
}

// 0-d constants are immutable once made (no user holds them to write into),
// so the most recent ones are shared, per backend: ops with plain-number
// operands are common.
const SCALAR_CACHE_SIZE = 256;
const scalarCaches = new WeakMap<Backend, Record<DType, Map<number, Tensor>>>();
// The last backend's caches, looked up once per switch rather than per constant.
let lastBackend: Backend | null = null;
let lastCaches: Record<DType, Map<number, Tensor>> | undefined;

/**
 * A shared 0-d tensor holding `value`, for a plain-number operand of an op
 * on `device` (the default device otherwise).
 *
 * @example
 * ```ts
 * constant(0.5, 'float32', x.device);
 * ```
 */
export function constant(value: number, dtype: DType, device?: string): Tensor {
  const be = device === undefined ? getBackend() : backendOf('constant', device);
  let caches = be === lastBackend ? lastCaches : scalarCaches.get(be);
  if (caches === undefined) {
    caches = { float32: new Map(), float64: new Map(), int32: new Map(), bool: new Map() };
    scalarCaches.set(be, caches);
  }
  lastBackend = be;
  lastCaches = caches;
  const cache = caches[dtype];
  let t = cache.get(value);
  if (t === undefined || Object.is(value, -0) || Number.isNaN(value)) {
    t = scalar(value, dtype, be.device);
    if (cache.size >= SCALAR_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(value, t);
  }
  return t;
}

/**
 * A 0-d tensor holding `value` on `device` (the default device otherwise).
 *
 * @example
 * ```ts
 * scalar(2, 'float64');
 * ```
 */
export function scalar(value: number, dtype: DType, device?: string): Tensor {
  const data = new ARRAY_TYPES[dtype](1);
  data[0] = dtype === 'bool' ? (value ? 1 : 0) : value;
  return fromArray(data, [], dtype, device);
}
