// The WebGPU adapter every GPU column runs on: Dawn's Node binding (npm
// `webgpu`) on Vulkan. tapegrad gets a device of it directly; TF.js and
// jax-js find it as a browser page would, through `navigator.gpu`, which is
// set to the same `GPU` object (with WebGPU's globals such as GPUBufferUsage),
// and each peer's device is checked to be on the same adapter.
// A CPU fallback (SwiftShader, Chromium's Vulkan on the CPU) is reported as
// such: it runs the GPU code, but its timings say nothing about a GPU.

/** What the GPU rows need to know of the adapter, or why there is none. */
export async function probeWebGpu() {
  let mod;
  try {
    mod = await import('webgpu');
  } catch (e) {
    return { adapter: null, reason: `npm package 'webgpu' (Dawn) does not load: ${String(e?.message ?? e).split('\n')[0]}` };
  }
  let gpu;
  let adapter;
  try {
    gpu = mod.create(['backend=vulkan']);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { adapter: null, reason: `Dawn could not start: ${String(e?.message ?? e).split('\n')[0]}` };
  }
  if (adapter === null) {
    const icd = process.env.VK_ICD_FILENAMES;
    return { adapter: null, reason: `Dawn finds no Vulkan adapter (VK_ICD_FILENAMES=${icd ?? 'unset'}; without a GPU, SwiftShader from chromium-common provides a CPU one)` };
  }
  Object.assign(globalThis, mod.globals);
  if (globalThis.navigator === undefined) globalThis.navigator = { gpu, userAgent: `Node.js/${process.version}` };
  else Object.defineProperty(globalThis.navigator, 'gpu', { value: gpu, configurable: true });
  const info = adapter.info;
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || /swiftshader|llvmpipe|lavapipe/i.test(`${info.vendor} ${info.architecture} ${info.description}`);
  const name = [info.vendor, info.architecture, info.description].filter((s) => s).join(' ');
  return { gpu, adapter, info, name, fallback };
}

/** `vendor architecture` of an adapter info, for comparing peers' adapters. */
export const adapterKey = (info) => `${info?.vendor ?? '?'} ${info?.architecture ?? '?'}`;

/** Throws unless a peer's adapter is the bench's. */
export function assertSameAdapter(peer, info, probe) {
  if (adapterKey(info) !== adapterKey(probe.info)) throw new Error(`${peer} runs on adapter '${adapterKey(info)}', not the bench's '${adapterKey(probe.info)}'`);
}
