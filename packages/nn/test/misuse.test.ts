import { describe, expect, it } from 'vitest';
import { DTypeError, IndexError, tensor, zeros, type TapegradError } from '@tapegrad/core';
import { SafetensorsError, Linear, logSoftmax, softmax } from '@tapegrad/nn';
import { loadModuleFile, loadSafetensorsFile, saveSafetensorsFile } from '@tapegrad/nn/node';

/** One row per misuse: the call (sync or async), the error class it throws and what its message must name. */
interface MisuseRow {
  readonly call: () => unknown;
  readonly error: abstract new (...args: never[]) => TapegradError;
  readonly contains: readonly string[];
}

const missing = '/nonexistent-folder/weights.safetensors';

/** Errors that once named an internal op, or came raw from the engine or from Node. */
const numericsRows: MisuseRow[] = [
  { call: () => softmax(zeros([2, 3]), 3), error: IndexError, contains: ['softmax', 'dim 3', '2 dims'] },
  { call: () => logSoftmax(zeros([2, 3]), -3), error: IndexError, contains: ['logSoftmax', 'dim -3', '2 dims'] },
  { call: () => softmax(zeros([2, 3], { dtype: 'int32' }), 1), error: DTypeError, contains: ['softmax', 'int32'] },
  { call: () => loadModuleFile(new Linear(2, 2), missing), error: SafetensorsError, contains: ['loadModuleFile', missing, 'no such file'] },
  { call: () => loadSafetensorsFile(missing), error: SafetensorsError, contains: ['loadSafetensorsFile', missing, 'ENOENT'] },
  { call: () => saveSafetensorsFile(missing, { w: tensor([1]) }), error: SafetensorsError, contains: ['saveSafetensorsFile', missing] },
];

describe('misuse gives a tapegrad error naming the call', () => {
  it.each(numericsRows.map((row, i) => ({ ...row, i })))('row $i', async ({ call, error, contains }) => {
    let thrown: unknown;
    try {
      await call();
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(error);
    for (const part of contains) expect((thrown as Error).message).toContain(part);
  });
});

describe('softmax of an empty tensor', () => {
  it('is empty, as in PyTorch', () => {
    expect(softmax(zeros([2, 0]), 1).shape).toEqual([2, 0]);
    expect(logSoftmax(zeros([0, 3]), 1).shape).toEqual([0, 3]);
  });
});
