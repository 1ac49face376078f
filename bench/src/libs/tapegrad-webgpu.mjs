// tapegrad on its WebGPU backend, on the bench's adapter (gpu.mjs). WebGPU
// runs asynchronously: a timed step ends only when the GPU has finished its
// work, by reading the result (W2's loss) or by waiting for the queue
// (W1's product, which stays on the GPU), as every GPU peer does.
import * as tg from '@tapegrad/core';
import { onBackend } from '../cross-check.mjs';
import { w2Step } from './tapegrad.mjs';

const fromInput = ({ shape, data }) => tg.tensor(data, { shape });
const readTensors = async (ts) => Promise.all((Array.isArray(ts) ? ts : [ts]).map((t) => t.dataAsync()));
const readNumber = async (v) => [[v]];

export async function createTapegradWebGpu(probe) {
  const device = await probe.adapter.requestDevice();
  const backend = tg.createWebGpuBackend(device);
  const name = 'tapegrad-webgpu';
  const activate = () => tg.setBackend(backend);
  const guard = (run) => onBackend(name, 'webgpu', () => tg.getBackend().name, run);
  const done = () => device.queue.onSubmittedWorkDone();
  return {
    name,
    backend: 'webgpu',
    adapter: probe.info,
    activate,
    w1({ a: aIn, b: bIn }) {
      activate();
      const a = fromInput(aIn);
      const b = fromInput(bIn);
      const run = async () => {
        const c = a.matmul(b);
        await done();
        return c;
      };
      return { run: guard(run), read: readTensors };
    },
    w2(inputs) {
      activate();
      const step = w2Step(inputs);
      return { run: guard(async () => step().itemAsync()), read: readNumber };
    },
  };
}
