import { describe, expect, it } from 'vitest';
import { BufferPool, sizeClass } from '../../src/backend/webgpu/buffer-pool.js';
import { createWebGpuBackend } from '../../src/backend/webgpu/webgpu-backend.js';
import { nullDevice } from './null-device.js';

// The pool's bookkeeping and the weights it hands out for the garbage
// collector (gc-weight.ts), on a device that computes nothing: no GPU needed.

/** `ArrayBuffer.prototype.resizable` (ES2024). */
const resizable = (b: ArrayBuffer | null): boolean => (b as { resizable?: boolean } | null)?.resizable === true;

describe('BufferPool', () => {
  it('rounds requests up to power-of-two classes of at least 64 bytes', () => {
    expect([1, 64, 65, 1000, 4096, 4097].map(sizeClass)).toEqual([64, 64, 128, 1024, 4096, 8192]);
  });

  it('hands out a weight of the size class with every buffer: a plain ArrayBuffer under a page, a reservation from 4 KiB on', () => {
    const pool = new BufferPool(nullDevice());
    const small = pool.acquire(1000);
    const page = pool.acquire(4096);
    const large = pool.acquire(100_000);
    expect(small.weight?.byteLength).toBe(1024);
    expect(resizable(small.weight)).toBe(false);
    expect(page.weight?.byteLength).toBe(4096);
    expect(resizable(page.weight)).toBe(true);
    expect(large.weight?.byteLength).toBe(131072);
    expect(resizable(large.weight)).toBe(true);
  });

  it('keeps the weight of a buffer given back with it, and weighs anew one given back without (its weight went with its owner)', () => {
    const device = nullDevice();
    const pool = new BufferPool(device);
    const a = pool.acquire(256);
    pool.give(a.handle, a.weight);
    const again = pool.acquire(256);
    expect(again.handle).toBe(a.handle);
    expect(again.weight).toBe(a.weight);
    pool.give(again.handle, null);
    const reweighed = pool.acquire(256);
    expect(reweighed.handle).toBe(a.handle);
    expect(reweighed.weight).not.toBeNull();
    expect(reweighed.weight).not.toBe(a.weight);
    expect(device.counts.created).toBe(1);
  });

  it('weighs nothing when told not to', () => {
    const pool = new BufferPool(nullDevice(), false);
    const a = pool.acquire(100_000);
    expect(a.weight).toBeNull();
    pool.give(a.handle, null);
    expect(pool.acquire(100_000).weight).toBeNull();
  });

  it('counts live and pooled bytes, and destroys what is given back beyond its cap', () => {
    const device = nullDevice();
    const pool = new BufferPool(device, true, 1024);
    const [a, b] = [pool.acquire(1024), pool.acquire(1024)];
    expect(pool.stats()).toEqual({ liveBytes: 2048, pooledBytes: 0 });
    pool.give(a.handle, a.weight);
    pool.give(b.handle, b.weight);
    expect(pool.stats()).toEqual({ liveBytes: 0, pooledBytes: 1024 });
    expect(device.counts.destroyed).toBe(1);
  });
});

describe('webgpu backend buffers and their weights', () => {
  it('a released buffer gives its weight back with it; the next result of its size reuses both', () => {
    const be = createWebGpuBackend(nullDevice());
    const a = be.alloc('float32', 50_000);
    const weight = a.weight;
    expect(weight?.byteLength).toBe(sizeClass(200_000));
    be.release([a]);
    expect(a.weight).toBeNull();
    const b = be.alloc('float32', 40_000);
    expect(b.handle).toBe(a.handle);
    expect(b.weight).toBe(weight);
  });

  it('weighs nothing with gcPressure: false', () => {
    const be = createWebGpuBackend(nullDevice(), { gcPressure: false });
    expect(be.alloc('float32', 50_000).weight).toBeNull();
  });
});
