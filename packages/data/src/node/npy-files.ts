import { readFile, writeFile } from 'node:fs/promises';
import type { Tensor } from '@tapegrad/core';
import { NpyError } from '../errors.js';
import { loadNpy, saveNpy } from '../npy.js';
import { loadNpzAsync, saveNpz } from '../npz.js';

// Node-only helpers, in their own entry (`@tapegrad/data/node`) so that the
// main entry stays free of Node APIs and runs in browsers.

/** What went wrong with a file, in words, from Node's error code. */
function fileProblem(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const words: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'it is a directory', ENOTDIR: 'a part of the path is not a directory' };
  const known = typeof code === 'string' && Object.hasOwn(words, code) ? `${words[code]} (${code})` : undefined;
  return known ?? (err instanceof Error ? err.message : String(err));
}

async function readBytes(op: string, path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new NpyError(`${op}: cannot read '${path}': ${fileProblem(err)}`, { cause: err });
  }
}

async function writeBytes(op: string, path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (err) {
    throw new NpyError(`${op}: cannot write '${path}': ${fileProblem(err)}`, { cause: err });
  }
}

/**
 * Reads a `.npy` file into a tensor (see `loadNpy` for the dtypes).
 *
 * @example
 * ```ts
 * const x = await loadNpyFile('x.npy');
 * ```
 */
export async function loadNpyFile(path: string): Promise<Tensor> {
  return loadNpy(await readBytes('loadNpyFile', path));
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
  await writeBytes('saveNpyFile', path, saveNpy(t));
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
  return loadNpzAsync(await readBytes('loadNpzFile', path));
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
  await writeBytes('saveNpzFile', path, saveNpz(tensors));
}
