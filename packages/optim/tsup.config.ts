import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  external: ['@tapegrad/core'],
  // Resolve @tapegrad/core through its built declarations, never its sources.
  tsconfig: 'tsconfig.build.json',
});
