import { expect, it } from 'vitest';
import { CharTransformer, continueText, TEXT, trainCharTransformer, vocabulary } from './char-transformer.js';

it('learns to continue its text', () => {
  const { chars } = vocabulary(TEXT);
  const model = new CharTransformer({ vocab: chars.length, context: 16, dim: 32, heads: 2 });
  const losses = trainCharTransformer(model, TEXT, 25);
  expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  const text = continueText(model, TEXT, 'the tape', 10);
  expect(text.startsWith('the tape')).toBe(true);
  expect(text.length).toBe(18);
});
