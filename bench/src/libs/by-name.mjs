// The CPU libraries a child process of the benchmark loads by column name
// (soak.mjs, w7/node-peer-process.mjs), each imported only when asked for.

const LOADERS = {
  tapegrad: async () => (await import('./tapegrad.mjs')).createTapegrad('wasm'),
  'tapegrad-2t': async () => (await import('./tapegrad-threads.mjs')).createTapegradThreads(2),
  'tapegrad-js': async () => (await import('./tapegrad.mjs')).createTapegrad('js'),
  'tfjs-cpu': async () => (await import('./tfjs.mjs')).createTfjs('cpu'),
  'tfjs-wasm': async () => (await import('./tfjs.mjs')).createTfjs('wasm'),
  'jax-js-jit': async () => (await import('./jax.mjs')).createJax(true),
};

/** The library whose column is `name`, loaded; throws for a name none has. */
export async function loadLibrary(name) {
  if (!Object.hasOwn(LOADERS, name)) throw new Error(`unknown library ${name} (${Object.keys(LOADERS).join(', ')})`);
  return LOADERS[name]();
}
