/**
 * Node-only helpers: safetensors files.
 *
 * @module @tapegrad/nn/node
 */
export { saveSafetensorsFile, loadSafetensorsFile, saveModuleFile, loadModuleFile } from './safetensors-files.js';
