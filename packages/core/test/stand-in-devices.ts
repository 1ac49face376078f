import { DeviceError, getBackend, setBackend, type Backend, type Device } from '@tapegrad/core';

/**
 * Two devices over the CPU's own kernels, registered once: 'sync', read
 * synchronously, and 'async', read only asynchronously as a GPU is, so that
 * every rule a GPU obeys is exercised without one. The tests of
 * packages/core/test/webgpu and packages/nn/test/webgpu run the same on WebGPU.
 */
const cpu = getBackend();
export const syncDevice: Backend = { ...cpu, name: 'sync', device: 'sync' };
export const asyncDevice: Backend = {
  ...cpu,
  name: 'async',
  device: 'async',
  readsSync: false,
  read: () => {
    throw new DeviceError('read: this device is read asynchronously');
  },
};
setBackend(syncDevice);
setBackend(asyncDevice);
setBackend(cpu);

/** The device read synchronously. */
export const SYNC = 'sync' as Device;
/** The device read only asynchronously. */
export const ASYNC = 'async' as Device;
