// W7 in TensorFlow.js (the column's backend, wasm in the table): the same
// model written in tf ops (TF.js has no multi-head attention or layer norm
// layer in tfjs-core), parameters in PyTorch's layouts (linear maps x·Wᵀ + b),
// the token embedding a product with one-hot rows, the causal mask additive (-1e9 above the diagonal: exp underflows to the
// same 0 as PyTorch's -inf), GELU exact (erf), and AdamW as PyTorch's: the
// gradient at the current weights, the weights decayed by lr·weightDecay,
// then tf.train.adam's step (its ε sits outside the √(1−β₂ᵗ) correction:
// ε·√(1−β₂ᵗ) in PyTorch's terms, far below every √v here).
import { createRequire } from 'node:module';
import { onBackend } from '../cross-check.mjs';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs-core');

/** `lib` is a TF.js library object of libs/tfjs.mjs (loaded, its backend set up). */
export function w7Tfjs(lib) {
  return ({ config, params, ids: idsIn, targets: targetsIn }) => {
    const { vocab, context, dim, heads, layers, batch, lr, betas, eps, weightDecay } = config;
    const hd = dim / heads;
    const n = batch * context;
    const vars = new Map(params.map((p) => [p.name, tf.variable(tf.tensor(p.data, p.shape, 'float32'), true, `w7/${p.name}`)]));
    const v = (name) => vars.get(name);
    // The token embedding as a product with one-hot rows: gather's gradient (UnsortedSegmentSum) has no wasm kernel.
    const tokensOneHot = tf.oneHot(tf.tensor(idsIn.data, [n], 'int32'), vocab);
    const labels = tf.oneHot(tf.tensor(targetsIn.data, [n], 'int32'), vocab);
    const upper = new Float32Array(context * context);
    for (let i = 0; i < context; i++) for (let j = i + 1; j < context; j++) upper[i * context + j] = -1e9;
    const mask = tf.tensor(upper, [context, context]);
    const linear = (x, name) => tf.add(tf.matMul(x, v(`${name}.weight`), false, true), v(`${name}.bias`));
    const layerNorm = (x, name) => {
      const mean = tf.mean(x, -1, true);
      const centered = tf.sub(x, mean);
      const variance = tf.mean(tf.square(centered), -1, true);
      return tf.add(tf.mul(tf.div(centered, tf.sqrt(tf.add(variance, 1e-5))), v(`${name}.weight`)), v(`${name}.bias`));
    };
    const gelu = (x) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
    const attention = (x, name) => {
      const qkv = tf.add(tf.matMul(x, v(`${name}.in_proj_weight`), false, true), v(`${name}.in_proj_bias`));
      // [N·T, 3E] → three [batch, heads, T, hd]
      const split = tf.transpose(tf.reshape(qkv, [batch, context, 3, heads, hd]), [2, 0, 3, 1, 4]);
      const [q, k, val] = tf.unstack(split, 0);
      const scores = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(hd)), mask);
      const merged = tf.reshape(tf.transpose(tf.matMul(tf.softmax(scores), val), [0, 2, 1, 3]), [n, dim]);
      return linear(merged, `${name}.out_proj`);
    };
    const loss = () => {
      const positions = tf.tile(v('positions.weight'), [batch, 1]);
      let x = tf.add(tf.matMul(tokensOneHot, v('tokens.weight')), positions);
      for (let l = 0; l < layers; l++) {
        const b = `blocks.${l}`;
        const y = tf.add(x, attention(layerNorm(x, `${b}.norm1`), `${b}.attention`));
        x = tf.add(y, linear(gelu(linear(layerNorm(y, `${b}.norm2`), `${b}.mlp.0`)), `${b}.mlp.2`));
      }
      return tf.losses.softmaxCrossEntropy(labels, linear(layerNorm(x, 'norm'), 'head'));
    };
    const opt = tf.train.adam(lr, betas[0], betas[1], eps);
    const list = [...vars.values()];
    const run = () => {
      const { value, grads } = tf.variableGrads(loss, list);
      tf.tidy(() => {
        for (const w of list) w.assign(tf.mul(w, 1 - lr * weightDecay));
      });
      opt.applyGradients(grads);
      tf.dispose(grads);
      const l = value.dataSync()[0];
      value.dispose();
      return l;
    };
    return { run: onBackend(lib.name, lib.backend, () => tf.getBackend(), run), read: async (x) => [[x]] };
  };
}
