// TensorFlow.js 4.22 on its cpu backend (plain JS) and its wasm backend
// (XNNPACK, SIMD build, single-threaded: Node has no web Workers).
// Each workload returns `run` (the timed step, which checks the backend
// first) and `read` (its result as arrays in tapegrad's layout, for the cross-check).
import { createRequire, register } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { onBackend } from '../cross-check.mjs';
import { transpose } from '../inputs.mjs';

const require = createRequire(import.meta.url);
// Gradients are registered by a side-effect import of the modular ESM build,
// which needs the extension hook on Node; registries are global, so they
// reach the CommonJS build the backends use.
register('../extensionless-hook.mjs', import.meta.url);
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
setWasmPaths(`${wasmDir}${path.sep}`);
try {
  setThreadsCount(1);
} catch {
  // Older builds have no thread control; Node's lack of Workers keeps it single-threaded anyway.
}

const fromInput = ({ shape, data }) => tf.tensor(data, shape, 'float32');

// NOTE: a typed array must never be the value a tf.tidy callback returns:
// tidy walks its result for tensors to keep, key by key (for…in) into a Set,
// which for W5's 524,288-float output costs hundreds of milliseconds, more
// than the convolution. Tensors leave tidy; their data is read outside it.
function take(tensors) {
  const list = Array.isArray(tensors) ? tensors : [tensors];
  const data = list.map((t) => t.dataSync());
  tf.dispose(list);
  return data;
}
const readAsIs = async (data) => data;

export async function createTfjs(backend) {
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`tfjs backend ${backend} failed to initialise`);
  await tf.ready();
  const activate = async () => {
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
  };
  const name = `tfjs-${backend}`;
  const guard = (run) => onBackend(name, backend, () => tf.getBackend(), run);
  return {
    name,
    backend,
    activate,
    w1({ a: aIn, b: bIn }) {
      const a = fromInput(aIn);
      const b = fromInput(bIn);
      return { run: guard(() => take(tf.matMul(a, b))), read: readAsIs };
    },
    w2({ params: init, x: xIn, labels, lr, eps }) {
      const vars = init.map((p) => tf.variable(fromInput(p)));
      const x = fromInput(xIn);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      const opt = tf.train.adam(lr, 0.9, 0.999, eps);
      const run = () => {
        const loss = opt.minimize(() => {
          let h = x;
          for (let i = 0; i < 3; i++) {
            h = tf.add(tf.matMul(h, vars[2 * i]), vars[2 * i + 1]);
            if (i < 2) h = tf.relu(h);
          }
          return tf.losses.softmaxCrossEntropy(y, h);
        }, true, vars);
        return take(loss);
      };
      return { run: guard(run), read: readAsIs };
    },
    w3({ a: aIn, b: bIn, c: cIn }, backwardToo) {
      const a = fromInput(aIn);
      const b = fromInput(bIn);
      const c = fromInput(cIn);
      const f = (a) => tf.sum(tf.mul(tf.exp(tf.add(tf.mul(a, b), c)), 0.5));
      const g = tf.grad(f);
      return { run: guard(() => take(tf.tidy(() => (backwardToo ? g(a) : f(a))))), read: readAsIs };
    },
    w4({ ops, x: xIn }) {
      const x = fromInput(xIn);
      const g = tf.grad((x) => {
        let h = x;
        for (let i = 0; i < ops; i++) h = i % 5 === 4 ? tf.tanh(h) : i % 2 ? tf.mul(h, 0.999) : tf.add(h, 0.001);
        return tf.sum(h);
      });
      return { run: guard(() => take(tf.tidy(() => g(x)))), read: readAsIs };
    },
    w5({ x: xIn, w: wIn, b: bIn }, backwardToo = false) {
      // tfjs wants NHWC images and HWIO filters: the inputs are laid out that
      // way up front, and the results laid back for the cross-check.
      const x = fromInput(transpose(xIn, [0, 2, 3, 1]));
      const w = fromInput(transpose(wIn, [2, 3, 1, 0]));
      const b = fromInput(bIn);
      const f = (x, w) => tf.add(tf.conv2d(x, w, 1, 'same'), b);
      const nchw = (d) => transpose({ shape: [32, 32, 32, 16], data: d }, [0, 3, 1, 2]).data;
      if (!backwardToo) return { run: guard(() => take(tf.tidy(() => f(x, w)))), read: async ([d]) => [nchw(d)] };
      if (tf.getKernel('Conv2DBackpropFilter', backend) === undefined) throw new Error(`n/a: TF.js ${backend} has no Conv2DBackpropFilter kernel`);
      const g = tf.grads((x, w) => tf.sum(f(x, w)));
      const read = async ([gx, gw]) => [
        transpose({ shape: [32, 32, 32, 3], data: gx }, [0, 3, 1, 2]).data,
        transpose({ shape: [3, 3, 3, 16], data: gw }, [3, 2, 0, 1]).data,
      ];
      return { run: guard(() => take(tf.tidy(() => g([x, w])))), read };
    },
  };
}
