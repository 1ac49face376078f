// The inputs of every workload, made once in plain typed arrays from a
// seeded generator and handed to each library, so that every peer computes
// the same thing and the cross-check (cross-check.mjs) can compare results.
// Images are NCHW and filters OIHW, as tapegrad's; a peer with another
// layout transposes them when it prepares a workload, untimed.

/** Uniform floats in [0, 1) from mulberry32: small, seeded, the same everywhere. */
export function uniform(n, seed) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
  return out;
}

/** Normal floats with standard deviation `std` (Box–Muller over `uniform`). */
export function normal(n, seed, std = 1) {
  const u = uniform(n + (n & 1), seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u[i])) * std;
    out[i] = r * Math.cos(2 * Math.PI * u[i + 1]);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u[i + 1]);
  }
  return out;
}

const numel = (shape) => shape.reduce((p, s) => p * s, 1);
const array = (shape, data) => ({ shape, data });

/** W1: two N×N matrices. */
export function w1Inputs(N) {
  return { a: array([N, N], normal(N * N, 1, 0.1)), b: array([N, N], normal(N * N, 2, 0.1)) };
}

/** W2: a 784-512-256-10 MLP's initial parameters, one batch of `batch` images (256 unless told) and their labels. */
export function w2Inputs(batch = 256) {
  const layers = [784, 512, 256, 10];
  const params = [];
  for (let i = 0; i < 3; i++) {
    const shape = [layers[i], layers[i + 1]];
    params.push(array(shape, normal(numel(shape), 10 + i, 0.05)));
    params.push(array([layers[i + 1]], new Float32Array(layers[i + 1])));
  }
  const labels = new Int32Array(batch);
  const u = uniform(batch, 4);
  for (let i = 0; i < batch; i++) labels[i] = Math.floor(u[i] * 10);
  return { params, x: array([batch, 784], normal(batch * 784, 3, 1)), labels, lr: 1e-3, eps: 1e-8 };
}

/** W3: three vectors of a million floats in [0, 1). */
export function w3Inputs() {
  const n = 1_000_000;
  return { a: array([n], uniform(n, 5)), b: array([n], uniform(n, 6)), c: array([n], uniform(n, 7)) };
}

/** W4: the 4-element input of the chain of tiny ops. */
export function w4Inputs(ops) {
  return { ops, x: array([4], new Float32Array([0.1, 0.2, 0.3, 0.4])) };
}

/** W5: a batch of 32 3×32×32 images (NCHW), 16 3×3 filters (OIHW), their bias; padding 1. */
export function w5Inputs() {
  return {
    x: array([32, 3, 32, 32], normal(32 * 3 * 32 * 32, 8, 1)),
    w: array([16, 3, 3, 3], normal(16 * 27, 9, 0.2)),
    b: array([16], normal(16, 10, 0.1)),
  };
}

/** Permutes a row-major array of `shape` by `perm` (out axis i is in axis perm[i]). */
export function transpose({ shape, data }, perm) {
  const outShape = perm.map((p) => shape[p]);
  const inStrides = shape.map((_, i) => numel(shape.slice(i + 1)));
  const out = new Float32Array(data.length);
  const idx = new Array(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let k = 0; k < perm.length; k++) src += idx[k] * inStrides[perm[k]];
    out[o] = data[src];
    for (let k = perm.length - 1; k >= 0; k--) {
      if (++idx[k] < outShape[k]) break;
      idx[k] = 0;
    }
  }
  return array(outShape, out);
}
