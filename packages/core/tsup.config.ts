import { defineConfig } from 'tsup';

export default defineConfig({
  // `arbitraries` is the one entry that imports fast-check (an optional peer dependency), so that
  // `testing` (gradcheck, assertAllClose) works in a project without it.
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', arbitraries: 'src/testing/arbitraries.ts', node: 'src/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  // One shared chunk in both formats, so that `testing`, `arbitraries` and the main entry share the Tensor class.
  splitting: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['fast-check', /^node:/],
  // Node's types for the ./node entry only; the others are checked without them (tsconfig.json).
  tsconfig: 'tsconfig.build.json',
});
