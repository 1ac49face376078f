/**
 * The mark every tensor carries, shared by every copy of `@tapegrad/core` in a
 * process (`Symbol.for`), so that a tensor made by another copy (an ESM and a
 * CJS build loaded side by side) is recognised and reported rather than taken
 * for an arbitrary object.
 */
export const tensorBrand: unique symbol = Symbol.for('tapegrad.tensor');

/**
 * Whether `v` is a tensor of some copy of tapegrad (this one or another).
 *
 * @example
 * ```ts
 * hasTensorBrand(zeros([2])); // true
 * ```
 */
export function hasTensorBrand(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { [tensorBrand]?: unknown })[tensorBrand] === true;
}

/**
 * The message for a tensor made by another copy of `@tapegrad/core`.
 *
 * @example
 * ```ts
 * throw new TapegradError(foreignTensorMessage('add', 'other'));
 * ```
 */
export function foreignTensorMessage(fn: string, what: string): string {
  return (
    `${fn}: ${what} is a tensor made by another copy of @tapegrad/core (two copies are loaded in this process, ` +
    `for example its ESM and its CommonJS build, or two installed versions); tensors of one copy cannot be used by the other. ` +
    `Load @tapegrad/core one way only (all import or all require) and deduplicate it in node_modules`
  );
}

/** The symbol Node's `util.inspect` (and so `console.log` and the REPL) asks an object to print itself with. */
export const nodeInspect: unique symbol = Symbol.for('nodejs.util.inspect.custom');

/** The symbol Deno's `console.log` and `Deno.inspect` ask an object to print itself with. */
export const denoInspect: unique symbol = Symbol.for('Deno.customInspect');
