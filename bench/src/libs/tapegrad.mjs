// tapegrad, on the backend it picks by default (WebAssembly SIMD here) and on
// its reference backend: core ops, and @tapegrad/optim's Adam for the training step.
import * as tg from '@tapegrad/core';
import { Adam } from '@tapegrad/optim';

function rand(shape, seed) {
  const g = new tg.Generator(seed);
  return tg.randn(shape, { generator: g }).mul(0.1);
}

export function createTapegrad(backend) {
  const name = backend === 'js' ? 'tapegrad-js' : 'tapegrad';
  const activate = () => tg.setBackend(backend);
  return {
    name,
    // The threaded rows (tapegrad-threads.mjs) change a process-wide setting: back to one thread.
    activate: async () => {
      activate();
      await tg.setNumThreads(1);
    },
    w1(N) {
      activate();
      const a = rand([N, N], 1);
      const b = rand([N, N], 2);
      return () => a.matmul(b).realize();
    },
    // `pool`: recycle storage through the collector (configureStoragePool), set on every run
    // because the library's other rows alternate with it.
    w2({ pool = false } = {}) {
      activate();
      const layers = [784, 512, 256, 10];
      const params = [];
      for (let i = 0; i < 3; i++) {
        params.push(rand([layers[i], layers[i + 1]], 10 + i).requiresGrad_());
        params.push(tg.zeros([layers[i + 1]]).requiresGrad_());
      }
      const x = rand([256, 784], 3);
      const y = tg.randint(0, 10, [256], { generator: new tg.Generator(4) });
      const opt = new Adam(params, { lr: 1e-3 });
      return () => {
        tg.configureStoragePool({ recycleCollected: pool });
        let h = x;
        for (let i = 0; i < 3; i++) {
          h = h.matmul(params[2 * i]).add(params[2 * i + 1]);
          if (i < 2) h = h.relu();
        }
        // NOTE: log-softmax through logsumexp, which subtracts the max.
        const logp = h.sub(h.logsumexp(1, true));
        const loss = logp.gather(1, y.unsqueeze(1)).mean().neg();
        opt.zeroGrad();
        loss.backward();
        opt.step();
        return loss.item();
      };
    },
    w3(backwardToo, { pool = false } = {}) {
      activate();
      const n = 1_000_000;
      const a = tg.rand([n], { generator: new tg.Generator(5) }).requiresGrad_(backwardToo);
      const b = tg.rand([n], { generator: new tg.Generator(6) });
      const c = tg.rand([n], { generator: new tg.Generator(7) });
      return () => {
        tg.configureStoragePool({ recycleCollected: pool });
        const s = a.mul(b).add(c).exp().mul(0.5).sum();
        if (!backwardToo) return s.item();
        s.backward();
        const g = a.grad.realize();
        a.grad = null;
        return g;
      };
    },
    w4(ops) {
      activate();
      const x = tg.tensor([0.1, 0.2, 0.3, 0.4], { requiresGrad: true });
      return () => {
        let h = x;
        for (let i = 0; i < ops; i++) h = i % 5 === 4 ? h.tanh() : i % 2 ? h.mul(0.999) : h.add(0.001);
        h.sum().backward();
        x.grad = null;
      };
    },
    w5(backwardToo = false) {
      activate();
      if (typeof tg.conv2d !== 'function') throw new Error('n/a: core has no conv2d');
      const x = rand([32, 3, 32, 32], 8).requiresGrad_(backwardToo);
      const w = rand([16, 3, 3, 3], 9).requiresGrad_(backwardToo);
      const b = tg.zeros([16]);
      if (!backwardToo) return () => tg.conv2d(x, w, b, { padding: 1 }).realize();
      return () => {
        tg.conv2d(x, w, b, { padding: 1 }).sum().backward();
        const grads = [x.grad.realize(), w.grad.realize()];
        x.grad = null;
        w.grad = null;
        return grads;
      };
    },
  };
}
