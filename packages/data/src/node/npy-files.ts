import { readFileBytes, writeFileBytes } from '@tapegrad/core/node';
import type { Tensor } from '@tapegrad/core';
import { NpyError } from '../errors.js';
import { loadNpy, saveNpy } from '../npy.js';
import { loadNpzAsync, saveNpz } from '../npz.js';

// Node-only helpers, in their own entry (`@tapegrad/data/node`) so that the
// main entry stays free of Node APIs and runs in browsers.

/**
 * Reads a `.npy` file into a tensor (see `loadNpy` for the dtypes).
 *
 * @example
 * ```ts
 * const x = await loadNpyFile('x.npy');
 * ```
 */
export async function loadNpyFile(path: string): Promise<Tensor> {
  return loadNpy(await readFileBytes('loadNpyFile', path, NpyError));
}

/**
 * Writes a tensor to a `.npy` file.
 *
 * @example
 * ```ts
 * await saveNpyFile('x.npy', randn([3, 4]));
 * ```
 */
export async function saveNpyFile(path: string, t: Tensor): Promise<void> {
  await writeFileBytes('saveNpyFile', path, saveNpy(t), NpyError);
}

/**
 * Reads a `.npz` file, stored or compressed, into a map of named tensors.
 *
 * @example
 * ```ts
 * const arrays = await loadNpzFile('data.npz');
 * ```
 */
export async function loadNpzFile(path: string): Promise<Map<string, Tensor>> {
  return loadNpzAsync(await readFileBytes('loadNpzFile', path, NpyError));
}

/**
 * Writes named tensors to an uncompressed `.npz` file.
 *
 * @example
 * ```ts
 * await saveNpzFile('data.npz', { x, y });
 * ```
 */
export async function saveNpzFile(path: string, tensors: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>): Promise<void> {
  await writeFileBytes('saveNpzFile', path, saveNpz(tensors), NpyError);
}
