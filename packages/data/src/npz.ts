import { Tensor } from '@tapegrad/core';
import { NpyError } from './errors.js';
import { decodeNpy, encodeNpy, tensorOf, type DecodedNpy } from './npy.js';
import { crc32, readZip, writeZip, type ZipEntry } from './zip.js';

// A .npz file is a zip archive with one .npy file per array, named
// '<key>.npy' (np.savez writes stored entries, np.savez_compressed deflated ones).

const STORED = 0;
const DEFLATED = 8;

function keyOf(name: string): string {
  return name.endsWith('.npy') ? name.slice(0, -4) : name;
}

function checked(entry: ZipEntry, data: Uint8Array, where: string): Uint8Array {
  if (data.length !== entry.size) throw new NpyError(`${where}: entry '${entry.name}' holds ${data.length} bytes but the zip directory says ${entry.size}`);
  if (crc32(data) !== entry.crc) throw new NpyError(`${where}: entry '${entry.name}' fails its CRC-32 check (the file is corrupt)`);
  return data;
}

function unsupportedMethod(entry: ZipEntry, where: string): NpyError {
  return new NpyError(`${where}: entry '${entry.name}' uses zip compression method ${entry.method}; tapegrad reads stored (0) and deflated (8) entries`);
}

function toMap(decoded: readonly (readonly [string, DecodedNpy])[]): Map<string, Tensor> {
  // Every entry is decoded and checked before the first tensor is made.
  return new Map(decoded.map(([k, d]) => [k, tensorOf(d)]));
}

/**
 * Reads a NumPy `.npz` archive (as `np.savez` writes it: stored entries) into
 * a map from each array's name to a tensor, with the dtypes and checks of
 * {@link loadNpy}. A deflated entry (`np.savez_compressed`) throws an
 * {@link NpyError} naming it: read such files with {@link loadNpzAsync}.
 *
 * @example
 * ```ts
 * const arrays = loadNpz(bytes);
 * const x = arrays.get('x');
 * ```
 */
export function loadNpz(bytes: Uint8Array): Map<string, Tensor> {
  const where = 'loadNpz';
  const decoded = readZip(bytes, where).map((entry) => {
    if (entry.method === DEFLATED) throw new NpyError(`${where}: entry '${entry.name}' is deflated (np.savez_compressed); read it with await loadNpzAsync(bytes)`);
    if (entry.method !== STORED) throw unsupportedMethod(entry, where);
    return [keyOf(entry.name), decodeNpy(checked(entry, entry.data, where), `${where}: entry '${entry.name}'`)] as const;
  });
  return toMap(decoded);
}

async function inflateRaw(entry: ZipEntry, where: string): Promise<Uint8Array> {
  type Streams = { DecompressionStream?: new (format: string) => { readonly writable: unknown; readonly readable: unknown } };
  const g = globalThis as Streams & { Response?: new (body: unknown) => { arrayBuffer(): Promise<ArrayBuffer>; readonly body: { pipeThrough(t: unknown): unknown } } };
  let stream: { readonly writable: unknown; readonly readable: unknown };
  try {
    if (g.DecompressionStream === undefined || g.Response === undefined) throw new Error('no DecompressionStream');
    stream = new g.DecompressionStream('deflate-raw');
  } catch {
    throw new NpyError(`${where}: entry '${entry.name}' is deflated, and this environment has no DecompressionStream('deflate-raw') to inflate it; save it with np.savez (uncompressed) instead`);
  }
  try {
    const body = new g.Response(entry.data.slice()).body.pipeThrough(stream);
    return new Uint8Array(await new g.Response(body).arrayBuffer());
  } catch (e) {
    throw new NpyError(`${where}: entry '${entry.name}' is not valid deflate data (${(e as Error).message})`);
  }
}

/**
 * Reads a NumPy `.npz` archive, stored or deflated (`np.savez_compressed`),
 * into a map from each array's name to a tensor. Deflated entries are
 * inflated with `DecompressionStream('deflate-raw')` (browsers, Node 20+,
 * Deno, Bun); where it is missing, a deflated entry throws an
 * {@link NpyError} naming it.
 *
 * @example
 * ```ts
 * const arrays = await loadNpzAsync(bytes);
 * ```
 */
export async function loadNpzAsync(bytes: Uint8Array): Promise<Map<string, Tensor>> {
  const where = 'loadNpzAsync';
  const entries = readZip(bytes, where);
  const decoded: (readonly [string, DecodedNpy])[] = [];
  for (const entry of entries) {
    if (entry.method !== STORED && entry.method !== DEFLATED) throw unsupportedMethod(entry, where);
    const data = entry.method === STORED ? entry.data : await inflateRaw(entry, where);
    decoded.push([keyOf(entry.name), decodeNpy(checked(entry, data, where), `${where}: entry '${entry.name}'`)]);
  }
  return toMap(decoded);
}

/**
 * Writes tensors as a NumPy `.npz` archive of stored (uncompressed) entries,
 * one `<name>.npy` per tensor with its CRC-32, as `np.savez` does; `np.load`
 * reads it back as a dict-like of arrays.
 *
 * @example
 * ```ts
 * const bytes = saveNpz({ x: randn([10, 3]), y: tensor([1, 0, 1], { dtype: 'int32' }) });
 * ```
 */
export function saveNpz(tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>): Uint8Array {
  const where = 'saveNpz';
  if (typeof tensors !== 'object' || tensors === null || tensors instanceof Tensor) {
    throw new NpyError(`${where}: expected a Map or a record of named tensors, got ${tensors instanceof Tensor ? 'a tensor (pass { name: tensor })' : String(tensors)}`);
  }
  const pairs = tensors instanceof Map ? [...(tensors as ReadonlyMap<string, Tensor>)] : Object.entries(tensors);
  return writeZip(
    pairs.map(([name, t]) => {
      if (typeof name !== 'string' || name === '') throw new NpyError(`${where}: every name must be a non-empty string, got ${JSON.stringify(name)}`);
      if (!(t instanceof Tensor)) throw new NpyError(`${where}: '${name}' is not a tensor`);
      return { name: `${name}.npy`, data: encodeNpy(t, `${where}: '${name}'`) };
    }),
  );
}
