// tapegrad, on the backend it picks by default (WebAssembly SIMD here) and on
// its reference backend: core ops, and @tapegrad/optim's Adam for the training step.
// Each workload returns `run` (the timed step, which checks the backend
// first) and `read` (its result as arrays, for the cross-check).
import * as tg from '@tapegrad/core';
import { Adam } from '@tapegrad/optim';
import { onBackend } from '../cross-check.mjs';

const fromInput = ({ shape, data }) => tg.tensor(data, { shape });
const readTensors = async (ts) => Promise.all((Array.isArray(ts) ? ts : [ts]).map((t) => t.dataAsync()));
const readNumber = async (v) => [[v]];

/**
 * W2's training step on the active backend: builds the MLP's parameters,
 * batch and Adam from the inputs, and returns a function that runs one step
 * (forward, backward, update) and returns the loss tensor.
 */
export function w2Step({ params: init, x: xIn, labels, lr, eps }) {
  const params = init.map((p) => fromInput(p).requiresGrad_());
  const x = fromInput(xIn);
  const y = tg.tensor(labels, { shape: [labels.length, 1] });
  const opt = new Adam(params, { lr, eps });
  return () => {
    let h = x;
    for (let i = 0; i < 3; i++) {
      h = h.matmul(params[2 * i]).add(params[2 * i + 1]);
      if (i < 2) h = h.relu();
    }
    // NOTE: log-softmax through logsumexp, which subtracts the max.
    const logp = h.sub(h.logsumexp(1, true));
    const loss = logp.gather(1, y).mean().neg();
    opt.zeroGrad();
    loss.backward();
    opt.step();
    return loss;
  };
}

export function createTapegrad(backend, name = backend === 'js' ? 'tapegrad-js' : 'tapegrad') {
  const activate = () => tg.setBackend(backend);
  const guard = (run) => onBackend(name, backend, () => tg.getBackend().name, run);
  return {
    name,
    backend,
    // The threaded rows (tapegrad-threads.mjs) change a process-wide setting: back to one thread.
    activate: async () => {
      activate();
      await tg.setNumThreads(1);
    },
    w1({ a: aIn, b: bIn }) {
      activate();
      const a = fromInput(aIn);
      const b = fromInput(bIn);
      return { run: guard(() => a.matmul(b).realize()), read: readTensors };
    },
    // `pool`: recycle storage through the collector (configureStoragePool), set on every run
    // because the library's other rows alternate with it.
    w2(inputs, { pool = false } = {}) {
      activate();
      const step = w2Step(inputs);
      const run = () => {
        tg.configureStoragePool({ recycleCollected: pool });
        return step().item();
      };
      return { run: guard(run), read: readNumber };
    },
    w3({ a: aIn, b: bIn, c: cIn }, backwardToo, { pool = false } = {}) {
      activate();
      const a = fromInput(aIn).requiresGrad_(backwardToo);
      const b = fromInput(bIn);
      const c = fromInput(cIn);
      const run = () => {
        tg.configureStoragePool({ recycleCollected: pool });
        const s = a.mul(b).add(c).exp().mul(0.5).sum();
        if (!backwardToo) return s.item();
        s.backward();
        const g = a.grad.realize();
        a.grad = null;
        return g;
      };
      return { run: guard(run), read: backwardToo ? readTensors : readNumber };
    },
    w4({ ops, x: xIn }) {
      activate();
      const x = fromInput(xIn).requiresGrad_();
      const run = () => {
        let h = x;
        for (let i = 0; i < ops; i++) h = i % 5 === 4 ? h.tanh() : i % 2 ? h.mul(0.999) : h.add(0.001);
        h.sum().backward();
        const g = x.grad;
        x.grad = null;
        return g;
      };
      return { run: guard(run), read: readTensors };
    },
    w5({ x: xIn, w: wIn, b: bIn }, backwardToo = false) {
      activate();
      const x = fromInput(xIn).requiresGrad_(backwardToo);
      const w = fromInput(wIn).requiresGrad_(backwardToo);
      const b = fromInput(bIn);
      if (!backwardToo) return { run: guard(() => tg.conv2d(x, w, b, { padding: 1 }).realize()), read: readTensors };
      const run = () => {
        tg.conv2d(x, w, b, { padding: 1 }).sum().backward();
        const grads = [x.grad.realize(), w.grad.realize()];
        x.grad = null;
        w.grad = null;
        return grads;
      };
      return { run: guard(run), read: readTensors };
    },
  };
}
