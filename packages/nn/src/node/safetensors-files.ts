import { readFile, writeFile } from 'node:fs/promises';
import type { Tensor } from '@tapegrad/core';
import { loadModule, loadSafetensors, saveModule, saveSafetensors, type SafetensorsContents } from '../io/safetensors.js';
import type { LoadStateDictOptions, LoadStateDictResult, Module } from '../module.js';

// Node-only helpers, in their own entry (`@tapegrad/nn/node`) so that the main
// entry stays free of Node APIs and runs in browsers.

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
  await writeFile(path, saveSafetensors(tensors, metadata));
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
  return loadSafetensors(new Uint8Array(await readFile(path)));
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
  await writeFile(path, saveModule(model, metadata));
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
  return loadModule(model, new Uint8Array(await readFile(path)), options);
}
