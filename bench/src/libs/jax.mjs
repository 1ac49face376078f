// jax-js 0.1.25 on its wasm device (single-threaded in Node 20, which has no
// web Workers), eager and under jit, and on its webgpu device under jit
// (createJaxWebGpu). Its arrays are reference counted: every call consumes
// its arguments, `.ref` keeps one alive.
// Each workload returns `run` (the timed step, which checks the device
// first) and `read` (its result as arrays, for the cross-check).
import { numpy as np, jit, grad, valueAndGrad, init, defaultDevice, getWebGPUDevice, nn, lax } from '@jax-js/jax';
import { onBackend } from '../cross-check.mjs';
import { assertSameAdapter } from '../gpu.mjs';

const fromInput = ({ shape, data }) => np.array(data).reshape(shape);
const readAsIs = async (data) => data;

/**
 * W2's training step (forward, backward, Adam) as a function of jax-js arrays,
 * under `wrap` (jit or not): returns a function that runs one step and
 * returns the loss array.
 */
function w2Step({ params: init, x: xIn, labels, lr, eps }, wrap) {
  const keys = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'];
  let p = Object.fromEntries(keys.map((k, i) => [k, fromInput(init[i])]));
  let m = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)]));
  let v = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)]));
  const x = fromInput(xIn);
  const oneHot = new Float32Array(labels.length * 10);
  labels.forEach((l, i) => (oneHot[i * 10 + l] = 1));
  const y = np.array(oneHot).reshape([labels.length, 10]);
  const loss = (p, x, y) => {
    const h1 = nn.relu(np.matmul(x, p.w1).add(p.b1));
    const h2 = nn.relu(np.matmul(h1, p.w2).add(p.b2));
    const logits = np.matmul(h2, p.w3).add(p.b3);
    return nn.logSoftmax(logits).mul(y).sum().mul(-1 / labels.length);
  };
  const [b1, b2] = [0.9, 0.999];
  const step = wrap((p, m, v, x, y, bc1, bc2) => {
    const pr = Object.fromEntries(keys.map((k) => [k, p[k].ref]));
    const [l, g] = valueAndGrad(loss)(pr, x, y);
    const np_ = {};
    const nm = {};
    const nv = {};
    for (const k of keys) {
      const gk = g[k];
      nm[k] = m[k].mul(b1).add(gk.ref.mul(1 - b1));
      nv[k] = v[k].mul(b2).add(np.square(gk).mul(1 - b2));
      const denom = np.sqrt(nv[k].ref.div(bc2.ref)).add(eps);
      np_[k] = p[k].sub(nm[k].ref.div(bc1.ref).mul(lr).div(denom));
    }
    bc1.dispose();
    bc2.dispose();
    return [np_, nm, nv, l];
  });
  let t = 0;
  return () => {
    t++;
    let l;
    [p, m, v, l] = step(p, m, v, x.ref, y.ref, np.array(1 - b1 ** t), np.array(1 - b2 ** t));
    return l;
  };
}

export async function createJax(jitted) {
  const devices = await init('wasm');
  if (!devices.includes('wasm')) throw new Error('jax-js: no wasm device');
  defaultDevice('wasm');
  const name = jitted ? 'jax-js-jit' : 'jax-js';
  const wrap = (f) => (jitted ? jit(f) : f);
  const guard = (run) => onBackend(name, 'wasm', () => defaultDevice(), run);
  return {
    name,
    backend: 'wasm',
    // The webgpu column (createJaxWebGpu) moves the default device: each column sets its own.
    activate: () => defaultDevice('wasm'),
    w1({ a: aIn, b: bIn }) {
      const a = fromInput(aIn);
      const b = fromInput(bIn);
      const mm = wrap((a, b) => np.matmul(a, b));
      return { run: guard(() => [mm(a.ref, b.ref).dataSync()]), read: readAsIs };
    },
    w2(inputs) {
      const step = w2Step(inputs, wrap);
      return { run: guard(() => [step().dataSync()]), read: readAsIs };
    },
    w3({ a: aIn, b: bIn, c: cIn }, backwardToo) {
      const a = fromInput(aIn);
      const b = fromInput(bIn);
      const c = fromInput(cIn);
      const f = (a, b, c) => np.exp(a.mul(b).add(c)).mul(0.5).sum();
      const h = wrap(backwardToo ? grad(f) : f);
      return { run: guard(() => [h(a.ref, b.ref, c.ref).dataSync()]), read: readAsIs };
    },
    w4({ ops, x: xIn }) {
      const x = fromInput(xIn);
      const f = (x) => {
        let h = x;
        for (let i = 0; i < ops; i++) h = i % 5 === 4 ? np.tanh(h) : i % 2 ? h.mul(0.999) : h.add(0.001);
        return h.sum();
      };
      const g = wrap(grad(f));
      return { run: guard(() => [g(x.ref).dataSync()]), read: readAsIs };
    },
    w5({ x: xIn, w: wIn, b: bIn }, backwardToo = false) {
      // NCHW images and OIHW filters, as tapegrad's.
      const x = fromInput(xIn);
      const w = fromInput(wIn);
      const b = fromInput({ shape: [bIn.shape[0], 1, 1], data: bIn.data });
      const conv = (x, w, b) => lax.convWithGeneralPadding(x, w, [1, 1], [[1, 1], [1, 1]]).add(b);
      if (!backwardToo) {
        const f = wrap(conv);
        return { run: guard(() => [f(x.ref, w.ref, b.ref).dataSync()]), read: readAsIs };
      }
      const g = wrap(grad((p, b) => conv(p.x, p.w, b).sum()));
      const run = () => {
        const d = g({ x: x.ref, w: w.ref }, b.ref);
        return [d.x.dataSync(), d.w.dataSync()];
      };
      return { run: guard(run), read: readAsIs };
    },
  };
}

/**
 * jax-js on its webgpu device, under jit, on the bench's adapter (gpu.mjs:
 * jax-js finds it through navigator.gpu). Arrays are computed lazily and
 * asynchronously: a timed step ends when its result is ready on the GPU
 * (`blockUntilReady`, W1) or read (W2's loss).
 */
export async function createJaxWebGpu(probe) {
  const devices = await init('webgpu');
  if (!devices.includes('webgpu')) throw new Error('jax-js: no webgpu device');
  assertSameAdapter('jax-js', getWebGPUDevice().adapterInfo, probe);
  const name = 'jax-js-webgpu';
  const activate = () => defaultDevice('webgpu');
  activate();
  const guard = (run) => onBackend(name, 'webgpu', () => defaultDevice(), run);
  return {
    name,
    backend: 'webgpu',
    activate,
    w1({ a: aIn, b: bIn }) {
      const a = fromInput(aIn);
      const b = fromInput(bIn);
      const mm = jit((a, b) => np.matmul(a, b));
      // The last product, kept until the next run or its read (which consumes it).
      let last = null;
      const run = async () => {
        last?.dispose();
        last = mm(a.ref, b.ref);
        await last.blockUntilReady();
      };
      const read = async () => {
        const data = await last.data();
        last = null;
        return [data];
      };
      return { run: guard(run), read };
    },
    w2(inputs) {
      const step = w2Step(inputs, jit);
      return { run: guard(async () => [await step().data()]), read: readAsIs };
    },
  };
}
