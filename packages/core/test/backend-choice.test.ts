import { describe, expect, it } from 'vitest';
import { getBackend } from '@tapegrad/core';

describe('the backend under test', () => {
  it('is the one the test project asks for', () => {
    const wanted = process.env.TAPEGRAD_BACKEND;
    if (wanted === 'js') expect(getBackend().name).toBe('js');
    // Node 20 has WebAssembly SIMD, so the default is the WebAssembly backend.
    else expect(getBackend().name).toBe('wasm');
  });
});
