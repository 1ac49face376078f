// TensorFlow.js 4.22 on its cpu backend (plain JS) and its wasm backend
// (XNNPACK, SIMD build, single-threaded: Node has no web Workers).
import { createRequire, register } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

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

function rand(shape, seed) {
  return tf.randomNormal(shape, 0, 0.1, 'float32', seed);
}

export async function createTfjs(backend) {
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`tfjs backend ${backend} failed to initialise`);
  await tf.ready();
  const activate = async () => {
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
  };
  const name = `tfjs-${backend}`;
  return {
    name,
    activate,
    w1(N) {
      const a = rand([N, N], 1);
      const b = rand([N, N], 2);
      return () => {
        const c = tf.matMul(a, b);
        const d = c.dataSync();
        c.dispose();
        return d;
      };
    },
    w2() {
      const layers = [784, 512, 256, 10];
      const vars = [];
      for (let i = 0; i < 3; i++) {
        vars.push(tf.variable(rand([layers[i], layers[i + 1]], 10 + i)));
        vars.push(tf.variable(tf.zeros([layers[i + 1]])));
      }
      const x = rand([256, 784], 3);
      const y = tf.oneHot(tf.randomUniformInt([256], 0, 10, 4), 10);
      const opt = tf.train.adam(1e-3);
      return () => {
        const loss = opt.minimize(() => {
          let h = x;
          for (let i = 0; i < 3; i++) {
            h = tf.add(tf.matMul(h, vars[2 * i]), vars[2 * i + 1]);
            if (i < 2) h = tf.relu(h);
          }
          return tf.losses.softmaxCrossEntropy(y, h);
        }, true, vars);
        const v = loss.dataSync()[0];
        loss.dispose();
        return v;
      };
    },
    w3(backwardToo) {
      const n = 1_000_000;
      const a = tf.randomUniform([n], 0, 1, 'float32', 5);
      const b = tf.randomUniform([n], 0, 1, 'float32', 6);
      const c = tf.randomUniform([n], 0, 1, 'float32', 7);
      const f = (a) => tf.sum(tf.mul(tf.exp(tf.add(tf.mul(a, b), c)), 0.5));
      const g = tf.grad(f);
      return () => take(tf.tidy(() => (backwardToo ? g(a) : f(a))));
    },
    w4(ops) {
      const x = tf.tensor1d([0.1, 0.2, 0.3, 0.4]);
      const g = tf.grad((x) => {
        let h = x;
        for (let i = 0; i < ops; i++) h = i % 5 === 4 ? tf.tanh(h) : i % 2 ? tf.mul(h, 0.999) : tf.add(h, 0.001);
        return tf.sum(h);
      });
      return () => take(tf.tidy(() => g(x)));
    },
    w5(backwardToo = false) {
      // NCHW input, as tapegrad's; tfjs wants NHWC, so the input is laid out that way up front.
      const x = rand([32, 32, 32, 3], 8);
      const w = rand([3, 3, 3, 16], 9);
      const b = tf.zeros([16]);
      const f = (x, w) => tf.add(tf.conv2d(x, w, 1, 'same'), b);
      if (!backwardToo) return () => take(tf.tidy(() => f(x, w)));
      const g = tf.grads((x, w) => tf.sum(f(x, w)));
      return () => take(tf.tidy(() => g([x, w])));
    },
  };
}
