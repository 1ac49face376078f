import { describe, expect, it } from 'vitest';
import { Generator, randn, tensor, type Tensor } from '@tapegrad/core';
import { Linear, SafetensorsError, Sequential, ReLU, StateDictError, loadModule, loadSafetensors, saveModule, saveSafetensors } from '@tapegrad/nn';

/** Builds a safetensors file by hand from a header string and raw data bytes, as the spec lays it out. */
function build(headerJson: string, data: Uint8Array, lengthOverride?: number): Uint8Array {
  const header = new TextEncoder().encode(headerJson);
  const out = new Uint8Array(8 + header.length + data.length);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(lengthOverride ?? header.length), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

/** Checks bytes against the spec's rules, independently of loadSafetensors. */
function checkSpec(bytes: Uint8Array): Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  expect(n % 8).toBe(0);
  expect(8 + n).toBeLessThanOrEqual(bytes.length);
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  expect(text.startsWith('{')).toBe(true);
  expect(text.trimEnd().endsWith('}')).toBe(true);
  expect(/^ *$/.test(text.slice(text.trimEnd().length))).toBe(true);
  const header = JSON.parse(text) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__');
  const sorted = entries.map(([, e]) => e.data_offsets).sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [b, e] of sorted) {
    expect(b).toBe(at);
    at = e;
  }
  expect(at).toBe(bytes.length - 8 - n);
  return header;
}

describe('safetensors', () => {
  it('round-trips every dtype, with metadata', () => {
    const tensors: Record<string, Tensor> = {
      f32: tensor([[1.5, -2], [3.25, 1e-30]]),
      f64: tensor([Math.PI, -Math.E, 1e300], { dtype: 'float64' }),
      i32: tensor([[-2147483648, 0, 2147483647]], { dtype: 'int32' }),
      bool: tensor([true, false, true]),
      scalar: tensor(7, { dtype: 'float64' }),
      empty: tensor([], { dtype: 'float32' }),
      view: randn([3, 4], { generator: new Generator(1) }).mT, // non-contiguous
    };
    const bytes = saveSafetensors(tensors, { format: 'pt', note: 'ünïcode ✓' });
    const header = checkSpec(bytes);
    expect(header['f32']).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
    expect(header['bool']!.dtype).toBe('BOOL');
    expect(header['i32']!.dtype).toBe('I32');
    expect(header['f64']!.dtype).toBe('F64');
    const { tensors: back, metadata } = loadSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt', note: 'ünïcode ✓' });
    expect(Object.keys(back)).toEqual(Object.keys(tensors));
    for (const [k, t] of Object.entries(tensors)) {
      expect(back[k]!.dtype).toBe(t.dtype);
      expect(back[k]!.shape).toEqual(t.shape);
      expect(back[k]!.toArray()).toEqual(t.toArray());
    }
  });

  it('reads a file built by hand from the spec', () => {
    // "a": F32 [2] = [1, -0.5]; "b": I64 [1] = [-3]; "c": F16 [2] = [1, -2]; "d": BF16 [1] = [0.15625]; "e": U8 [2] = [255, 0]
    const data = new Uint8Array(8 + 8 + 4 + 2 + 2);
    const v = new DataView(data.buffer);
    v.setFloat32(0, 1, true);
    v.setFloat32(4, -0.5, true);
    v.setBigInt64(8, -3n, true);
    v.setUint16(16, 0x3c00, true); // 1.0 in half precision
    v.setUint16(18, 0xc000, true); // -2.0
    v.setUint16(20, 0x3e20, true); // bfloat16 0.15625 (0x3e200000 as float32)
    v.setUint8(22, 255);
    v.setUint8(23, 0);
    // Offsets written in a different order than the data, and a header padded with spaces.
    const json =
      '{"__metadata__":{"source":"hand"},"b":{"dtype":"I64","shape":[1],"data_offsets":[8,16]},' +
      '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"c":{"dtype":"F16","shape":[2,1],"data_offsets":[16,20]},' +
      '"d":{"dtype":"BF16","shape":[],"data_offsets":[20,22]},"e":{"dtype":"U8","shape":[2],"data_offsets":[22,24]}}   ';
    const { tensors, metadata } = loadSafetensors(build(json, data));
    expect(metadata).toEqual({ source: 'hand' });
    expect(tensors['a']!.toArray()).toEqual([1, -0.5]);
    expect(tensors['a']!.dtype).toBe('float32');
    expect(tensors['b']!.toArray()).toEqual([-3]);
    expect(tensors['b']!.dtype).toBe('int32');
    expect(tensors['c']!.toArray()).toEqual([[1], [-2]]);
    expect(tensors['d']!.item()).toBe(0.15625);
    expect(tensors['e']!.toArray()).toEqual([255, 0]);
  });

  it('our bytes match a hand-built file byte for byte', () => {
    const data = new Uint8Array(8);
    new DataView(data.buffer).setFloat32(0, 1, true);
    new DataView(data.buffer).setFloat32(4, 2, true);
    let json = '{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    expect(saveSafetensors({ w: tensor([1, 2]) })).toEqual(build(json, data));
  });

  const ok = (): Uint8Array => saveSafetensors({ w: tensor([1, 2]), b: tensor([3]) });
  const corrupt: [string, () => Uint8Array, RegExp][] = [
    ['truncated below 8 bytes', () => new Uint8Array(5), /too short/],
    ['truncated data', () => ok().subarray(0, ok().length - 2), /outside the .* data bytes|truncated/],
    ['header length beyond the file', () => build('{}', new Uint8Array(0), 1000), /header length 1000 exceeds/],
    ['bad JSON', () => build('{"w": {"dtype": "F32",', new Uint8Array(0)), /not valid JSON/],
    ['not an object', () => build('[1, 2]  ', new Uint8Array(0)), /JSON object/],
    ['invalid UTF-8', () => build('{"\u00ff"}', new Uint8Array(0)).map((b, i) => (i === 10 ? 0xff : b)), /UTF-8|JSON/],
    ['overlapping offsets', () => build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', new Uint8Array(8)), /overlap/],
    ['a hole', () => build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)), /belong to no tensor/],
    ['trailing bytes', () => build('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(8)), /cover 4 data bytes but 8/],
    ['unknown dtype', () => build('{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)), /unsupported dtype "F8_E4M3"/],
    ['shape/byte-length mismatch', () => build('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', new Uint8Array(8)), /shape \[3\] of F32 needs 12 bytes/],
    ['negative shape', () => build('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}', new Uint8Array(0)), /shape must be/],
    ['I64 out of int32 range', () => {
      const d = new Uint8Array(8);
      new DataView(d.buffer).setBigInt64(0, 2n ** 40n, true);
      return build('{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}', d);
    }, /outside the int32 range/],
    ['metadata not strings', () => build('{"__metadata__":{"a":1}}', new Uint8Array(0)), /__metadata__ value/],
  ];
  for (const [name, make, message] of corrupt) {
    it(`refuses ${name}`, () => {
      expect(() => loadSafetensors(make())).toThrow(SafetensorsError);
      expect(() => loadSafetensors(make())).toThrow(message);
    });
  }

  it('saves and loads a module; corrupt or mismatched files leave it untouched', () => {
    const make = (seed: number): Sequential => new Sequential(new Linear(3, 4, { generator: new Generator(seed) }), new ReLU(), new Linear(4, 2, { generator: new Generator(seed + 1) }));
    const a = make(1);
    const b = make(10);
    const bytes = saveModule(a, { epoch: '3' });
    expect(Object.keys(checkSpec(bytes)).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight', '__metadata__']);
    const before = Object.entries(b.stateDict()).map(([k, t]) => [k, t.toArray()]);
    // A truncated file: refused before anything is copied.
    expect(() => loadModule(b, bytes.subarray(0, bytes.length - 4))).toThrow(SafetensorsError);
    // A file for a different architecture: refused, naming the problem.
    const other = saveModule(new Sequential(new Linear(3, 5), new ReLU(), new Linear(5, 2)));
    expect(() => loadModule(b, other)).toThrow(StateDictError);
    expect(() => loadModule(b, other)).toThrow(/0\.weight: the model has shape \[4, 3\], the dict has \[5, 3\]/);
    expect(Object.entries(b.stateDict()).map(([k, t]) => [k, t.toArray()])).toEqual(before);
    const { metadata, missingKeys } = loadModule(b, bytes);
    expect(metadata).toEqual({ epoch: '3' });
    expect(missingKeys).toEqual([]);
    const x = randn([5, 3], { generator: new Generator(0) });
    expect(b.forward(x).toArray()).toEqual(a.forward(x).toArray());
  });
});
