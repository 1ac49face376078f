import { backendOf, isDeviceName } from '../backend/active-backend.js';
import type { Backend } from '../backend/backend.js';
import { DTYPES, type DType } from '../dtype.js';
import { DTypeError, DeviceError, TapegradError, fmtShape } from '../errors.js';
import { enableGrad, isGradEnabled } from '../autograd/grad-mode.js';
import { record } from '../autograd/record.js';
import { refuseBatchedRead } from '../primitives/batching.js';
import { fromArray } from '../tensor/make.js';
import type { Tensor } from '../tensor/tensor.js';
import { canReadSync, cast, copyData, copyDataAsync } from './elementwise.js';

/**
 * What `to` and `toAsync` were asked for: a device, a dtype, or both.
 *
 * @example
 * ```ts
 * const target: MoveTarget = { device: 'webgpu', dtype: 'float32' };
 * ```
 */
export interface MoveTarget {
  readonly device?: string;
  readonly dtype?: DType;
}

const listed = (xs: readonly string[]): string => xs.map((x) => `'${x}'`).join(', ');

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? 'an array' : `an object { ${Object.keys(v).join(', ')} }`;
  return String(v);
}

/**
 * Reads `to(dtype)`, `to(device)` and `to(device, dtype)` (and the same for
 * `toAsync`), checking at run time what the types promise.
 *
 * @example
 * ```ts
 * moveTarget('to', 'webgpu', 'float32'); // { device: 'webgpu', dtype: 'float32' }
 * ```
 */
export function moveTarget(op: string, first: unknown, second: unknown): MoveTarget {
  if ((DTYPES as readonly unknown[]).includes(first)) {
    if (second !== undefined) throw new TapegradError(`${op}: after a dtype (${show(first)}) nothing more is taken, got ${show(second)}; to change the device too, call ${op}(device, dtype)`);
    return { dtype: first as DType };
  }
  if (typeof first === 'string' && isDeviceName(first)) {
    if (second !== undefined && !(DTYPES as readonly unknown[]).includes(second)) {
      throw new DTypeError(`${op}: unknown dtype ${show(second)} after the device '${first}'; expected one of ${listed(DTYPES)}`);
    }
    return second === undefined ? { device: first } : { device: first, dtype: second as DType };
  }
  throw new DTypeError(`${op}: ${show(first)} is neither a dtype (${listed(DTYPES)}) nor a device ('cpu', 'webgpu')`);
}

const where = (x: Tensor): string => `a tensor of shape ${fmtShape(x.shape)} (${x.dtype})`;

/**
 * Refuses a move whose gradient could not come back: backward runs
 * synchronously, and the gradient of a move from `x`'s device to `dst`'s is
 * a move back, which reads `dst` (a GPU can be read only asynchronously).
 */
function checkGradientReturns(op: string, x: Tensor, dst: Backend): boolean {
  const records = isGradEnabled() && x.requiresGrad;
  if (records && dst.readsSync === false) {
    throw new DeviceError(
      `${op}: ${where(x)} on '${x.device}' requires grad, and its gradient would have to come back from '${dst.device}' in backward, ` +
        `which needs a synchronous read of '${dst.device}' that it cannot do. Move the leaf itself and compute there: ` +
        `model.to('${dst.device}') for a model's parameters, x.detach().to('${dst.device}').requiresGrad_() for a tensor you optimise, ` +
        `or move it under noGrad() where no gradient is needed`,
    );
  }
  return records;
}

/** `x`'s elements uploaded to `dst`, a new leaf; with the move back as its gradient when `records`. */
function landed(x: Tensor, data: Parameters<typeof fromArray>[0], dst: Backend, records: boolean): Tensor {
  const out = fromArray(data, x.shape.slice(), x.dtype, dst.device);
  // The gradient of a move is the move back (an upload, since the source was read).
  const from = x.device;
  if (records) enableGrad(() => record('to', (g) => [moveTo(g, from)], undefined, [x], out));
  return out;
}

/**
 * `x` on `device`: itself when it is there already (as PyTorch), else a copy
 * made synchronously, recorded so that gradients flow back. A device read
 * only asynchronously (a GPU) cannot be the source: that throws a
 * `DeviceError` naming `toAsync`.
 *
 * @example
 * ```ts
 * moveTo(x, 'webgpu');
 * ```
 */
export function moveTo(x: Tensor, device: string, op = 'to'): Tensor {
  if (x.device === device) return x;
  // A move reads the elements, which differ between the examples vmap maps over.
  refuseBatchedRead(op, x);
  const dst = backendOf(op, device);
  if (!canReadSync(x)) {
    throw new DeviceError(`${op}: moving ${where(x)} from '${x.device}' to '${device}' reads '${x.device}', which can only be read asynchronously; use await x.toAsync('${device}')`);
  }
  const records = checkGradientReturns(op, x, dst);
  return landed(x, copyData(x, x.dtype), dst, records);
}

/**
 * `x` on `device`, on every device: a GPU's elements are read
 * asynchronously. Recorded as {@link moveTo} is (whether to record is
 * decided at the call).
 *
 * @example
 * ```ts
 * const onCpu = await moveToAsync(x, 'cpu');
 * ```
 */
export async function moveToAsync(x: Tensor, device: string, op = 'toAsync'): Promise<Tensor> {
  refuseBatchedRead(op, x);
  if (x.device === device) return x;
  const dst = backendOf(op, device);
  const records = checkGradientReturns(op, x, dst);
  // The copy is queued now: the result holds x's values at the call.
  return landed(x, await copyDataAsync(x, x.dtype), dst, records);
}

/**
 * `to(device?, dtype?)`: the dtype is converted on the CPU side of a move
 * (before leaving it, or after arriving), where every dtype lives.
 *
 * @example
 * ```ts
 * to(x, { device: 'webgpu', dtype: 'float32' });
 * ```
 */
export function to(x: Tensor, target: MoveTarget, op = 'to'): Tensor {
  const { device, dtype } = target;
  if (device === undefined || device === x.device) return dtype === undefined ? x : cast(x, dtype);
  if (dtype === undefined) return moveTo(x, device, op);
  return canReadSync(x) ? moveTo(cast(x, dtype), device, op) : cast(moveTo(x, device, op), dtype);
}

/**
 * The asynchronous `to`, for every direction (see {@link to}).
 *
 * @example
 * ```ts
 * await toAsync(x, { device: 'cpu' });
 * ```
 */
export async function toAsync(x: Tensor, target: MoveTarget): Promise<Tensor> {
  const { device, dtype } = target;
  if (device === undefined || device === x.device) return dtype === undefined ? x : cast(x, dtype);
  if (dtype === undefined) return moveToAsync(x, device);
  return canReadSync(x) ? moveToAsync(cast(x, dtype), device) : cast(await moveToAsync(x, device), dtype);
}
