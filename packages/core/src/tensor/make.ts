import { getBackend } from '../backend/active-backend.js';
import type { Backend, View } from '../backend/backend.js';
import { ARRAY_TYPES, dtypeOfArray, type DType, type TypedArray } from '../dtype.js';
import { DeviceError } from '../errors.js';
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
 * A contiguous tensor holding `data` on the active backend. The array is
 * handed over to the backend: the caller must not use it afterwards.
 *
 * @example
 * ```ts
 * fromArray(new Float32Array([1, 2]), [2]);
 * ```
 */
export function fromArray(data: TypedArray, shape: Shape, dtype: DType = dtypeOfArray(data)): Tensor {
  const be = getBackend();
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
 * The backend that runs `op` on `operands`: the active one, whose device
 * every operand must be on (backends of one device share buffers).
 *
 * @example
 * ```ts
 * const be = backendFor('add', [a, b]);
 * ```
 */
export function backendFor(op: string, operands: readonly Tensor[]): Backend {
  const be = getBackend();
  for (const t of operands) {
    const device = t.storage.backend.device;
    if (device !== be.device) {
      throw new DeviceError(`${op}: a tensor of shape [${t.shape.join(', ')}] is on device '${device}', but the active backend '${be.name}' runs on '${be.device}'; move it with .to() or switch backends`);
    }
  }
  return be;
}

// 0-d constants are immutable once made (no user holds them to write into),
// so the most recent ones are shared, per backend: ops with plain-number
// operands are common.
const SCALAR_CACHE_SIZE = 256;
const scalarCaches = new WeakMap<Backend, Record<DType, Map<number, Tensor>>>();
// The active backend's caches, looked up once per switch rather than per constant.
let lastBackend: Backend | null = null;
let lastCaches: Record<DType, Map<number, Tensor>> | undefined;

/**
 * A shared 0-d tensor on the active backend holding `value`, for a plain-number operand.
 *
 * @example
 * ```ts
 * constant(0.5, 'float32');
 * ```
 */
export function constant(value: number, dtype: DType): Tensor {
  const be = getBackend();
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
    t = scalar(value, dtype);
    if (cache.size >= SCALAR_CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(value, t);
  }
  return t;
}

/**
 * A 0-d tensor on the active backend holding `value`.
 *
 * @example
 * ```ts
 * scalar(2, 'float64');
 * ```
 */
export function scalar(value: number, dtype: DType): Tensor {
  const data = new ARRAY_TYPES[dtype](1);
  data[0] = dtype === 'bool' ? (value ? 1 : 0) : value;
  return fromArray(data, [], dtype);
}
