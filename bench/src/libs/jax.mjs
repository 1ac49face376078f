// jax-js 0.1.25 on its wasm device (single-threaded in Node 20, which has no
// web Workers), eager and under jit. Its arrays are reference counted: every
// call consumes its arguments, `.ref` keeps one alive.
import { numpy as np, jit, grad, init, defaultDevice, nn, lax, random } from '@jax-js/jax';

function randn(shape, seed) {
  const n = shape.reduce((p, s) => p * s, 1);
  const a = new Float32Array(n);
  let s = seed * 2654435761 >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * 0.35;
  }
  return np.array(a).reshape(shape);
}

export async function createJax(jitted) {
  const devices = await init('wasm');
  if (!devices.includes('wasm')) throw new Error('jax-js: no wasm device');
  defaultDevice('wasm');
  void random;
  const name = jitted ? 'jax-js-jit' : 'jax-js';
  const wrap = (f) => (jitted ? jit(f) : f);
  return {
    name,
    w1(N) {
      const a = randn([N, N], 1);
      const b = randn([N, N], 2);
      const mm = wrap((a, b) => np.matmul(a, b));
      return () => mm(a.ref, b.ref).dataSync();
    },
    w2() {
      const layers = [784, 512, 256, 10];
      const keys = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'];
      let p = {};
      for (let i = 0; i < 3; i++) {
        p[keys[2 * i]] = randn([layers[i], layers[i + 1]], 10 + i);
        p[keys[2 * i + 1]] = np.zeros([layers[i + 1]]);
      }
      let m = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)]));
      let v = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)]));
      const x = randn([256, 784], 3);
      const labels = new Float32Array(2560);
      for (let i = 0; i < 256; i++) labels[i * 10 + ((i * 7) % 10)] = 1;
      const y = np.array(labels).reshape([256, 10]);
      const loss = (p, x, y) => {
        const h1 = nn.relu(np.matmul(x, p.w1).add(p.b1));
        const h2 = nn.relu(np.matmul(h1, p.w2).add(p.b2));
        const logits = np.matmul(h2, p.w3).add(p.b3);
        return nn.logSoftmax(logits).mul(y).sum().mul(-1 / 256);
      };
      const [b1, b2, lr, eps] = [0.9, 0.999, 1e-3, 1e-8];
      const step = wrap((p, m, v, x, y, bc1, bc2) => {
        const pr = Object.fromEntries(keys.map((k) => [k, p[k].ref]));
        const g = grad(loss)(pr, x, y);
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
        return [np_, nm, nv];
      });
      let t = 0;
      return () => {
        t++;
        [p, m, v] = step(p, m, v, x.ref, y.ref, np.array(1 - b1 ** t), np.array(1 - b2 ** t));
        return p.b3.ref.dataSync();
      };
    },
    w3(backwardToo) {
      const n = 1_000_000;
      const a = randn([n], 5);
      const b = randn([n], 6);
      const c = randn([n], 7);
      const f = (a, b, c) => np.exp(a.mul(b).add(c)).mul(0.5).sum();
      const h = wrap(backwardToo ? grad(f) : f);
      return () => h(a.ref, b.ref, c.ref).dataSync();
    },
    w4(ops) {
      const x = np.array(new Float32Array([0.1, 0.2, 0.3, 0.4]));
      const f = (x) => {
        let h = x;
        for (let i = 0; i < ops; i++) h = i % 5 === 4 ? np.tanh(h) : i % 2 ? h.mul(0.999) : h.add(0.001);
        return h.sum();
      };
      const g = wrap(grad(f));
      return () => g(x.ref).dataSync();
    },
    w5(backwardToo = false) {
      const x = randn([32, 3, 32, 32], 8);
      const w = randn([16, 3, 3, 3], 9);
      const conv = (x, w) => lax.convWithGeneralPadding(x, w, [1, 1], [[1, 1], [1, 1]]);
      if (!backwardToo) {
        const f = wrap(conv);
        return () => f(x.ref, w.ref).dataSync();
      }
      const g = wrap(grad((p) => conv(p.x, p.w).sum()));
      return () => {
        const d = g({ x: x.ref, w: w.ref });
        return [d.x.dataSync(), d.w.dataSync()];
      };
    },
  };
}
