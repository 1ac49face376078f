import { TapegradError } from '@tapegrad/core';

/**
 * Thrown for datasets and loaders used wrongly: split lengths that do not add
 * up, an index out of range, samples the default collate cannot batch, an async
 * dataset iterated synchronously.
 *
 * @example
 * ```ts
 * try { randomSplit(dataset, [3, 3]); } catch (e) { if (e instanceof DataError) console.log(e.message); }
 * ```
 */
export class DataError extends TapegradError {
  override name = 'DataError';
}

/**
 * Thrown when `.npy` or `.npz` bytes are malformed (bad magic, truncated data, a
 * header that is not a dict, a shape that does not match the data, a bad zip
 * record or CRC) or hold a dtype tapegrad cannot represent. Nothing is loaded
 * when it is thrown.
 *
 * @example
 * ```ts
 * try { loadNpy(new Uint8Array(4)); } catch (e) { if (e instanceof NpyError) console.log(e.message); }
 * ```
 */
export class NpyError extends TapegradError {
  override name = 'NpyError';
}
