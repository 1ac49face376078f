export { loadNpyFile, saveNpyFile, loadNpzFile, saveNpzFile } from './npy-files.js';
