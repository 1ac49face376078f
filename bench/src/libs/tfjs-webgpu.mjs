// TensorFlow.js 4.22 on its webgpu backend, on the bench's adapter (gpu.mjs:
// TF.js finds it through navigator.gpu, which must be set before the backend
// is imported). TF.js records kernels into a command encoder and submits them
// in batches: a timed step ends when its work is submitted and done (W1's
// product, which stays on the GPU) or its result read (W2's loss).
import * as tf from '@tensorflow/tfjs-core';
import { onBackend } from '../cross-check.mjs';
import { assertSameAdapter } from '../gpu.mjs';
import './tfjs.mjs'; // the gradients, registered once for every TF.js column

const fromInput = ({ shape, data }) => tf.tensor(data, shape, 'float32');
const readAsIs = async (data) => data;

/** Submits what TF.js has recorded and waits until the GPU has run it. */
async function finish() {
  const be = tf.backend();
  be.ensureCommandEncoderReady();
  be.endComputePassEncoder();
  be.submitQueue();
  await be.device.queue.onSubmittedWorkDone();
}

export async function createTfjsWebGpu(probe) {
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs backend webgpu failed to initialise');
  await tf.ready();
  assertSameAdapter('tfjs-webgpu', tf.backend().adapterInfo, probe);
  const name = 'tfjs-webgpu';
  const guard = (run) => onBackend(name, 'webgpu', () => tf.getBackend(), run);
  return {
    name,
    backend: 'webgpu',
    activate: async () => {
      if (tf.getBackend() !== 'webgpu') await tf.setBackend('webgpu');
    },
    w1({ a: aIn, b: bIn }) {
      const a = fromInput(aIn);
      const b = fromInput(bIn);
      // The last product, kept until the next run so that the cross-check can read it.
      let last = null;
      const run = async () => {
        last?.dispose();
        last = tf.matMul(a, b);
        await finish();
        return last;
      };
      return { run: guard(run), read: async (c) => [await c.data()] };
    },
    w2({ params: init, x: xIn, labels, lr, eps }) {
      const vars = init.map((p) => tf.variable(fromInput(p)));
      const x = fromInput(xIn);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      const opt = tf.train.adam(lr, 0.9, 0.999, eps);
      const run = async () => {
        const loss = opt.minimize(
          () => {
            let h = x;
            for (let i = 0; i < 3; i++) {
              h = tf.add(tf.matMul(h, vars[2 * i]), vars[2 * i + 1]);
              if (i < 2) h = tf.relu(h);
            }
            return tf.losses.softmaxCrossEntropy(y, h);
          },
          true,
          vars,
        );
        const data = await loss.data();
        loss.dispose();
        return [data];
      };
      return { run: guard(run), read: readAsIs };
    },
  };
}
