import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Generator, OptionError, ShapeError, tensor, zeros } from '@tapegrad/core';
import { DataError, DataLoader, NpyError, Subset, TensorDataset, defaultCollate, loadNpy, loadNpz, loadNpzAsync, randomSplit, saveNpy, saveNpz } from '@tapegrad/data';
import { describe, expect, it } from 'vitest';
import { describeMisuse, type MisuseRow } from '../../core/test/misuse-table.js';


const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(fixtures, name)));
const ds = new TensorDataset(zeros([4, 2]), zeros([4]));
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** A .npy file of `header` (padded as NumPy pads it) followed by `data`. */
function npy(header: string, data: Uint8Array = new Uint8Array(0), version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const padded = `${header.padEnd(Math.ceil((prefix + header.length + 1) / 64) * 64 - prefix - 1, ' ')}\n`;
  const out = new Uint8Array(prefix + padded.length + data.length);
  out.set([0x93, ...ascii('NUMPY'), version, 0]);
  new DataView(out.buffer).setUint16(8, padded.length, true);
  out.set(ascii(padded), prefix);
  out.set(data, prefix + padded.length);
  return out;
}

const f4 = saveNpy(tensor([1, 2, 3]));
const npz = saveNpz({ x: tensor([1, 2, 3]) });
/** `bytes` with one byte changed. */
const flip = (bytes: Uint8Array, at: number): Uint8Array => {
  const out = bytes.slice();
  out[at < 0 ? out.length + at : at]! ^= 0xff;
  return out;
};
/** The offset of the first occurrence of `s` in `bytes`. */
const find = (bytes: Uint8Array, s: string): number => Buffer.from(bytes).indexOf(s);

const rows: MisuseRow[] = [
  // Options objects
  { name: 'DataLoader batch_size', call: () => new DataLoader(ds, { batch_size: 2 } as never), error: OptionError, contains: ['DataLoader', "'batch_size'", "did you mean 'batchSize'", 'batchSize, shuffle, generator, dropLast, collate'] },
  { name: 'DataLoader drop_last', call: () => new DataLoader(ds, { drop_last: true } as never), error: OptionError, contains: ['DataLoader', "did you mean 'dropLast'"] },
  { name: 'DataLoader num_workers', call: () => new DataLoader(ds, { num_workers: 2 } as never), error: OptionError, contains: ['DataLoader', "'num_workers'", 'accepts batchSize'] },
  { name: 'DataLoader batchSize 0', call: () => new DataLoader(ds, { batchSize: 0 }), error: OptionError, contains: ['DataLoader', 'batchSize = 0', 'an integer >= 1'] },
  { name: 'DataLoader generator a seed', call: () => new DataLoader(ds, { generator: 42 } as never), error: OptionError, contains: ['DataLoader', 'generator = 42', 'a Generator'] },
  { name: 'randomSplit seed', call: () => randomSplit(ds, [2, 2], { seed: 1 } as never), error: OptionError, contains: ['randomSplit', "'seed'", 'accepts generator'] },
  // Datasets and loaders
  { name: 'DataLoader not a dataset', call: () => new DataLoader([1, 2] as never), error: DataError, contains: ['DataLoader', 'length', 'get(index)'] },
  { name: 'DataLoader async dataset iterated synchronously', call: () => [...new DataLoader({ length: 2, get: async (i: number) => i })], error: DataError, contains: ['DataLoader', 'promise', 'for await'] },
  { name: 'TensorDataset lengths differ', call: () => new TensorDataset(zeros([4, 2]), zeros([3])), error: ShapeError, contains: ['TensorDataset', 'same size in the first dimension', '[4, 2]', '[3]'] },
  { name: 'TensorDataset 0-d tensor', call: () => new TensorDataset(zeros([4]), tensor(1)), error: ShapeError, contains: ['TensorDataset', 'tensor 1 is 0-d'] },
  { name: 'TensorDataset no tensors', call: () => new TensorDataset(), error: DataError, contains: ['TensorDataset', 'at least one tensor'] },
  { name: 'TensorDataset not a tensor', call: () => new TensorDataset([1, 2] as never), error: DataError, contains: ['TensorDataset', 'argument 0 is not a tensor'] },
  { name: 'TensorDataset.get out of range', call: () => ds.get(4), error: DataError, contains: ['TensorDataset.get', 'index 4', 'length 4'] },
  { name: 'TensorDataset.get negative', call: () => ds.get(-1), error: DataError, contains: ['TensorDataset.get', 'index -1'] },
  { name: 'Subset index out of range', call: () => new Subset(ds, [0, 9]), error: DataError, contains: ['Subset', 'index 9', 'length 4'] },
  { name: 'randomSplit counts do not add up', call: () => randomSplit(ds, [3, 3], { generator: new Generator(0) }), error: DataError, contains: ['randomSplit', 'add up to 6', '4 items'] },
  { name: 'randomSplit neither counts nor fractions', call: () => randomSplit(ds, [0.5, 1.5]), error: DataError, contains: ['randomSplit', 'neither counts', 'fractions'] },
  { name: 'randomSplit negative length', call: () => randomSplit(ds, [-1, 5]), error: DataError, contains: ['randomSplit', 'counts or fractions >= 0'] },
  { name: 'defaultCollate empty batch', call: () => defaultCollate([]), error: DataError, contains: ['defaultCollate', 'empty'] },
  { name: 'defaultCollate shapes differ', call: () => defaultCollate([zeros([2]), zeros([3])]), error: ShapeError, contains: ['defaultCollate', 'equal shapes', '[2] (item 0)', '[3] (item 1)'] },
  { name: 'defaultCollate kinds differ', call: () => defaultCollate<unknown>([{ a: 1 }, { a: 'x' }]), error: DataError, contains: ['defaultCollate', 'item 1 at a is string', 'item 0 is number'] },
  { name: 'defaultCollate tuple lengths differ', call: () => defaultCollate([[1, 2], [1]]), error: DataError, contains: ['defaultCollate', 'same length', '2 (item 0)', '1 (item 1)'] },
  { name: 'defaultCollate missing key', call: () => defaultCollate<Record<string, number>>([{ a: 1, b: 2 }, { a: 1 }]), error: DataError, contains: ['defaultCollate', "item 1 has no key 'b'"] },
  { name: 'defaultCollate null', call: () => defaultCollate([null]), error: DataError, contains: ['defaultCollate', 'cannot batch null', 'collate function'] },
  { name: 'defaultCollate class instance', call: () => defaultCollate([new Map()]), error: DataError, contains: ['defaultCollate', 'cannot batch Map', 'collate function'] },
  // .npy
  { name: 'loadNpy bad magic', call: () => loadNpy(ascii('PK\x03\x04 not a npy file')), error: NpyError, contains: ['loadNpy', 'not a .npy file', 'magic'] },
  { name: 'loadNpy not bytes', call: () => loadNpy('x.npy' as never), error: NpyError, contains: ['loadNpy', 'Uint8Array', 'string'] },
  { name: 'loadNpy version 4.0', call: () => { const b = f4.slice(); b[6] = 4; return loadNpy(b); }, error: NpyError, contains: ['loadNpy', 'version 4.0', '1.0, 2.0 and 3.0'] },
  { name: 'loadNpy truncated header', call: () => loadNpy(f4.subarray(0, 40)), error: NpyError, contains: ['loadNpy', 'truncated', 'header'] },
  { name: 'loadNpy truncated data', call: () => loadNpy(f4.subarray(0, f4.length - 1)), error: NpyError, contains: ['loadNpy', 'truncated', 'shape [3]', 'needs 12 data bytes but 11'] },
  { name: 'loadNpy extra data', call: () => loadNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", new Uint8Array(12))), error: NpyError, contains: ['loadNpy', 'shape [2]', 'needs 8 data bytes but 12', 'do not match'] },
  { name: 'loadNpy header not a dict', call: () => loadNpy(npy("['<f4', False, (3,)]")), error: NpyError, contains: ['loadNpy', 'header is not a dict'] },
  { name: 'loadNpy header not a literal', call: () => loadNpy(npy("{'descr': <f4}")), error: NpyError, contains: ['loadNpy', 'not a Python literal'] },
  { name: 'loadNpy header without shape', call: () => loadNpy(npy("{'descr': '<f4', 'fortran_order': False}")), error: NpyError, contains: ['loadNpy', "no 'shape' key"] },
  { name: 'loadNpy negative shape', call: () => loadNpy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }")), error: NpyError, contains: ['loadNpy', "'shape'", 'integers >= 0', '[-1]'] },
  { name: 'loadNpy fortran_order not a bool', call: () => loadNpy(npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (), }", new Uint8Array(4))), error: NpyError, contains: ['loadNpy', "'fortran_order'", 'True or False'] },
  { name: 'loadNpy complex64', call: () => loadNpy(fixture('c8.npy')), error: NpyError, contains: ['loadNpy', "dtype '<c8' is not supported", "'<f4', '<f8', '<i4', '|b1'", "'|u1'"] },
  { name: 'loadNpy float16', call: () => loadNpy(npy("{'descr': '<f2', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(2))), error: NpyError, contains: ['loadNpy', "'<f2' is not supported"] },
  { name: 'loadNpy unicode strings', call: () => loadNpy(npy("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(12))), error: NpyError, contains: ['loadNpy', "'<U3' is not supported"] },
  { name: 'loadNpy structured', call: () => loadNpy(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4))), error: NpyError, contains: ['loadNpy', 'structured dtypes', 'not supported'] },
  { name: 'loadNpy int64 out of int32 range', call: () => loadNpy(fixture('i8-too-big.npy')), error: NpyError, contains: ['loadNpy', 'element 1 (1099511627776)', "'<i8'", 'does not fit int32'] },
  { name: 'saveNpy not a tensor', call: () => saveNpy([1, 2] as never), error: NpyError, contains: ['saveNpy', 'expected a tensor'] },
  // .npz
  { name: 'loadNpz a .npy file', call: () => loadNpz(f4), error: NpyError, contains: ['loadNpz', 'not a .npz file', 'use loadNpy'] },
  { name: 'loadNpz truncated', call: () => loadNpz(npz.subarray(0, npz.length - 30)), error: NpyError, contains: ['loadNpz', 'not a .npz file', 'truncated'] },
  { name: 'loadNpz bad CRC', call: () => loadNpz(flip(npz, find(npz, 'x.npy') + 5 + 60)), error: NpyError, contains: ['loadNpz', "entry 'x.npy'", 'CRC-32'] },
  { name: 'loadNpz damaged central directory', call: () => loadNpz(flip(npz, find(npz, 'PK\x01\x02'))), error: NpyError, contains: ['loadNpz', 'central directory record 0'] },
  { name: 'loadNpz damaged local header', call: () => loadNpz(flip(npz, 0)), error: NpyError, contains: ['loadNpz', "local header of 'x.npy'"] },
  { name: 'loadNpz deflated entry', call: () => loadNpz(fixture('compressed.npz')), error: NpyError, contains: ['loadNpz', "entry 'x.npy' is deflated", 'loadNpzAsync'] },
  { name: 'loadNpz bad entry inside', call: () => loadNpz(saveNpzOf('bad.npy', ascii('not npy at all'))), error: NpyError, contains: ["loadNpz: entry 'bad.npy'", 'not a .npy file'] },
  { name: 'saveNpz a tensor', call: () => saveNpz(zeros([2]) as never), error: NpyError, contains: ['saveNpz', 'a tensor (pass { name: tensor })'] },
  { name: 'saveNpz a non-tensor value', call: () => saveNpz({ x: [1, 2] } as never), error: NpyError, contains: ['saveNpz', "'x' is not a tensor"] },
  { name: 'saveNpz an empty name', call: () => saveNpz({ '': zeros([1]) }), error: NpyError, contains: ['saveNpz', 'non-empty string'] },
];

/** A stored zip of one entry `name` with `data`, built by saveNpz and patched: data and CRC replaced. */
function saveNpzOf(name: string, data: Uint8Array): Uint8Array {
  // Build with the real writer through a placeholder tensor of the same byte length, then swap the bytes in.
  const bytes = saveNpz({ [name.replace(/\.npy$/, '')]: zeros([0]) });
  const entryStart = find(bytes, name) + name.length;
  const original = saveNpy(zeros([0]));
  const before = bytes.subarray(0, entryStart);
  const after = bytes.subarray(entryStart + original.length);
  const out = new Uint8Array(before.length + data.length + after.length);
  out.set(before);
  out.set(data, before.length);
  out.set(after, before.length + data.length);
  // Fix sizes, CRC and the directory offset for the new data.
  const view = new DataView(out.buffer);
  const crc = crcOf(data);
  const dir = find(out, 'PK\x01\x02');
  for (const [at, crcAt] of [[0, 14], [dir, 16]] as const) {
    view.setUint32(at + crcAt, crc, true);
    view.setUint32(at + crcAt + 4, data.length, true);
    view.setUint32(at + crcAt + 8, data.length, true);
  }
  view.setUint32(out.length - 22 + 16, dir, true);
  return out;
}

function crcOf(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

describeMisuse(rows);

describe('misuse of compressed archives', () => {
  it('loadNpzAsync: a corrupt deflated entry names the entry', async () => {
    const bytes = fixture('compressed.npz');
    // A byte inside x.npy's deflated data: just before the local header of the next entry.
    const at = Buffer.from(bytes).indexOf('PK\x03\x04', 4) - 10;
    await expect(loadNpzAsync(flip(bytes, at))).rejects.toThrow(/loadNpzAsync: entry 'x\.npy' (is not valid deflate data|fails its CRC-32 check|holds)/);
  });
});
