import { NpyError } from './errors.js';

// The small part of the zip format (APPNOTE.TXT) that .npz files use: local
// file headers, a central directory and its end record, stored (0) or
// deflated (8) entries, and the zip64 extra field NumPy writes.

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE, reflected, as zip uses) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One entry of a zip archive, its data still as stored. */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly crc: number;
  readonly size: number;
  readonly data: Uint8Array;
}

function textDecoder(): { decode(b: Uint8Array): string } | undefined {
  const g = globalThis as { TextDecoder?: new (label: string) => { decode(b: Uint8Array): string } };
  return g.TextDecoder === undefined ? undefined : new g.TextDecoder('utf-8');
}

function encodeName(name: string): Uint8Array {
  const g = globalThis as { TextEncoder?: new () => { encode(s: string): Uint8Array } };
  if (g.TextEncoder !== undefined) return new g.TextEncoder().encode(name);
  if (!/^[\x20-\x7e]*$/.test(name)) throw new NpyError(`saveNpz: the name '${name}' is not ASCII and this environment has no TextEncoder`);
  return Uint8Array.from(name, (c) => c.charCodeAt(0));
}

/** The entries of a zip archive; every record is checked against the bytes before any is returned. */
export function readZip(bytes: Uint8Array, where: string): ZipEntry[] {
  if (!(bytes instanceof Uint8Array)) throw new NpyError(`${where}: expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u16 = (at: number): number => view.getUint16(at, true);
  const inside = (at: number, length: number): boolean => at >= 0 && length >= 0 && at + length <= bytes.length;
  // The end-of-central-directory record: 22 bytes and a comment of up to 65535.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (u32(at) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) {
    const npy = bytes.length >= 6 && bytes[0] === 0x93 && bytes[1] === 0x4e;
    throw new NpyError(`${where}: not a .npz file (no zip end-of-central-directory record${npy ? '; these bytes look like a .npy file: use loadNpy' : ', the file may be truncated'})`);
  }
  let count = u16(eocd + 10);
  let dirSize = u32(eocd + 12);
  let dirStart = u32(eocd + 16);
  if (count === 0xffff || dirStart === 0xffffffff || dirSize === 0xffffffff) {
    // Zip64: the locator just before the end record points at the zip64 end record.
    const locator = eocd - 20;
    if (locator < 0 || u32(locator) !== 0x07064b50) throw new NpyError(`${where}: corrupt zip: zip64 sizes without a zip64 locator`);
    const end64 = Number(view.getBigUint64(locator + 8, true));
    if (!inside(end64, 56) || u32(end64) !== 0x06064b50) throw new NpyError(`${where}: corrupt zip: bad zip64 end record`);
    count = Number(view.getBigUint64(end64 + 32, true));
    dirSize = Number(view.getBigUint64(end64 + 40, true));
    dirStart = Number(view.getBigUint64(end64 + 48, true));
  }
  if (!inside(dirStart, dirSize)) throw new NpyError(`${where}: truncated or corrupt zip: the central directory (${dirSize} bytes at ${dirStart}) lies outside the ${bytes.length} bytes`);
  const decoder = textDecoder();
  const entries: ZipEntry[] = [];
  let at = dirStart;
  for (let e = 0; e < count; e++) {
    if (!inside(at, 46) || u32(at) !== 0x02014b50) throw new NpyError(`${where}: corrupt zip: central directory record ${e} is missing or damaged`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    let compressed = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let local = u32(at + 42);
    if (!inside(at + 46, nameLength + extraLength + commentLength)) throw new NpyError(`${where}: corrupt zip: central directory record ${e} runs past the end`);
    const rawName = bytes.subarray(at + 46, at + 46 + nameLength);
    const name = flags & 0x800 && decoder !== undefined ? decoder.decode(rawName) : String.fromCharCode(...rawName);
    // Zip64 extra field (id 1): the 64-bit values of whichever fields are 0xffffffff, in this order.
    for (let x = at + 46 + nameLength; x + 4 <= at + 46 + nameLength + extraLength; ) {
      const id = u16(x);
      const len = u16(x + 2);
      if (id === 1) {
        let p = x + 4;
        const next = (): number => {
          const v = Number(view.getBigUint64(p, true));
          p += 8;
          return v;
        };
        if (size === 0xffffffff) size = next();
        if (compressed === 0xffffffff) compressed = next();
        if (local === 0xffffffff) local = next();
      }
      x += 4 + len;
    }
    if (!inside(local, 30) || u32(local) !== 0x04034b50) throw new NpyError(`${where}: corrupt zip: the local header of '${name}' is missing or damaged`);
    const dataStart = local + 30 + u16(local + 26) + u16(local + 28);
    if (!inside(dataStart, compressed)) throw new NpyError(`${where}: truncated zip: the data of '${name}' (${compressed} bytes) runs past the end of the ${bytes.length} bytes`);
    if (flags & 1) throw new NpyError(`${where}: entry '${name}' is encrypted`);
    entries.push({ name, method, crc, size, data: bytes.subarray(dataStart, dataStart + compressed) });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** A zip archive of stored (uncompressed) entries, with their CRC-32s. */
export function writeZip(files: readonly { readonly name: string; readonly data: Uint8Array }[]): Uint8Array {
  const names = files.map((f) => encodeName(f.name));
  const crcs = files.map((f) => crc32(f.data));
  const localSize = files.reduce((s, f, i) => s + 30 + names[i]!.length + f.data.length, 0);
  const dirSize = names.reduce((s, n) => s + 46 + n.length, 0);
  if (localSize + dirSize > 0xfffffffe || files.length > 0xfffe) throw new NpyError('saveNpz: the archive would exceed 4 GiB or 65534 entries, which needs zip64 (not written by tapegrad)');
  const out = new Uint8Array(localSize + dirSize + 22);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  let at = 0;
  // DOS date and time of 1980-01-01 00:00, so that the same tensors give the same bytes.
  const dosDate = (0 << 9) | (1 << 5) | 1;
  const common = (p: number, i: number): void => {
    view.setUint16(p, 20, true); // version needed: 2.0
    view.setUint16(p + 2, 0x800, true); // names are UTF-8
    view.setUint16(p + 4, 0, true); // stored
    view.setUint16(p + 6, 0, true);
    view.setUint16(p + 8, dosDate, true);
    view.setUint32(p + 10, crcs[i]!, true);
    view.setUint32(p + 14, files[i]!.data.length, true);
    view.setUint32(p + 18, files[i]!.data.length, true);
    view.setUint16(p + 22, names[i]!.length, true);
    view.setUint16(p + 24, 0, true);
  };
  files.forEach((f, i) => {
    offsets.push(at);
    view.setUint32(at, 0x04034b50, true);
    common(at + 4, i);
    out.set(names[i]!, at + 30);
    out.set(f.data, at + 30 + names[i]!.length);
    at += 30 + names[i]!.length + f.data.length;
  });
  const dirStart = at;
  files.forEach((_, i) => {
    view.setUint32(at, 0x02014b50, true);
    view.setUint16(at + 4, 20, true); // version made by
    common(at + 6, i);
    // comment length, disk, internal and external attributes: 0
    view.setUint32(at + 42, offsets[i]!, true);
    out.set(names[i]!, at + 46);
    at += 46 + names[i]!.length;
  });
  view.setUint32(at, 0x06054b50, true);
  view.setUint16(at + 8, files.length, true);
  view.setUint16(at + 10, files.length, true);
  view.setUint32(at + 12, dirSize, true);
  view.setUint32(at + 16, dirStart, true);
  return out;
}
