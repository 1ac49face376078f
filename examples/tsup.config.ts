import { defineConfig } from 'tsup';

// The demo is plain ESM for Node 20; the tapegrad packages and mnist stay
// external and load from node_modules (the packages' built dist).
export default defineConfig({
  entry: {
    mnist: 'mnist/src/mnist.ts',
    walkthrough: 'walkthrough/walkthrough.ts',
    'custom-op': 'custom-op/custom-op.ts',
    'char-transformer': 'char-transformer/char-transformer.ts',
    graph: 'graph/graph.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  dts: false,
  // Dawn's Node binding loads a native addon: it stays in node_modules, loaded only for --device webgpu.
  external: ['webgpu'],
});
