import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

// Tests run against the TypeScript sources; the packaging tests load the built
// output through Node itself, as a user would.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@tapegrad\/core\/testing\/arbitraries$/, replacement: src('./packages/core/src/testing/arbitraries.ts') },
      { find: /^@tapegrad\/core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
      { find: /^@tapegrad\/core\/node$/, replacement: src('./packages/core/src/node/index.ts') },
      { find: /^@tapegrad\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@tapegrad\/nn\/node$/, replacement: src('./packages/nn/src/node/index.ts') },
      { find: /^@tapegrad\/nn$/, replacement: src('./packages/nn/src/index.ts') },
      { find: /^@tapegrad\/optim$/, replacement: src('./packages/optim/src/index.ts') },
    ],
  },
  test: {
    // .ci/run asks for a JSON report, from which it prints its closing summary line.
    reporters: process.env.TAPEGRAD_TEST_REPORT ? ['default', ['json', { outputFile: process.env.TAPEGRAD_TEST_REPORT }]] : ['default'],
    include: ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts', 'docs/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/test/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    pool: 'forks',
    // globalThis.gc for the tests that force collections (random-programs.test.ts)
    execArgv: ['--expose-gc'],
    maxWorkers: 2,
    testTimeout: 60_000,
    // The whole suite runs twice: on the backend tapegrad picks (WebAssembly
    // SIMD where it exists) and on the plain-TypeScript reference backend.
    // The WebGPU tests (packages/core/test/webgpu) run once, in their own
    // project, and only when TAPEGRAD_WEBGPU_TESTS=1: their kernel suite does
    // not finish on SwiftShader yet.
    projects: [
      { extends: true, test: { name: 'default backend', exclude: ['**/node_modules/**', 'packages/core/test/webgpu/**'] } },
      { extends: true, test: { name: 'js backend', exclude: ['**/node_modules/**', 'packages/core/test/webgpu/**'], env: { TAPEGRAD_BACKEND: 'js' } } },
      ...(process.env.TAPEGRAD_WEBGPU_TESTS === '1' ? [{ extends: true as const, test: { name: 'webgpu', include: ['packages/core/test/webgpu/**/*.test.ts'] } }] : []),
    ],
  },
});
