// tfjs-core registers its gradients from ESM files whose relative imports
// have no extension (or name a directory), which Node's ESM loader refuses; this resolve hook retries
// such a specifier with '.js' appended. Registered by libs/tfjs.mjs only.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (!specifier.startsWith('.') || specifier.endsWith('.js')) throw e;
    try {
      return await next(`${specifier}.js`, context);
    } catch {
      return next(`${specifier}/index.js`, context);
    }
  }
}
