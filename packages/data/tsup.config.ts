import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['@tapegrad/core', /^node:/],
  // One shared chunk, so that the node entry and the main entry share classes.
  splitting: true,
  // Resolve @tapegrad/core through its built declarations, never its sources.
  tsconfig: 'tsconfig.build.json',
});
