import { readFile, writeFile } from 'node:fs/promises';
import type { Tensor } from '@tapegrad/core';
import { loadModule, loadSafetensors, saveModule, saveSafetensors, type SafetensorsContents } from '../io/safetensors.js';
import type { LoadStateDictOptions, LoadStateDictResult, Module } from '../module.js';
import { SafetensorsError } from '../errors.js';

// Node-only helpers, in their own entry (`@tapegrad/nn/node`) so that the main
// entry stays free of Node APIs and runs in browsers.

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
    throw new SafetensorsError(`${op}: cannot read '${path}': ${fileProblem(err)}`, { cause: err });
  }
}

async function writeBytes(op: string, path: string, bytes: Uint8Array): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (err) {
    throw new SafetensorsError(`${op}: cannot write '${path}': ${fileProblem(err)}`, { cause: err });
  }
}

/**
 * Writes tensors to a safetensors file.
 *
 * @example
 * ```ts
 * await saveSafetensorsFile('weights.safetensors', { w, b }, { format: 'pt' });
 * ```
 */
export async function saveSafetensorsFile(
  path: string,
  tensors: Readonly<Record<string, Tensor>>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await writeBytes('saveSafetensorsFile', path, saveSafetensors(tensors, metadata));
}

/**
 * Reads a safetensors file; the whole file is validated before any tensor is made.
 *
 * @example
 * ```ts
 * const { tensors, metadata } = await loadSafetensorsFile('weights.safetensors');
 * ```
 */
export async function loadSafetensorsFile(path: string): Promise<SafetensorsContents> {
  return loadSafetensors(await readBytes('loadSafetensorsFile', path));
}

/**
 * Writes a module's state dict (parameters and buffers) to a safetensors file.
 *
 * @example
 * ```ts
 * await saveModuleFile(model, 'model.safetensors');
 * ```
 */
export async function saveModuleFile(model: Module, path: string, metadata?: Readonly<Record<string, string>>): Promise<void> {
  await writeBytes('saveModuleFile', path, saveModule(model, metadata));
}

/**
 * Loads a safetensors file into a module; a bad file or a mismatch leaves the module untouched.
 *
 * @example
 * ```ts
 * await loadModuleFile(model, 'model.safetensors');
 * ```
 */
export async function loadModuleFile(
  model: Module,
  path: string,
  options: LoadStateDictOptions = {},
): Promise<LoadStateDictResult & { readonly metadata: Record<string, string> }> {
  return loadModule(model, await readBytes('loadModuleFile', path), options);
}
