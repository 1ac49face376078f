import { Tensor, fmtShape, tensor, type DType, type Shape } from '@tapegrad/core';
import { NpyError } from './errors.js';
import { parsePythonLiteral, type PyValue } from './python-literal.js';

// The .npy format (numpy/lib/format.py): the magic "\x93NUMPY", a major and a
// minor version byte, the header length (uint16 LE in 1.0, uint32 LE in 2.0
// and 3.0), a header that is the repr() of a dict {'descr', 'fortran_order',
// 'shape'} (latin-1, or UTF-8 in 3.0) padded with spaces and a newline, then
// the array's bytes.

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** How the elements of one .npy type are read, and the tapegrad dtype they become. */
interface NpyType {
  readonly size: number;
  readonly dtype: DType;
  /** Reads element `i`; `le` says whether the file is little-endian. */
  readonly read: (view: DataView, at: number, le: boolean) => number | bigint;
  /** Integers read into int32 only when they fit (int64, uint32, uint64). */
  readonly checked?: boolean;
}

const NPY_TYPES: { readonly [kindSize: string]: NpyType } = {
  f4: { size: 4, dtype: 'float32', read: (v, at, le) => v.getFloat32(at, le) },
  f8: { size: 8, dtype: 'float64', read: (v, at, le) => v.getFloat64(at, le) },
  i4: { size: 4, dtype: 'int32', read: (v, at, le) => v.getInt32(at, le) },
  b1: { size: 1, dtype: 'bool', read: (v, at) => v.getUint8(at) },
  // Narrower integers widen exactly into int32.
  i1: { size: 1, dtype: 'int32', read: (v, at) => v.getInt8(at) },
  u1: { size: 1, dtype: 'int32', read: (v, at) => v.getUint8(at) },
  i2: { size: 2, dtype: 'int32', read: (v, at, le) => v.getInt16(at, le) },
  u2: { size: 2, dtype: 'int32', read: (v, at, le) => v.getUint16(at, le) },
  // Wider integers (int64 is NumPy's default) load when every value fits int32.
  i8: { size: 8, dtype: 'int32', read: (v, at, le) => v.getBigInt64(at, le), checked: true },
  u4: { size: 4, dtype: 'int32', read: (v, at, le) => v.getUint32(at, le), checked: true },
  u8: { size: 8, dtype: 'int32', read: (v, at, le) => v.getBigUint64(at, le), checked: true },
};

const SUPPORTED = "'<f4', '<f8', '<i4', '|b1' (and their big-endian forms), and '|u1', '|i1', '<i2', '<u2', read as int32, and '<i8', '<u4', '<u8', read as int32 when every value fits";

const DESCR_OF: { readonly [d in DType]: string } = { float32: '<f4', float64: '<f8', int32: '<i4', bool: '|b1' };

/** A decoded array, checked throughout, before any tensor is made. */
export interface DecodedNpy {
  readonly dtype: DType;
  readonly shape: Shape;
  readonly fortranOrder: boolean;
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

function utf8(bytes: Uint8Array, where: string): string {
  const g = globalThis as { TextDecoder?: new (label: string, options: { fatal: boolean }) => { decode(b: Uint8Array): string } };
  // Without a TextDecoder, an ASCII header (every header NumPy writes for these dtypes) reads the same as latin-1.
  if (g.TextDecoder === undefined) return latin1(bytes);
  try {
    return new g.TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new NpyError(`${where}: the version 3.0 header is not valid UTF-8`);
  }
}

const hostIsLittleEndian = (): boolean => new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function field(header: { [key: string]: PyValue }, key: string, where: string): PyValue {
  if (!Object.hasOwn(header, key)) throw new NpyError(`${where}: the header has no '${key}' key (it has ${Object.keys(header).join(', ') || 'none'})`);
  return header[key]!;
}

/** Parses and checks .npy bytes; `where` names the function (and the npz entry) in errors. */
export function decodeNpy(bytes: Uint8Array, where: string): DecodedNpy {
  if (!(bytes instanceof Uint8Array)) throw new NpyError(`${where}: expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyError(`${where}: not a .npy file (it does not start with the magic string \\x93NUMPY)`);
  }
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (![1, 2, 3].includes(major) || minor !== 0) throw new NpyError(`${where}: unsupported .npy format version ${major}.${minor} (tapegrad reads 1.0, 2.0 and 3.0)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) throw new NpyError(`${where}: truncated: ${bytes.length} bytes end inside the header length`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = prefix + headerLength;
  if (bytes.length < dataStart) throw new NpyError(`${where}: truncated: the header claims ${headerLength} bytes but only ${bytes.length - prefix} follow`);
  const raw = bytes.subarray(prefix, dataStart);
  const text = major === 3 ? utf8(raw, where) : latin1(raw);
  let header: PyValue;
  try {
    header = parsePythonLiteral(text);
  } catch (e) {
    throw new NpyError(`${where}: the header is not a Python literal (${(e as Error).message}): ${JSON.stringify(text.trim().slice(0, 120))}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new NpyError(`${where}: the header is not a dict: ${JSON.stringify(text.trim().slice(0, 120))}`);
  }
  const descr = field(header, 'descr', where);
  const fortranOrder = field(header, 'fortran_order', where);
  const shapeValue = field(header, 'shape', where);
  if (typeof descr !== 'string') throw new NpyError(`${where}: structured dtypes (descr ${JSON.stringify(descr)}) are not supported; tapegrad reads ${SUPPORTED}`);
  if (typeof fortranOrder !== 'boolean') throw new NpyError(`${where}: 'fortran_order' must be True or False, got ${JSON.stringify(fortranOrder)}`);
  if (!Array.isArray(shapeValue) || !shapeValue.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) {
    throw new NpyError(`${where}: 'shape' must be a tuple of integers >= 0, got ${JSON.stringify(shapeValue)}`);
  }
  const shape = shapeValue as number[];
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const type = m === null ? undefined : NPY_TYPES[`${m[2]}${m[3]}`];
  if (m === null || type === undefined) throw new NpyError(`${where}: dtype '${descr}' is not supported; tapegrad reads ${SUPPORTED}`);
  const littleEndian = m[1] !== '>';
  const numel = shape.reduce((a, b) => a * b, 1);
  const expected = numel * type.size;
  const available = bytes.length - dataStart;
  if (available < expected) throw new NpyError(`${where}: truncated: shape ${fmtShape(shape)} of '${descr}' needs ${expected} data bytes but ${available} follow the header`);
  if (available > expected) throw new NpyError(`${where}: shape ${fmtShape(shape)} of '${descr}' needs ${expected} data bytes but ${available} follow the header (shape and size do not match)`);
  return { dtype: type.dtype, shape, fortranOrder, data: readData(bytes, dataStart, numel, type, littleEndian, descr, where) };
}

function readData(bytes: Uint8Array, start: number, numel: number, type: NpyType, le: boolean, descr: string, where: string): DecodedNpy['data'] {
  const dtype = type.dtype;
  const Out = dtype === 'float32' ? Float32Array : dtype === 'float64' ? Float64Array : dtype === 'int32' ? Int32Array : Uint8Array;
  const native = (type.size === 1 || le === hostIsLittleEndian()) && !type.checked && (dtype === 'bool' ? type.size === 1 : Out.BYTES_PER_ELEMENT === type.size);
  if (native) {
    // The file's bytes are already this dtype's layout: one copy (which also aligns them).
    return new Out(bytes.slice(start, start + numel * type.size).buffer);
  }
  const out = new Out(numel);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, numel * type.size);
  for (let i = 0; i < numel; i++) {
    const v = type.read(view, i * type.size, le);
    if (type.checked) {
      const n = Number(v);
      if (n < -(2 ** 31) || n > 2 ** 31 - 1) {
        throw new NpyError(`${where}: element ${i} (${String(v)}) of dtype '${descr}' does not fit int32, the integer dtype tapegrad has; convert it in NumPy first (for example a.astype(np.float64))`);
      }
      out[i] = n;
    } else {
      out[i] = v as number;
    }
  }
  return out;
}

/** A tensor of the decoded values, in C order. */
export function tensorOf(d: DecodedNpy): Tensor {
  if (!d.fortranOrder || d.shape.length < 2) return tensor(d.data, { dtype: d.dtype, shape: d.shape });
  // Fortran order is C order of the reversed shape; reversing the axes again gives the array.
  const reversed = [...d.shape].reverse();
  return tensor(d.data, { dtype: d.dtype, shape: reversed })
    .permute(reversed.map((_, i) => reversed.length - 1 - i))
    .contiguous();
}

/**
 * Reads a NumPy `.npy` file's bytes into a tensor. Format versions 1.0, 2.0
 * and 3.0, little- and big-endian, C and Fortran order. `<f4`, `<f8`, `<i4`
 * and `|b1` load as float32, float64, int32 and bool; `|u1`, `|i1`, `<i2` and
 * `<u2` load as int32 (exactly: tapegrad has no narrower integer dtype), and
 * `<i8`, `<u4` and `<u8` (NumPy's default integers) as int32 when every value
 * fits. Any other dtype (complex, float16, strings, objects, structured…) and
 * malformed bytes throw an {@link NpyError}.
 *
 * @example
 * ```ts
 * const x = loadNpy(new Uint8Array(await (await fetch('x.npy')).arrayBuffer()));
 * ```
 */
export function loadNpy(bytes: Uint8Array): Tensor {
  return tensorOf(decodeNpy(bytes, 'loadNpy'));
}

/**
 * Writes a tensor as `.npy` bytes (format 1.0, or 2.0 for a header over 64 KiB),
 * little-endian and C order: float32, float64, int32 and bool become `<f4`,
 * `<f8`, `<i4` and `|b1`. The tensor is read synchronously (a CPU tensor).
 *
 * @example
 * ```ts
 * const bytes = saveNpy(tensor([[1, 2], [3, 4]])); // np.load reads a float32 array
 * ```
 */
export function saveNpy(t: Tensor): Uint8Array {
  return encodeNpy(t, 'saveNpy');
}

/** `saveNpy`, naming `where` in errors. */
export function encodeNpy(t: Tensor, where: string): Uint8Array {
  if (!(t instanceof Tensor)) throw new NpyError(`${where}: expected a tensor, got ${t === null ? 'null' : typeof t}`);
  const descr = DESCR_OF[t.dtype];
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // NumPy pads the header with spaces and a newline so that the data starts 64-byte aligned.
  const major = header.length + 1 + 10 > 0xffff ? 2 : 1;
  const prefix = major === 1 ? 10 : 12;
  const total = Math.ceil((prefix + header.length + 1) / 64) * 64;
  header = `${header.padEnd(total - prefix - 1, ' ')}\n`;
  const data = t.data;
  const itemSize = t.dtype === 'bool' ? 1 : data.BYTES_PER_ELEMENT;
  const out = new Uint8Array(total + data.length * itemSize);
  out.set(MAGIC);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  if (hostIsLittleEndian() || itemSize === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.length * itemSize), total);
  } else {
    for (let i = 0; i < data.length; i++) {
      const at = total + i * itemSize;
      if (t.dtype === 'float32') view.setFloat32(at, data[i]!, true);
      else if (t.dtype === 'float64') view.setFloat64(at, data[i]!, true);
      else view.setInt32(at, data[i]!, true);
    }
  }
  return out;
}
