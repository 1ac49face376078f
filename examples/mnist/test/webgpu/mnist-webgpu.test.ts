import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileDevice } from '../../../../packages/core/test/webgpu/gpu-device.js';
import { runDemo, type DemoIO } from '../../src/main.js';

// The demo with --device webgpu: a few steps, evaluated on a few test
// digits, learn as the same run on the CPU does.

const setup = await fileDevice();
const dir = mkdtempSync(join(tmpdir(), 'tapegrad-mnist-webgpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): DemoIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: { isTTY: false, write: (t: string) => err.push(t) } };
}

describe.skipIf(setup.backend === null)('the MNIST demo on webgpu', () => {
  it('trains, evaluates and saves weights that --eval on the CPU reproduces, as the CPU run does', async () => {
    const flags = ['--steps', '6', '--batch-size', '32', '--test-size', '200', '--seed', '1'];
    const cpu = await runDemo([...flags, '--out', join(dir, 'cpu')], capture(), 'unused');
    const io = capture();
    const gpu = await runDemo([...flags, '--device', 'webgpu', '--out', join(dir, 'gpu')], io, 'unused');
    expect(gpu.code, io.err.join('')).toBe(0);
    expect(io.err.join('')).toContain('on webgpu');
    expect(cpu.testAccuracy).toBeGreaterThan(0.5);
    // float32 rounding differs between the devices: a digit or two may go the other way
    expect(Math.abs(gpu.testAccuracy! - cpu.testAccuracy!)).toBeLessThanOrEqual(0.02);
    const evaluated = await runDemo(['--eval', gpu.weightsPath!, '--test-size', '200'], capture(), 'unused');
    expect(Math.abs(evaluated.testAccuracy! - gpu.testAccuracy!)).toBeLessThanOrEqual(0.02);
  });
});
