import { describe, expect, it } from 'vitest';
import { TapegradError } from '@tapegrad/core';

type ErrorClass = new (...args: never[]) => Error;

/** One misuse: the call (sync or async), the tapegrad error class it must throw, and words its message must contain. */
export interface MisuseRow {
  readonly name: string;
  readonly call: () => unknown;
  readonly error: ErrorClass;
  readonly contains: readonly string[];
}

/** A row without a name of its own, named by the first words it expects. */
export const named = (rows: readonly Omit<MisuseRow, 'name'>[]): MisuseRow[] => rows.map((r, i) => ({ name: `${r.contains[0]} (${i})`, ...r }));

/**
 * The misuse table of a package: every row throws a `TapegradError` of its
 * class, at the call, with a message naming what went wrong.
 */
export function describeMisuse(rows: readonly MisuseRow[]): void {
  describe('misuse', () => {
    it.each(rows.map((r) => [r.name, r] as const))('%s', async (_name, row) => {
      let caught: unknown;
      try {
        await row.call();
      } catch (e) {
        caught = e;
      }
      expect(caught, 'no error thrown').toBeInstanceOf(row.error);
      expect(caught).toBeInstanceOf(TapegradError);
      for (const part of row.contains) expect((caught as Error).message).toContain(part);
    });
  });
}
