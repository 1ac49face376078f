/**
 * Datasets, the DataLoader, and NumPy .npy/.npz.
 *
 * @module @tapegrad/data
 */
export { DataError, NpyError } from './errors.js';
export { Subset, type Dataset, type ItemOf } from './dataset.js';
export { TensorDataset } from './tensor-dataset.js';
export { randomSplit, type RandomSplitOptions } from './random-split.js';
export { defaultCollate, type Collated } from './collate.js';
export { DataLoader, type DataLoaderOptions } from './data-loader.js';
export { loadNpy, saveNpy } from './npy.js';
export { loadNpz, loadNpzAsync, saveNpz } from './npz.js';
