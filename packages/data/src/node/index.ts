/**
 * Node-only helpers: .npy and .npz files.
 *
 * @module @tapegrad/data/node
 */
export { loadNpyFile, saveNpyFile, loadNpzFile, saveNpzFile } from './npy-files.js';
