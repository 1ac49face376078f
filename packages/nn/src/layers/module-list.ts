import { IndexError, TapegradError } from '@tapegrad/core';
import { Module } from '../module.js';

/**
 * A list of submodules, named `0`, `1`, … in parameter names. It has no
 * forward of its own: iterate over it in the owner's forward.
 *
 * @example
 * ```ts
 * class Deep extends Module<[Tensor], Tensor> {
 *   readonly layers = new ModuleList([new Linear(4, 4), new Linear(4, 4)]);
 *   forward(x: Tensor): Tensor { for (const l of this.layers) x = relu(l.forward(x)); return x; }
 * }
 * ```
 */
export class ModuleList<M extends Module = Module> extends Module<[], never> {
  readonly #items: M[];

  constructor(modules: Iterable<M> = []) {
    super();
    this.#items = [...modules];
  }

  protected override members(): (readonly [string, unknown])[] {
    return [...this.#items.map((m, i) => [String(i), m] as const), ...super.members()];
  }

  /** Number of modules. @example `list.length` */
  get length(): number {
    return this.#items.length;
  }

  /**
   * The module at `index` (negative counts from the end).
   *
   * @example
   * ```ts
   * list.at(-1);
   * ```
   */
  at(index: number): M {
    const m = this.#items.at(index);
    if (m === undefined) throw new IndexError(`ModuleList.at: index ${index} is out of range for ${this.#items.length} modules`);
    return m;
  }

  /**
   * Appends modules; returns this list.
   *
   * @example
   * ```ts
   * list.push(new Linear(4, 4));
   * ```
   */
  push(...modules: M[]): this {
    this.#items.push(...modules);
    return this;
  }

  /** Iterates over the modules. @example `for (const m of list) m.eval();` */
  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  /** A ModuleList has no forward; this always throws. @example `// iterate instead: for (const m of list) ...` */
  forward(): never {
    throw new TapegradError('ModuleList.forward: a ModuleList has no forward; iterate over its modules in the owner\'s forward');
  }
}
