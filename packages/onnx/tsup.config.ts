import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['@tapegrad/core', '@tapegrad/nn'],
  // Resolve @tapegrad/core and @tapegrad/nn through their built declarations, never their sources.
  tsconfig: 'tsconfig.build.json',
});
