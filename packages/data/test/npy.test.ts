import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arange, randn, tensor, zeros, type DType, type Tensor } from '@tapegrad/core';
import { loadNpy, loadNpz, loadNpzAsync, saveNpy, saveNpz } from '@tapegrad/data';
import { loadNpyFile, loadNpzFile, saveNpyFile, saveNpzFile } from '@tapegrad/data/node';
import { describe, expect, it } from 'vitest';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(fixtures, name)));

const grid = [[0, 1, 2], [3, 4, 5]];
const quarterGrid = grid.map((r) => r.map((v) => v / 4));
const ints = [[-1, 2, 3], [4, 5, -(2 ** 31)]];

function expectTensor(t: Tensor, dtype: DType, shape: number[], values: unknown): void {
  expect(t.dtype).toBe(dtype);
  expect(t.shape).toEqual(shape);
  expect(t.toArray()).toEqual(values);
}

describe('loadNpy reads what NumPy wrote', () => {
  // [file, dtype, shape, values]: the values make-fixtures.py writes.
  const cases: [string, DType, number[], unknown][] = [
    ['f4.npy', 'float32', [2, 3], [[1.5, -2, 3], [4, 5, 6.25]]],
    ['f8.npy', 'float64', [2, 3], quarterGrid],
    ['i4.npy', 'int32', [2, 3], ints],
    ['b1.npy', 'bool', [3], [true, false, true]],
    ['u1.npy', 'int32', [3], [0, 128, 255]],
    ['i1.npy', 'int32', [3], [-128, 0, 127]],
    ['i2.npy', 'int32', [3], [-32768, 7, 32767]],
    ['u2.npy', 'int32', [3], [0, 7, 65535]],
    ['i8.npy', 'int32', [3], [1, -2, 3]],
    ['f4-fortran.npy', 'float32', [2, 3], grid],
    ['f8-fortran-3d.npy', 'float64', [2, 3, 4], Array.from({ length: 2 }, (_, i) => Array.from({ length: 3 }, (_, j) => Array.from({ length: 4 }, (_, k) => 12 * i + 4 * j + k)))],
    ['f8-big-endian.npy', 'float64', [2, 3], quarterGrid],
    ['i4-big-endian.npy', 'int32', [2, 3], ints],
    ['f4-big-endian-fortran.npy', 'float32', [2, 3], grid],
    ['v2.npy', 'int32', [2, 3], grid],
    ['v3.npy', 'int32', [2, 3], grid],
    ['scalar.npy', 'float64', [], 3.5],
    ['empty.npy', 'float32', [2, 0], [[], []]],
  ];
  it.each(cases)('%s', (file, dtype, shape, values) => {
    expectTensor(loadNpy(fixture(file)), dtype, shape, values);
  });

  it('reads a .npy that starts at an odd offset inside a larger buffer', () => {
    const bytes = fixture('f8.npy');
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expectTensor(loadNpy(padded.subarray(3)), 'float64', [2, 3], quarterGrid);
  });
});

describe('loadNpz and loadNpzAsync read what NumPy wrote', () => {
  const expected = { x: [[1.5, -2, 3], [4, 5, 6.25]], y: [1, 0] };
  const plain = (m: Map<string, Tensor>) => Object.fromEntries([...m].map(([k, t]) => [k, t.toArray()]));

  it('np.savez (stored entries), sync and async', async () => {
    expect(plain(loadNpz(fixture('arrays.npz')))).toEqual(expected);
    expect(plain(await loadNpzAsync(fixture('arrays.npz')))).toEqual(expected);
    expect(loadNpz(fixture('arrays.npz')).get('y')!.dtype).toBe('int32');
  });

  it('np.savez_compressed (deflated entries), async', async () => {
    expect(plain(await loadNpzAsync(fixture('compressed.npz')))).toEqual(expected);
  });
});

describe('round trips: tapegrad writes, tapegrad reads', () => {
  const tensors: [string, Tensor][] = [
    ['float32', randn([3, 4])],
    ['float64', randn([2, 3, 2], { dtype: 'float64' })],
    ['int32', tensor([[-5, 0], [7, 2 ** 31 - 1]], { dtype: 'int32' })],
    ['bool', tensor([true, false, false, true])],
    ['0-d', tensor(2.5)],
    ['empty', zeros([0, 3])],
    ['a non-contiguous view', arange(12).reshape([3, 4]).transpose(0, 1)],
  ];
  it.each(tensors)('.npy: %s', (_, t) => {
    const back = loadNpy(saveNpy(t));
    expectTensor(back, t.dtype, [...t.shape], t.toArray());
  });

  it('.npy headers are padded so that the data starts 64-byte aligned', () => {
    for (const [, t] of tensors) {
      const bytes = saveNpy(t);
      const headerLength = bytes[8]! | (bytes[9]! << 8);
      expect((10 + headerLength) % 64).toBe(0);
    }
  });

  it('.npz: a record and a Map, sync and async', async () => {
    const record = Object.fromEntries(tensors.map(([k, t]) => [k, t]));
    for (const bytes of [saveNpz(record), saveNpz(new Map(tensors))]) {
      for (const back of [loadNpz(bytes), await loadNpzAsync(bytes)]) {
        expect([...back.keys()]).toEqual(tensors.map(([k]) => k));
        for (const [k, t] of tensors) expectTensor(back.get(k)!, t.dtype, [...t.shape], t.toArray());
      }
    }
  });

  it('the same tensors give the same bytes', () => {
    const t = { a: arange(5), b: tensor([true]) };
    expect(saveNpz(t)).toEqual(saveNpz(t));
  });

  it('through files with @tapegrad/data/node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapegrad-npy-'));
    try {
      const t = randn([4, 2]);
      await saveNpyFile(join(dir, 't.npy'), t);
      expect((await loadNpyFile(join(dir, 't.npy'))).toArray()).toEqual(t.toArray());
      await saveNpzFile(join(dir, 't.npz'), { t });
      expect((await loadNpzFile(join(dir, 't.npz'))).get('t')!.toArray()).toEqual(t.toArray());
      expect((await loadNpzFile(join(fixtures, 'compressed.npz'))).get('y')!.toArray()).toEqual([1, 0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// NumPy reads what tapegrad wrote, where python3 with NumPy is installed.
const numpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
const numpyMissing = numpy.error !== undefined ? 'python3 is not installed' : numpy.status !== 0 ? 'python3 cannot import numpy' : undefined;
if (numpyMissing !== undefined) console.log(`npy.test.ts: skipping the NumPy interop test: ${numpyMissing}`);

describe.skipIf(numpyMissing !== undefined)('NumPy reads what tapegrad wrote', () => {
  it('.npy and .npz of every dtype', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapegrad-npy-'));
    try {
      const tensors = {
        f4: tensor([[1.5, -2, 3], [4, 5, 6.25]]),
        f8: tensor(quarterGrid, { dtype: 'float64' }),
        i4: tensor(ints, { dtype: 'int32' }),
        b1: tensor([true, false, true]),
        scalar: tensor(3.5, { dtype: 'float64' }),
        empty: zeros([2, 0]),
      };
      for (const [k, t] of Object.entries(tensors)) writeFileSync(join(dir, `${k}.npy`), saveNpy(t));
      writeFileSync(join(dir, 'all.npz'), saveNpz(tensors));
      const script = `
import json, os, sys, numpy as np
d = sys.argv[1]
out = {}
for k in ${JSON.stringify(Object.keys(tensors))}:
    a = np.load(os.path.join(d, k + '.npy'), allow_pickle=False)
    out[k] = [a.dtype.str, list(a.shape), a.tolist()]
with np.load(os.path.join(d, 'all.npz'), allow_pickle=False) as z:
    out['npz'] = {k: z[k].tolist() for k in z.files}
print(json.dumps(out))`;
      const out = JSON.parse(execFileSync('python3', ['-c', script, dir], { encoding: 'utf8' })) as Record<string, unknown>;
      const descr: Record<string, string> = { float32: '<f4', float64: '<f8', int32: '<i4', bool: '|b1' };
      for (const [k, t] of Object.entries(tensors)) expect(out[k], k).toEqual([descr[t.dtype], [...t.shape], t.toArray()]);
      expect(out['npz']).toEqual(Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.toArray()])));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
