import { readFileBytes, writeFileBytes } from '@tapegrad/core/node';
import type { Tensor } from '@tapegrad/core';
import { loadModule, loadSafetensors, saveModule, saveSafetensors, type SafetensorsContents } from '../io/safetensors.js';
import type { LoadStateDictOptions, LoadStateDictResult, Module } from '../module.js';
import { SafetensorsError } from '../errors.js';

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
  await writeFileBytes('saveSafetensorsFile', path, saveSafetensors(tensors, metadata), SafetensorsError);
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
  return loadSafetensors(await readFileBytes('loadSafetensorsFile', path, SafetensorsError));
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
  await writeFileBytes('saveModuleFile', path, saveModule(model, metadata), SafetensorsError);
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
  return loadModule(model, await readFileBytes('loadModuleFile', path, SafetensorsError), options);
}
