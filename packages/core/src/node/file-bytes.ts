import { readFile, writeFile } from 'node:fs/promises';

/** An error class a file failure is reported as (the package's own, such as `SafetensorsError`). */
type ErrorClass = new (message: string, options?: { cause?: unknown }) => Error;

/** What went wrong with a file, in words, from Node's error code. */
function fileProblem(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const words: Record<string, string> = { ENOENT: 'no such file or directory', EACCES: 'permission denied', EISDIR: 'it is a directory', ENOTDIR: 'a part of the path is not a directory' };
  const known = typeof code === 'string' && Object.hasOwn(words, code) ? `${words[code]} (${code})` : undefined;
  return known ?? (err instanceof Error ? err.message : String(err));
}

/**
 * The bytes of the file at `path`; a failure throws `error` naming `op`, the
 * path and what went wrong in words (the Node error is its `cause`). For the
 * file helpers of tapegrad's packages.
 *
 * @example
 * ```ts
 * const bytes = await readFileBytes('loadSafetensorsFile', 'model.safetensors', SafetensorsError);
 * ```
 */
export async function readFileBytes(op: string, path: string, error: ErrorClass): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new error(`${op}: cannot read '${path}': ${fileProblem(err)}`, { cause: err });
  }
}

/**
 * Writes `bytes` to the file at `path`; a failure throws `error` as
 * {@link readFileBytes} does.
 *
 * @example
 * ```ts
 * await writeFileBytes('saveNpyFile', 'x.npy', saveNpy(x), NpyError);
 * ```
 */
export async function writeFileBytes(op: string, path: string, bytes: Uint8Array, error: ErrorClass): Promise<void> {
  try {
    await writeFile(path, bytes);
  } catch (err) {
    throw new error(`${op}: cannot write '${path}': ${fileProblem(err)}`, { cause: err });
  }
}
