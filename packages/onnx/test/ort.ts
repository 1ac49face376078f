import * as ort from 'onnxruntime-node';
import { tensor, type DType, type Tensor } from '@tapegrad/core';

const ORT_TYPE: { readonly [D in DType]: 'float32' | 'float64' | 'int32' | 'bool' } = { float32: 'float32', float64: 'float64', int32: 'int32', bool: 'bool' };

/** Loads `bytes` in ONNX Runtime (CPU) and runs it on `feeds`; the outputs as tapegrad tensors of the same dtype. */
export async function runOnnx(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  const input: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(feeds)) input[name] = new ort.Tensor(ORT_TYPE[t.dtype], t.data, t.shape.slice());
  const out = await session.run(input);
  const result: Record<string, Tensor> = {};
  for (const [name, v] of Object.entries(out)) {
    const dtype = v.type === 'float32' ? 'float32' : v.type === 'float64' ? 'float64' : v.type === 'int32' ? 'int32' : v.type === 'bool' ? 'bool' : null;
    if (dtype === null) throw new Error(`output ${name} has ONNX Runtime type ${v.type}, which no tapegrad dtype matches`);
    const data = v.data as Float32Array | Float64Array | Int32Array | Uint8Array;
    result[name] = tensor(Array.from(data, Number), { dtype }).reshape(v.dims.map(Number));
  }
  return result;
}

/** The largest |a − b| over all elements (a and b of one shape). */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  if (a.shape.join() !== b.shape.join()) throw new Error(`shapes differ: [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`);
  const x = a.data;
  const y = b.data;
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(Number(x[i]) - Number(y[i])));
  return m;
}
