import { DTYPES } from './dtype.js';
import { DTypeError, OptionError, TapegradError } from './errors.js';
import { hasTensorBrand } from './tensor/brand.js';

/**
 * One option's validator: what it expects, in words, and the test. A value of
 * `undefined` always passes (it means "the default").
 *
 * @example
 * ```ts
 * const even: OptionRule = { expected: 'an even integer', test: (v) => Number.isInteger(v) && (v as number) % 2 === 0 };
 * ```
 */
export interface OptionRule {
  readonly expected: string;
  readonly test: (value: unknown) => boolean;
  /** The error class a failing value throws (the default is the one `checkOptions` throws). */
  readonly error?: new (message: string) => TapegradError;
}

/**
 * The options a function accepts: each key and its validator.
 *
 * @example
 * ```ts
 * const varOptions: OptionRules = { correction: optionRules.finite, keepdim: optionRules.boolean };
 * ```
 */
export type OptionRules = { readonly [key: string]: OptionRule };

/**
 * What {@link checkOptions} may be told besides the rules: a hint for a key
 * that is another library's spelling of something else, and the error class to throw.
 *
 * @example
 * ```ts
 * const extra: CheckOptionsExtra = { hints: { unbiased: 'for unbiased: false pass { correction: 0 }' } };
 * ```
 */
export interface CheckOptionsExtra {
  readonly hints?: { readonly [key: string]: string };
  readonly error?: new (message: string) => TapegradError;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);
const isFiniteNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const rule = (expected: string, test: (v: unknown) => boolean): OptionRule => ({ expected, test });
const isSize = (v: unknown): boolean => (Number.isInteger(v) && (v as number) >= 0);

/**
 * The validators options are declared with.
 *
 * @example
 * ```ts
 * const rules: OptionRules = { lr: optionRules.nonNegative, nesterov: optionRules.boolean, mode: optionRules.oneOf('min', 'max') };
 * ```
 */
export const optionRules = {
  /** Any value (the function checks it itself). */
  any: rule('any value', () => true),
  /** A number, not NaN (infinities allowed). */
  number: rule('a number', isNum),
  /** A finite number. */
  finite: rule('a finite number', isFiniteNum),
  /** A finite number ≥ 0. */
  nonNegative: rule('a finite number >= 0', (v) => isFiniteNum(v) && v >= 0),
  /** A finite number > 0. */
  positive: rule('a finite number > 0', (v) => isFiniteNum(v) && v > 0),
  /** A probability, a number in [0, 1]. */
  probability: rule('a number in [0, 1]', (v) => isFiniteNum(v) && v >= 0 && v <= 1),
  /** An integer (of any sign). */
  integer: rule('an integer', (v) => Number.isInteger(v)),
  /** An integer ≥ 0. */
  nonNegativeInteger: rule('an integer >= 0', isSize),
  /** An integer ≥ 1. */
  positiveInteger: rule('an integer >= 1', (v) => Number.isInteger(v) && (v as number) >= 1),
  /** An integer or a list of integers (a dim, a size, a stride…). */
  intOrInts: rule('an integer or a list of integers', (v) => Number.isInteger(v) || (Array.isArray(v) && v.every((x) => Number.isInteger(x)))),
  /** A list of numbers. */
  numbers: rule('a list of numbers', (v) => Array.isArray(v) && v.every(isNum)),
  /** One of the dtypes; a wrong one throws a `DTypeError`. */
  dtype: { expected: `one of ${DTYPES.map((d) => `'${d}'`).join(', ')}`, test: (v: unknown) => (DTYPES as readonly unknown[]).includes(v), error: DTypeError } as OptionRule,
  /** `true` or `false`. */
  boolean: rule('true or false', (v) => typeof v === 'boolean'),
  /** A string. */
  string: rule('a string', (v) => typeof v === 'string'),
  /** A function. */
  function: rule('a function', (v) => typeof v === 'function'),
  /** A tensor. */
  tensor: rule('a tensor', hasTensorBrand),
  /** A tensor or `null`. */
  tensorOrNull: rule('a tensor or null', (v) => v === null || hasTensorBrand(v)),
  /** A list of tensors. */
  tensors: rule('a list of tensors', (v) => Array.isArray(v) && v.every(hasTensorBrand)),
  /** A random-number generator (`new Generator(seed)`). */
  generator: rule('a Generator', (v) => typeof v === 'object' && v !== null && typeof (v as { nextFloat?: unknown }).nextFloat === 'function'),
  /** One of the given strings. */
  oneOf: (...choices: readonly string[]): OptionRule => rule(`one of ${choices.map((c) => `'${c}'`).join(', ')}`, (v) => typeof v === 'string' && choices.includes(v)),
  /** Either rule. */
  either: (a: OptionRule, b: OptionRule): OptionRule => rule(`${a.expected} or ${b.expected}`, (v) => a.test(v) || b.test(v)),
  /** What `rule` accepts, or `null`. */
  nullable: (inner: OptionRule): OptionRule => rule(`${inner.expected} or null`, (v) => v === null || inner.test(v)),
  /** A pair of numbers each passing `each`. */
  pair: (each: OptionRule): OptionRule => rule(`a pair [a, b] of ${each.expected.replace(/^an? /, '')}s`, (v) => Array.isArray(v) && v.length === 2 && v.every(each.test)),
} as const;

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  if (typeof v === 'function') return 'a function';
  if (hasTensorBrand(v)) return 'a tensor';
  if (Array.isArray(v)) return `[${v.map(show).join(', ')}]`;
  return typeof v;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The accepted key closest to `key`: its camelCase twin (`weight_decay` →
 * `weightDecay`), the same letters in another case, or a spelling at most a
 * couple of edits away.
 *
 * @example
 * ```ts
 * closestKey('weight_decay', ['lr', 'weightDecay']); // 'weightDecay'
 * ```
 */
export function closestKey(key: string, accepted: readonly string[]): string | undefined {
  const camel = key.replace(/[_-]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
  if (accepted.includes(camel)) return camel;
  const folded = key.replace(/[_-]/g, '').toLowerCase();
  const sameLetters = accepted.find((k) => k.toLowerCase() === folded);
  if (sameLetters !== undefined) return sameLetters;
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.min(2, Math.floor(key.length / 3)));
  for (const k of accepted) {
    const d = editDistance(folded, k.toLowerCase());
    if (d <= bestDistance && (best === undefined || d < bestDistance)) [best, bestDistance] = [k, d];
  }
  return best;
}

/**
 * Checks an options object against the keys a function accepts: throws an
 * {@link OptionError} (or `extra.error`) naming the function, the key and the
 * accepted keys for an unknown key (suggesting the closest one), and naming the
 * expected value for a value of the wrong type or range. `undefined` (no
 * options) passes, and so does an option set to `undefined`.
 *
 * @example
 * ```ts
 * checkOptions('var', { correction: 0 }, { correction: optionRules.finite, keepdim: optionRules.boolean });
 * checkOptions('SGD', { weight_decay: 0.1 }, sgdRules); // OptionError: SGD: unknown option 'weight_decay' (did you mean 'weightDecay'?) ...
 * ```
 */
export function checkOptions(fn: string, options: unknown, rules: OptionRules, extra: CheckOptionsExtra = {}): void {
  if (options === undefined) return;
  const ErrorClass = extra.error ?? OptionError;
  const accepted = Object.keys(rules);
  const list = accepted.length === 0 ? 'no options' : accepted.join(', ');
  if (typeof options !== 'object' || options === null || Array.isArray(options) || hasTensorBrand(options)) {
    throw new ErrorClass(`${fn}: expected an options object { ${accepted.map((k) => `${k}?`).join(', ')} }, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    const r = Object.prototype.hasOwnProperty.call(rules, key) ? rules[key] : undefined;
    if (r === undefined) {
      const hint = extra.hints?.[key];
      const near = closestKey(key, accepted);
      const suggestion = hint !== undefined ? ` (${hint})` : near !== undefined ? ` (did you mean '${near}'?)` : '';
      throw new ErrorClass(`${fn}: unknown option '${key}'${suggestion}; ${fn} accepts ${list}`);
    }
    const value: unknown = (options as Record<string, unknown>)[key];
    if (value !== undefined && !r.test(value)) {
      throw new (r.error ?? ErrorClass)(`${fn}: invalid option ${key} = ${show(value)}; expected ${r.expected}`);
    }
  }
}

/**
 * Throws when an options object arrives where a positional argument goes (for
 * example `leakyRelu(x, { negativeSlope: 0.1 })` for `leakyRelu(x, 0.1)`),
 * naming the parameter and how to pass it.
 *
 * @example
 * ```ts
 * rejectOptionsObject('leakyRelu', 'negativeSlope', slope, 'leakyRelu(x, negativeSlope)');
 * ```
 */
export function rejectOptionsObject(fn: string, param: string, value: unknown, usage: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || hasTensorBrand(value) || ArrayBuffer.isView(value)) return;
  const keys = Object.keys(value);
  throw new OptionError(
    `${fn}: got an options object${keys.length > 0 ? ` { ${keys.join(', ')} }` : ''} where the positional argument ${param} goes; ` +
      `PyTorch's positional parameters stay positional in tapegrad: call ${usage}`,
  );
}
