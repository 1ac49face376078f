import { describe, expect, it } from 'vitest';
import { tensor, type Tensor } from '@tapegrad/core';
import { SafetensorsError, loadSafetensors, saveSafetensors } from '@tapegrad/nn';

/** Names that are also JavaScript's own: ordinary tensor names in a file. */
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

/** A safetensors file by hand: 8-byte little-endian header length, JSON header, data. */
function file(header: string, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (...v: number[]): Uint8Array => new Uint8Array(new Float32Array(v).buffer);

describe('safetensors names that JavaScript objects also have', () => {
  it.each(NAMES)('a file with a tensor named %s loads it as an own key, prototype untouched', (name) => {
    const bytes = file(`{"${name}":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, f32(1, 2, 3));
    const { tensors } = loadSafetensors(bytes);
    expect(Object.keys(tensors).sort()).toEqual([name, 'w'].sort());
    expect(Object.hasOwn(tensors, name)).toBe(true);
    expect((tensors[name] as Tensor).toArray()).toEqual([1, 2]);
    expect(Object.getPrototypeOf(tensors)).toBe(null);
  });

  it.each(NAMES)('a state dict with an own key %s survives save → load', (name) => {
    const dict: Record<string, Tensor> = Object.fromEntries([[name, tensor([4, 5])], ['b', tensor([6])]]);
    expect(Object.hasOwn(dict, name)).toBe(true);
    const { tensors, metadata } = loadSafetensors(saveSafetensors(dict, Object.fromEntries([[name, 'meta']])));
    expect(Object.keys(tensors).sort()).toEqual([name, 'b'].sort());
    expect((tensors[name] as Tensor).toArray()).toEqual([4, 5]);
    expect(Object.hasOwn(metadata, name)).toBe(true);
    expect(metadata[name]).toBe('meta');
  });

  it.each(NAMES)('a metadata key %s in a file is an own key', (name) => {
    const { metadata } = loadSafetensors(file(`{"__metadata__":{"${name}":"x"}}`, new Uint8Array(0)));
    expect(Object.keys(metadata)).toEqual([name]);
    expect(metadata[name]).toBe('x');
  });

  it.each(NAMES)('a header dtype %s is an unsupported dtype, not a prototype lookup', (dtype) => {
    expect(() => loadSafetensors(file(`{"w":{"dtype":"${dtype}","shape":[1],"data_offsets":[0,4]}}`, f32(1)))).toThrow(SafetensorsError);
    expect(() => loadSafetensors(file(`{"w":{"dtype":"${dtype}","shape":[1],"data_offsets":[0,4]}}`, f32(1)))).toThrow(/unsupported dtype/);
  });
});
