import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { apply } from '../primitives/apply.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { expand, reshape, squeeze, unsqueeze } from './movement.js';

function mismatch(a: Tensor, b: Tensor, why: string): ShapeError {
  return new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${why})`);
}

/**
 * Matrix product with PyTorch's cases: vector·vector (a 0-d result),
 * matrix·vector, vector·matrix, matrix·matrix, and batches whose leading dims
 * broadcast.
 *
 * @example
 * ```ts
 * matmul(x, w); // [n, d] · [d, p] → [n, p]
 * matmul(randn([8, 3, 4]), randn([4, 5])); // [8, 3, 5]
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim === 0 || b.ndim === 0) throw mismatch(a, b, 'both arguments need at least 1 dim');
  if (a.dtype === 'bool' || b.dtype === 'bool') throw new DTypeError(`matmul: bool tensors cannot be multiplied (got ${a.dtype} and ${b.dtype})`);
  // Checked here, before vectors are turned into matrices, so that the message shows the shapes the caller passed.
  const inner = b.shape[Math.max(0, b.ndim - 2)]!;
  if (a.shape[a.ndim - 1] !== inner) throw mismatch(a, b, `inner sizes ${a.shape[a.ndim - 1]} and ${inner} differ`);
  if (a.ndim > 2 && b.ndim > 2) {
    try {
      broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    } catch {
      throw mismatch(a, b, `batch dims ${fmtShape(a.shape.slice(0, -2))} and ${fmtShape(b.shape.slice(0, -2))} do not broadcast`);
    }
  }
  if (a.ndim === 1 && b.ndim === 1) return reshape(matmul(unsqueeze(a, 0), unsqueeze(b, 1)), []);
  if (a.ndim === 1) return squeeze(matmul(unsqueeze(a, 0), b), -2);
  if (b.ndim === 1) return squeeze(matmul(a, unsqueeze(b, 1)), -1);
  const k = a.shape[a.ndim - 1]!;
  if (k !== b.shape[b.ndim - 2]) throw mismatch(a, b, `inner sizes ${k} and ${b.shape[b.ndim - 2]} differ`);
  const m = a.shape[a.ndim - 2]!;
  const n = b.shape[b.ndim - 1]!;
  if (b.ndim === 2 && a.ndim > 2) {
    // Fold a's batch into its rows: one [B·M, K] · [K, N] product.
    const batch = a.shape.slice(0, -2);
    return reshape(apply('matmul', [reshape(a, [-1, k]), b], undefined), [...batch, m, n]);
  }
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (shapesEqual(batchA, batchB)) return apply('matmul', [a, b], undefined);
  const batch = broadcastShapes('matmul', batchA, batchB);
  return apply('matmul', [expand(a, [...batch, m, k]), expand(b, [...batch, k, n])], undefined);
}

/**
 * Inner product of two 1-D tensors of the same length.
 *
 * @example
 * ```ts
 * dot(tensor([1, 2]), tensor([3, 4])).item(); // 11
 * ```
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1 || a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`dot: expected two 1-D tensors of the same length, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  return matmul(a, b);
}

/**
 * Outer product of two 1-D tensors: `out[i][j] = a[i]·b[j]`.
 *
 * @example
 * ```ts
 * outer(tensor([1, 2]), tensor([3, 4, 5])); // shape [2, 3]
 * ```
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  if (a.ndim !== 1 || b.ndim !== 1) throw new ShapeError(`outer: expected two 1-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  return unsqueeze(a, 1).mul(unsqueeze(b, 0));
}
