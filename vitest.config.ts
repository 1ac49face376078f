import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

const SUITE = ['packages/*/test/**/*.test.ts', 'examples/**/*.test.ts', 'docs/**/*.test.ts', 'scripts/**/*.test.ts', 'bench/test/**/*.test.ts'];
const WEBGPU = ['packages/*/test/webgpu/**/*.test.ts', 'examples/*/test/webgpu/**/*.test.ts'];
const RELAXED = 'packages/core/test/relaxed-simd.test.ts';
// Relaxed SIMD is on by default from Node 22; Node 20 and 21 need the flag.
const RELAXED_FLAG = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];

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
      { find: /^@tapegrad\/data\/node$/, replacement: src('./packages/data/src/node/index.ts') },
      { find: /^@tapegrad\/data$/, replacement: src('./packages/data/src/index.ts') },
      { find: /^@tapegrad\/onnx$/, replacement: src('./packages/onnx/src/index.ts') },
    ],
  },
  test: {
    // .ci/run asks for a JSON report, from which it prints its closing summary line.
    reporters: process.env.TAPEGRAD_TEST_REPORT ? ['default', ['json', { outputFile: process.env.TAPEGRAD_TEST_REPORT }]] : ['default'],
    setupFiles: ['./vitest.setup.ts'],
    pool: 'forks',
    // globalThis.gc for the tests that force collections (random-programs.test.ts)
    execArgv: ['--expose-gc'],
    maxWorkers: 2,
    testTimeout: 60_000,
    // The whole suite runs twice: on the backend tapegrad picks (WebAssembly
    // SIMD where it exists) and on the plain-TypeScript reference backend.
    // The WebGPU tests (packages/*/test/webgpu, examples/*/test/webgpu) run once, in their own
    // project: without a WebGPU adapter they skip and print why, unless
    // TAPEGRAD_REQUIRE_WEBGPU=1 (CI), where they fail. Each project names its
    // own files: a project that extends the root concatenates include lists.
    // The products with and without relaxed SIMD's multiply-add run once, in
    // a project whose Node has relaxed SIMD on.
    projects: [
      { extends: true, test: { name: 'default backend', include: SUITE, exclude: ['**/node_modules/**', ...WEBGPU, RELAXED] } },
      { extends: true, test: { name: 'js backend', include: SUITE, exclude: ['**/node_modules/**', ...WEBGPU, RELAXED], env: { TAPEGRAD_BACKEND: 'js' } } },
      { extends: true, test: { name: 'webgpu', include: WEBGPU } },
      { extends: true, test: { name: 'relaxed simd', include: [RELAXED], execArgv: ['--expose-gc', ...RELAXED_FLAG] } },
    ],
  },
});
