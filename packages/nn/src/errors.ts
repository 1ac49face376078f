import { TapegradError } from '@tapegrad/core';

/**
 * Thrown by `Module.loadStateDict` (and `loadModule`) when the given weights do
 * not fit the model: missing or unexpected names, or shapes that differ. The
 * model is left untouched when it is thrown.
 *
 * @example
 * ```ts
 * try { model.loadStateDict({}); } catch (e) { if (e instanceof StateDictError) console.log(e.missingKeys); }
 * ```
 */
export class StateDictError extends TapegradError {
  override name = 'StateDictError';
  /** Names the model has and the dict lacks. */
  readonly missingKeys: readonly string[];
  /** Names the dict has and the model lacks. */
  readonly unexpectedKeys: readonly string[];
  /** Names present in both whose shapes (or kinds) differ, with both shapes. */
  readonly mismatchedKeys: readonly string[];

  constructor(message: string, missingKeys: readonly string[], unexpectedKeys: readonly string[], mismatchedKeys: readonly string[]) {
    super(message);
    this.missingKeys = missingKeys;
    this.unexpectedKeys = unexpectedKeys;
    this.mismatchedKeys = mismatchedKeys;
  }
}

/**
 * Thrown when safetensors bytes are malformed (truncated, bad header length,
 * bad JSON, bad offsets, unknown dtype) or hold values tapegrad cannot represent.
 *
 * @example
 * ```ts
 * try { loadSafetensors(new Uint8Array(3)); } catch (e) { if (e instanceof SafetensorsError) console.log(e.message); }
 * ```
 */
export class SafetensorsError extends TapegradError {
  override name = 'SafetensorsError';
}
