import { expect, it } from 'vitest';
import { byHand, spirals, withModules } from './walkthrough.js';

it('makes three labelled spirals', () => {
  const { x, y } = spirals(10);
  expect(x.shape).toEqual([30, 2]);
  expect(y.dtype).toBe('int32');
});

it('learns by hand and with modules', () => {
  for (const run of [byHand, withModules]) {
    const r = run(100);
    expect(r.lastLoss).toBeLessThan(r.firstLoss);
    expect(r.accuracy).toBeGreaterThan(0.5);
  }
});
