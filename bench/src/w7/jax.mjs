// W7 in jax-js under jit (the wasm device): the same model in numpy-style
// ops, parameters in PyTorch's layouts (linear maps x·Wᵀ + b), the token
// embedding a product with one-hot rows, the causal mask additive (-1e9 above
// the diagonal: exp underflows to the same 0 as PyTorch's -inf), GELU exact,
// and AdamW written out as PyTorch's, inside the jitted step. jax-js arrays
// are reference counted: each use consumes one reference, `.ref` adds one.
import { numpy as np, jit, valueAndGrad, defaultDevice, nn } from '@jax-js/jax';
import { onBackend } from '../cross-check.mjs';

/** `lib` is the jax-js jit library object of libs/jax.mjs (its device initialised). */
export function w7Jax(lib) {
  return ({ config, params, ids, targets }) => {
    const { vocab, context, dim, heads, layers, batch, lr, betas, eps, weightDecay } = config;
    const [b1, b2] = betas;
    const hd = dim / heads;
    const n = batch * context;
    const keys = params.map((p) => p.name);
    let p = Object.fromEntries(params.map((q) => [q.name, np.array(q.data).reshape(q.shape)]));
    let m = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)]));
    let v = Object.fromEntries(keys.map((k) => [k, np.zerosLike(p[k].ref)]));
    const oneHot = (data) => {
      const out = new Float32Array(n * vocab);
      data.forEach((c, i) => (out[i * vocab + c] = 1));
      return np.array(out).reshape([n, vocab]);
    };
    const tokens = oneHot(ids.data);
    const labels = oneHot(targets.data);
    const upper = new Float32Array(context * context);
    for (let i = 0; i < context; i++) for (let j = i + 1; j < context; j++) upper[i * context + j] = -1e9;
    const mask = np.array(upper).reshape([context, context]);

    const linear = (x, w, b) => np.matmul(x, w.transpose()).add(b);
    const layerNorm = (x, w, b) => {
      const mean = x.ref.mean(-1, { keepdims: true });
      const centered = x.sub(mean);
      const variance = np.square(centered.ref).mean(-1, { keepdims: true });
      return centered.div(np.sqrt(variance.add(1e-5))).mul(w).add(b);
    };
    const attention = (x, q, name, mask) => {
      const qkv = linear(x, q[`${name}.in_proj_weight`], q[`${name}.in_proj_bias`]).reshape([batch, context, 3, heads, hd]).transpose([2, 0, 3, 1, 4]);
      const [qh, kh, vh] = np.split(qkv, 3, 0).map((t) => t.reshape([batch, heads, context, hd]));
      const scores = np.matmul(qh, kh.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(hd)).add(mask);
      const merged = np.matmul(nn.softmax(scores, -1), vh).transpose([0, 2, 1, 3]).reshape([n, dim]);
      return linear(merged, q[`${name}.out_proj.weight`], q[`${name}.out_proj.bias`]);
    };
    const loss = (q, tokens, labels, mask) => {
      let x = np.matmul(tokens, q['tokens.weight']).reshape([batch, context, dim]).add(q['positions.weight']).reshape([n, dim]);
      for (let l = 0; l < layers; l++) {
        const b = `blocks.${l}`;
        const h = layerNorm(x.ref, q[`${b}.norm1.weight`], q[`${b}.norm1.bias`]);
        const y = x.add(attention(h, q, `${b}.attention`, l < layers - 1 ? mask.ref : mask));
        const z = layerNorm(y.ref, q[`${b}.norm2.weight`], q[`${b}.norm2.bias`]);
        x = y.add(linear(nn.gelu(linear(z, q[`${b}.mlp.0.weight`], q[`${b}.mlp.0.bias`]), { approximate: false }), q[`${b}.mlp.2.weight`], q[`${b}.mlp.2.bias`]));
      }
      const logits = linear(layerNorm(x, q['norm.weight'], q['norm.bias']), q['head.weight'], q['head.bias']);
      return nn.logSoftmax(logits, -1).mul(labels).sum().mul(-1 / n);
    };
    const step = jit((p, m, v, tokens, labels, mask, bc1, bc2) => {
      const pr = Object.fromEntries(keys.map((k) => [k, p[k].ref]));
      const [l, g] = valueAndGrad(loss)(pr, tokens, labels, mask);
      const np_ = {};
      const nm = {};
      const nv = {};
      for (const k of keys) {
        const gk = g[k];
        nm[k] = m[k].mul(b1).add(gk.ref.mul(1 - b1));
        nv[k] = v[k].mul(b2).add(np.square(gk).mul(1 - b2));
        const denom = np.sqrt(nv[k].ref).div(np.sqrt(bc2.ref)).add(eps);
        np_[k] = p[k].mul(1 - lr * weightDecay).sub(nm[k].ref.div(bc1.ref).mul(lr).div(denom));
      }
      bc1.dispose();
      bc2.dispose();
      return [np_, nm, nv, l];
    });
    let t = 0;
    const run = () => {
      t++;
      let l;
      [p, m, v, l] = step(p, m, v, tokens.ref, labels.ref, mask.ref, np.array(1 - b1 ** t), np.array(1 - b2 ** t));
      return l.dataSync()[0];
    };
    return { run: onBackend(lib.name, 'wasm', () => defaultDevice(), run), read: async (x) => [[x]] };
  };
}
