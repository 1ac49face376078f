import type { DType, TypedArray } from '../../dtype.js';
import { allocate } from '../cpu/allocate.js';
import type { ArrayView } from '../cpu/cpu-kernels.js';
import { batchOffsets } from '../cpu/batch-offsets.js';

/**
 * Batched matrix product `[...batch, M, K] · [...batch, K, N]` on views of
 * any strides (each matrix found by its own offset, see `batchOffsets`).
 * Two loop orders avoid copies: i-k-j when B's rows are contiguous (the inner
 * loop streams a row of B and a row of C), and dot products when A's rows and
 * B's columns are contiguous (the `G · Bᵀ` of backward). Other layouts are
 * gathered into a contiguous copy of B first.
 *
 * @example
 * ```ts
 * matmul(a3d, b3d, 'float32');
 * ```
 */
export function matmul(a: ArrayView, b: ArrayView, outDtype: DType): TypedArray {
  const nd = a.shape.length;
  const [M, K, N] = [a.shape[nd - 2]!, a.shape[nd - 1]!, b.shape[nd - 1]!];
  const aOff = batchOffsets(a);
  let bOff = batchOffsets(b);
  const B = aOff.length;
  const out = allocate(outDtype, B * M * N);
  const [sam, sak] = [a.strides[nd - 2]!, a.strides[nd - 1]!];
  let [sbk, sbn] = [b.strides[nd - 2]!, b.strides[nd - 1]!];
  let bd = b.data;
  const ad = a.data;
  const dotForm = sak === 1 && sbk === 1 && K > 1;
  if (!dotForm && sbn !== 1 && N > 1) {
    // Make B row-contiguous: [B, K, N].
    const packed = new Float64Array(B * K * N);
    for (let p = 0; p < B; p++)
      for (let k = 0; k < K; k++)
        for (let j = 0; j < N; j++) packed[(p * K + k) * N + j] = bd[bOff[p]! + k * sbk + j * sbn]!;
    bd = packed;
    bOff = Int32Array.from({ length: B }, (_, p) => p * K * N);
    [sbk, sbn] = [N, 1];
  }
  if (dotForm) {
    for (let p = 0; p < B; p++) {
      for (let i = 0; i < M; i++) {
        const aRow = aOff[p]! + i * sam;
        const cRow = (p * M + i) * N;
        for (let j = 0; j < N; j++) {
          const bCol = bOff[p]! + j * sbn;
          let acc = 0;
          for (let k = 0; k < K; k++) acc += ad[aRow + k]! * bd[bCol + k]!;
          out[cRow + j] = acc;
        }
      }
    }
    return out;
  }
  // i-k-j with a float64 accumulator row.
  const acc = new Float64Array(N);
  for (let p = 0; p < B; p++) {
    for (let i = 0; i < M; i++) {
      acc.fill(0);
      const aRow = aOff[p]! + i * sam;
      for (let k = 0; k < K; k++) {
        const av = ad[aRow + k * sak]!;
        const bRow = bOff[p]! + k * sbk;
        for (let j = 0; j < N; j++) acc[j]! += av * bd[bRow + j]!;
      }
      const cRow = (p * M + i) * N;
      for (let j = 0; j < N; j++) out[cRow + j] = acc[j]!;
    }
  }
  return out;
}
