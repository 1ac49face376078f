import { DeviceError, canReadSync, tensor, type DType, type Tensor } from '@tapegrad/core';
import { SafetensorsError } from '../errors.js';
import type { LoadStateDictOptions, LoadStateDictResult, Module } from '../module.js';

/**
 * The dtypes safetensors names. tapegrad writes F32, F64, I32 and BOOL; it
 * reads those and also F16 and BF16 (as float32) and I64, U32, I16, U16, I8
 * and U8 (as int32, refusing values out of int32's range).
 *
 * @example
 * ```ts
 * const d: SafetensorsDType = 'F32';
 * ```
 */
export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'U32' | 'I16' | 'U16' | 'I8' | 'U8' | 'BOOL';

/**
 * What {@link loadSafetensors} returns: tensors by name, and the header's
 * `__metadata__` (string to string; empty if absent). Both are objects
 * without a prototype, so that any name in a file (`__proto__`,
 * `constructor`, `toString`…) is an ordinary key: read them with
 * `Object.hasOwn`, `Object.keys` or indexing, not `in`.
 *
 * @example
 * ```ts
 * const { tensors, metadata } = loadSafetensors(bytes);
 * ```
 */
export interface SafetensorsContents {
  readonly tensors: Record<string, Tensor>;
  readonly metadata: Record<string, string>;
}

const WRITE: Record<DType, SafetensorsDType> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

/** Bytes per element and the tapegrad dtype each readable safetensors dtype becomes. */
const READ: Record<SafetensorsDType, { readonly size: number; readonly dtype: DType }> = {
  F64: { size: 8, dtype: 'float64' },
  F32: { size: 4, dtype: 'float32' },
  F16: { size: 2, dtype: 'float32' },
  BF16: { size: 2, dtype: 'float32' },
  I64: { size: 8, dtype: 'int32' },
  I32: { size: 4, dtype: 'int32' },
  U32: { size: 4, dtype: 'int32' },
  I16: { size: 2, dtype: 'int32' },
  U16: { size: 2, dtype: 'int32' },
  I8: { size: 1, dtype: 'int32' },
  U8: { size: 1, dtype: 'int32' },
  BOOL: { size: 1, dtype: 'bool' },
};

/** The header may not exceed this many bytes (as the reference implementation). */
const MAX_HEADER = 100_000_000;

interface Utf8 {
  encode(s: string): Uint8Array;
  decode(b: Uint8Array): string;
}

// TextEncoder/TextDecoder exist in browsers, Node, Deno and Bun; the ES2022
// lib this package compiles against does not declare them, hence the local type.
function utf8(): Utf8 {
  const g = globalThis as unknown as {
    TextEncoder?: new () => { encode(s: string): Uint8Array };
    TextDecoder?: new (label: string, options: { fatal: boolean }) => { decode(b: Uint8Array): string };
  };
  if (g.TextEncoder === undefined || g.TextDecoder === undefined) throw new SafetensorsError('safetensors: TextEncoder/TextDecoder are not available in this environment');
  const enc = new g.TextEncoder();
  const dec = new g.TextDecoder('utf-8', { fatal: true });
  return { encode: (s) => enc.encode(s), decode: (b) => dec.decode(b) };
}

const fmt = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

// NOTE: names come from files and from users: '__proto__', 'constructor' or
// 'toString' are ordinary tensor names there. Everything keyed by them is a
// prototype-less object (a `{}` would turn `o['__proto__'] = t` into a
// prototype change, and `'toString' in o` into true), looked up with hasOwn.
const dictionary = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/**
 * Serialises tensors (and optional string metadata) in the safetensors format:
 * an 8-byte little-endian header length N, N bytes of JSON header (padded with
 * spaces so that the data starts 8-byte aligned), then each tensor's
 * little-endian bytes, contiguous, in the order given. Browser-safe; in Node
 * write the result with `fs.writeFileSync('model.safetensors', bytes)`.
 *
 * @example
 * ```ts
 * const bytes = saveSafetensors({ weight: randn([2, 3]) }, { format: 'pt' });
 * ```
 */
export function saveSafetensors(tensors: Readonly<Record<string, Tensor>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  const header = dictionary<unknown>();
  if (metadata !== undefined) {
    const meta = dictionary<string>();
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`saveSafetensors: metadata value of '${k}' must be a string, got ${typeof v}`);
      meta[k] = v;
    }
    header['__metadata__'] = meta;
  }
  const entries = Object.entries(tensors);
  let offset = 0;
  const datas: { readonly t: Tensor; readonly begin: number }[] = [];
  for (const [name, t] of entries) {
    if (name === '' || name === '__metadata__') throw new SafetensorsError(`saveSafetensors: '${name}' cannot be a tensor name`);
    if (!canReadSync(t)) {
      throw new DeviceError(`saveSafetensors: tensor '${name}' (shape [${t.shape.join(', ')}]) is on '${t.device}', which can only be read asynchronously; bring it to the CPU first (await model.toAsync('cpu') for a model, await t.toAsync('cpu') for a tensor)`);
    }
    const dtype = WRITE[t.dtype];
    const bytes = t.numel * READ[dtype].size;
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    datas.push({ t, begin: offset });
    offset += bytes;
  }
  const json = utf8().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded, true);
  view.setUint32(4, Math.floor(padded / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  const start = 8 + padded;
  for (const { t, begin } of datas) writeData(view, start + begin, t);
  return out;
}

function writeData(view: DataView, at: number, t: Tensor): void {
  const data = t.data;
  switch (t.dtype) {
    case 'float32':
      for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i]!, true);
      break;
    case 'float64':
      for (let i = 0; i < data.length; i++) view.setFloat64(at + 8 * i, data[i]!, true);
      break;
    case 'int32':
      for (let i = 0; i < data.length; i++) view.setInt32(at + 4 * i, data[i]!, true);
      break;
    case 'bool':
      for (let i = 0; i < data.length; i++) view.setUint8(at + i, data[i]! ? 1 : 0);
      break;
  }
}

interface Entry {
  readonly name: string;
  readonly dtype: SafetensorsDType;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function parseEntry(name: string, v: unknown, dataLength: number): Entry {
  const where = `loadSafetensors: tensor '${name}'`;
  if (!isObject(v)) throw new SafetensorsError(`${where}: header entry must be an object with dtype, shape and data_offsets`);
  const dtype = v['dtype'];
  if (typeof dtype !== 'string' || !Object.hasOwn(READ, dtype)) {
    throw new SafetensorsError(`${where}: unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(READ).join(', ')})`);
  }
  const shape = v['shape'];
  if (!Array.isArray(shape) || !shape.every(isIndex)) throw new SafetensorsError(`${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  const offsets = v['data_offsets'];
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
    throw new SafetensorsError(`${where}: data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLength) {
    throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] fall outside the ${dataLength} data bytes (the file may be truncated)`);
  }
  const d = dtype as SafetensorsDType;
  const numel = (shape as number[]).reduce((a, b) => a * b, 1);
  if (numel * READ[d].size !== end - begin) {
    throw new SafetensorsError(`${where}: shape ${fmt(shape as number[])} of ${d} needs ${numel * READ[d].size} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, dtype: d, shape: shape as number[], begin, end };
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function readData(view: DataView, at: number, e: Entry): Tensor {
  const { size, dtype } = READ[e.dtype];
  const n = (e.end - e.begin) / size;
  const p = at + e.begin;
  const int32 = (v: number | bigint, i: number): number => {
    if (v < -2147483648 || v > 2147483647) {
      throw new SafetensorsError(`loadSafetensors: tensor '${e.name}' (${e.dtype}) holds ${String(v)} at element ${i}, outside the int32 range tapegrad stores integers in`);
    }
    return Number(v);
  };
  let out: Float32Array | Float64Array | Int32Array | Uint8Array;
  switch (e.dtype) {
    case 'F64':
      out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(p + 8 * i, true);
      break;
    case 'F32':
      out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(p + 4 * i, true);
      break;
    case 'F16':
      out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(p + 2 * i, true));
      break;
    case 'BF16': {
      out = new Float32Array(n);
      const scratch = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < n; i++) {
        scratch.setUint32(0, view.getUint16(p + 2 * i, true) << 16, true);
        out[i] = scratch.getFloat32(0, true);
      }
      break;
    }
    case 'I64':
      out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = int32(view.getBigInt64(p + 8 * i, true), i);
      break;
    case 'I32':
      out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(p + 4 * i, true);
      break;
    case 'U32':
      out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = int32(view.getUint32(p + 4 * i, true), i);
      break;
    case 'I16':
      out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(p + 2 * i, true);
      break;
    case 'U16':
      out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint16(p + 2 * i, true);
      break;
    case 'I8':
      out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt8(p + i);
      break;
    case 'U8':
      out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint8(p + i);
      break;
    case 'BOOL':
      out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getUint8(p + i) === 0 ? 0 : 1;
      break;
  }
  return tensor(out, { dtype, shape: e.shape });
}

/**
 * Parses safetensors bytes. Everything is checked before any tensor is made:
 * the header length, UTF-8 and JSON of the header, each entry's dtype, shape
 * and offsets (in range, matching the shape's byte size, contiguous from 0
 * without overlaps or holes, covering all the data); any fault is a
 * {@link SafetensorsError} naming it.
 *
 * @example
 * ```ts
 * const { tensors } = loadSafetensors(new Uint8Array(fs.readFileSync('model.safetensors')));
 * ```
 */
export function loadSafetensors(bytes: Uint8Array): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) throw new SafetensorsError('loadSafetensors: expected a Uint8Array');
  if (bytes.length < 8) throw new SafetensorsError(`loadSafetensors: ${bytes.length} bytes is too short for the 8-byte header length (truncated file?)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const n = hi * 2 ** 32 + lo;
  if (n > MAX_HEADER || n > bytes.length - 8) {
    throw new SafetensorsError(`loadSafetensors: header length ${n} exceeds the ${bytes.length - 8} bytes that follow it${n > MAX_HEADER ? ` (and the ${MAX_HEADER}-byte limit)` : ''}`);
  }
  if (n < 2) throw new SafetensorsError(`loadSafetensors: header length ${n} is too small for a JSON object`);
  let text: string;
  try {
    text = utf8().decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new SafetensorsError('loadSafetensors: the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new SafetensorsError(`loadSafetensors: the header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 16))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(`loadSafetensors: the header is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isObject(header)) throw new SafetensorsError('loadSafetensors: the header must be a JSON object');
  const dataLength = bytes.length - 8 - n;
  const metadata = dictionary<string>();
  const entries: Entry[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObject(v)) throw new SafetensorsError('loadSafetensors: __metadata__ must be an object of strings');
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') throw new SafetensorsError(`loadSafetensors: __metadata__ value of '${k}' must be a string, got ${JSON.stringify(s)}`);
        metadata[k] = s;
      }
    } else entries.push(parseEntry(name, v, dataLength));
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const e of sorted) {
    if (e.begin < expected) throw new SafetensorsError(`loadSafetensors: tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] overlap the previous tensor's bytes (which end at ${expected})`);
    if (e.begin > expected) throw new SafetensorsError(`loadSafetensors: bytes ${expected}..${e.begin} before tensor '${e.name}' belong to no tensor (offsets must be contiguous)`);
    expected = e.end;
  }
  if (expected !== dataLength) {
    throw new SafetensorsError(`loadSafetensors: the tensors cover ${expected} data bytes but ${dataLength} follow the header (trailing bytes or a corrupt header)`);
  }
  const tensors = dictionary<Tensor>();
  for (const e of entries) tensors[e.name] = readData(view, 8 + n, e);
  return { tensors, metadata };
}

/**
 * A module's state dict (parameters and persistent buffers) as safetensors bytes.
 *
 * @example
 * ```ts
 * const bytes = saveModule(model, { epoch: '10' });
 * ```
 */
export function saveModule(model: Module, metadata?: Readonly<Record<string, string>>): Uint8Array {
  return saveSafetensors(model.stateDict(), metadata);
}

/**
 * Loads safetensors bytes into a module's parameters and buffers. The file is
 * fully validated and matched against the model (names, shapes; `strict` by
 * default) before anything is copied, so a bad file never leaves a partially
 * loaded model. Returns the unmatched names and the file's metadata.
 *
 * @example
 * ```ts
 * loadModule(model, new Uint8Array(await (await fetch('model.safetensors')).arrayBuffer()));
 * ```
 */
export function loadModule(model: Module, bytes: Uint8Array, options: LoadStateDictOptions = {}): LoadStateDictResult & { readonly metadata: Record<string, string> } {
  const { tensors, metadata } = loadSafetensors(bytes);
  return { ...model.loadStateDict(tensors, options), metadata };
}
