import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { loadModule } from '@tapegrad/nn';
import { batchOf, loadMnist } from '../src/data.js';
import { buildModel } from '../src/models.js';
import { prepareDevice } from '../src/device.js';
import { runDemo, type DemoIO } from '../src/main.js';

function capture(): DemoIO & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: { isTTY: false, write: (t: string) => err.push(t) } };
}

const dir = mkdtempSync(join(tmpdir(), 'tapegrad-mnist-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the MNIST demo', () => {
  it('loads all 10,000 digits in a fixed 8,000 / 2,000 split', async () => {
    const { train, test } = loadMnist();
    expect(train.length).toBe(8000);
    expect(test.length).toBe(2000);
    expect(train.images.length).toBe(8000 * 784);
    const counts = new Array<number>(10).fill(0);
    for (const l of test.labels) counts[l]!++;
    expect(counts.every((c) => c > 100)).toBe(true);
    // The same split every time: a fingerprint of the first test labels.
    expect(Array.from(test.labels.subarray(0, 10))).toEqual(Array.from(loadMnist().test.labels.subarray(0, 10)));
  });

  it('trains a few steps, writes the report and the weights, and --eval reproduces the accuracy', async () => {
    const io = capture();
    const result = await runDemo(['--steps', '4', '--out', dir, '--seed', '3'], io, 'unused');
    expect(result.code).toBe(0);
    expect(result.testAccuracy).toBeGreaterThan(0.3);
    const report = readFileSync(join(dir, 'mnist-mlp-report.html'), 'utf8');
    expect(report).toContain('<svg');
    expect(report).toContain('confusion matrix');
    expect(report).toContain('data:image/png;base64,');
    expect(report).toContain(`${(result.testAccuracy! * 100).toFixed(2)}%`);
    expect(existsSync(join(dir, 'mnist-mlp.safetensors'))).toBe(true);
    expect(io.err.join('')).toContain('epoch 1/8 4/4');
    expect(io.out.join('')).toMatch(/test accuracy \d+\.\d\d%/);

    const again = capture();
    const evaluated = await runDemo(['--eval', join(dir, 'mnist-mlp.safetensors')], again, 'unused');
    expect(evaluated.code).toBe(0);
    expect(evaluated.testAccuracy).toBe(result.testAccuracy);
  });

  it('trains with SGD reproducibly (same seed, same weights) and with plain GD', async () => {
    const a = await runDemo(['--steps', '2', '--optimizer', 'sgd', '--out', join(dir, 'a')], capture(), 'unused');
    const b = await runDemo(['--steps', '2', '--optimizer', 'sgd', '--out', join(dir, 'b')], capture(), 'unused');
    expect(readFileSync(a.weightsPath!)).toEqual(readFileSync(b.weightsPath!));
    expect((await runDemo(['--steps', '2', '--optimizer', 'gd', '--out', join(dir, 'gd')], capture(), 'unused')).code).toBe(0);
  });
});

describe('the convolutional model', () => {
  it('--export-onnx writes the trained cnn as ONNX, which ONNX Runtime runs at any batch size with the logits tapegrad computes', async () => {
    const onnxPath = join(dir, 'cnn.onnx');
    const r = await runDemo(['--model', 'cnn', '--steps', '2', '--batch-size', '16', '--out', join(dir, 'cnn-onnx'), '--export-onnx', onnxPath], capture(), 'unused');
    expect(r.code).toBe(0);
    expect(r.onnxPath).toBe(onnxPath);
    const model = buildModel('cnn', 0);
    loadModule(model, readFileSync(r.weightsPath!));
    model.eval();
    const { test } = loadMnist();
    const n = 5;
    const { x: pixels } = batchOf(test, [0, 1, 2, 3, 4], [1, 28, 28]);
    const session = await ort.InferenceSession.create(readFileSync(onnxPath));
    const { logits } = await session.run({ pixels: new ort.Tensor('float32', pixels.data as Float32Array, [n, 1, 28, 28]) });
    expect(logits!.dims).toEqual([n, 10]);
    const want = model.forward(pixels).data;
    const got = logits!.data as Float32Array;
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4);
    // --eval with --export-onnx writes the loaded weights' model.
    const again = join(dir, 'again.onnx');
    expect((await runDemo(['--eval', r.weightsPath!, '--export-onnx', again], capture(), 'unused')).code).toBe(0);
    expect(readFileSync(again)).toEqual(readFileSync(onnxPath));
  });

  it('trains a step and saves weights that --eval reloads as a cnn', async () => {
    const r = await runDemo(['--model', 'cnn', '--steps', '1', '--batch-size', '16', '--out', join(dir, 'cnn')], capture(), 'unused');
    expect(r.code).toBe(0);
    expect(r.weightsPath).toMatch(/mnist-cnn\.safetensors$/);
    const again = capture();
    // The file names its architecture: no --model needed.
    expect((await runDemo(['--eval', r.weightsPath!], again, 'unused')).testAccuracy).toBe(r.testAccuracy);
    expect(again.out.join('')).toContain('cnn weights');
  });

  it('writes a report named for its model, so that a cnn run keeps the mlp report', async () => {
    const out = join(dir, 'both');
    expect((await runDemo(['--steps', '1', '--out', out], capture(), 'unused')).reportPath).toBe(join(out, 'mnist-mlp-report.html'));
    expect((await runDemo(['--model', 'cnn', '--steps', '1', '--batch-size', '16', '--out', out], capture(), 'unused')).reportPath).toBe(join(out, 'mnist-cnn-report.html'));
    expect(readdirSync(out).sort()).toEqual(['mnist-cnn-report.html', 'mnist-cnn.safetensors', 'mnist-mlp-report.html', 'mnist-mlp.safetensors']);
    expect(readFileSync(join(out, 'mnist-mlp-report.html'), 'utf8')).toContain('MNIST mlp');
  });
});

describe('the demo command line', () => {
  it.each([
    [['--bogus']],
    [['--epochs', '0']],
    [['--epochs', 'two']],
    [['--batch-size', '-3']],
    [['--lr', 'fast']],
    [['--optimizer', 'rmsprop']],
    [['--model', 'resnet']],
    [['--steps']],
    [['positional']],
    [['--device', 'cuda']],
  ])('%j exits with code 2 and says why', async (argv) => {
    const io = capture();
    expect((await runDemo(argv, io, 'unused')).code).toBe(2);
    expect(io.err.join('')).toMatch(/^error: [\s\S]+\nRun with --help/);
  });

  it('--help prints the options and exits with 0 (also after the `--` that pnpm passes along)', async () => {
    const io = capture();
    expect((await runDemo(['--', '--help'], io, 'unused')).code).toBe(0);
    const text = io.out.join('');
    for (const flag of ['--epochs', '--batch-size', '--lr', '--optimizer', '--seed', '--model', '--eval', '--out', '--steps', '--device']) expect(text).toContain(flag);
  });

  it.each([
    [['--epochs', '99999999999999999999'], "--epochs expects a whole number from 1 to 9007199254740991, got '99999999999999999999'"],
    [['--epochs', '-1'], "--epochs expects a whole number from 1 to 9007199254740991, got '-1'"],
    [['--seed', '-5'], "--seed expects a whole number from 0 to"],
    [['--steps', '1e3'], "--steps expects a whole number from 1 to"],
  ])('%j is refused with code 2, naming the accepted values', async (argv, message) => {
    const io = capture();
    expect((await runDemo(argv, io, 'unused')).code).toBe(2);
    expect(io.err.join('')).toContain(message);
  });

  it('an --out that is a file, or under one, fails with code 2 before any training', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    for (const out of [file, join(file, 'below')]) {
      const io = capture();
      const started = performance.now();
      expect((await runDemo(['--steps', '1', '--out', out], io, 'unused')).code).toBe(2);
      expect(performance.now() - started).toBeLessThan(2000); // nothing was trained or loaded
      const err = io.err.join('');
      expect(err).toContain('--out');
      expect(err).toMatch(/not a directory|cannot write/);
      expect(err).not.toContain('MNIST:');
    }
  });

  it('writes its outputs through temporary files that it renames (none left behind)', async () => {
    const out = join(dir, 'atomic');
    expect((await runDemo(['--steps', '1', '--out', out], capture(), 'unused')).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['mnist-mlp-report.html', 'mnist-mlp.safetensors']);
  });

  it('--eval of a missing file fails with code 1', async () => {
    const io = capture();
    expect((await runDemo(['--eval', join(dir, 'nope.safetensors')], io, 'unused')).code).toBe(1);
    expect(io.err.join('')).toContain('cannot read');
  });
});

describe('--device webgpu without a GPU', () => {
  it('says so clearly when the GPU object offers no adapter, or when Dawn\'s binding is missing', async () => {
    const noAdapter = await prepareDevice('webgpu', async () => ({ requestAdapter: async () => null }));
    expect(noAdapter).toEqual({ ok: false, message: expect.stringContaining('--device webgpu: createWebGpu: the GPU object offers no adapter') });
    const missing = await prepareDevice('webgpu', async () => {
      throw new Error("Cannot find package 'webgpu'");
    });
    expect(missing).toEqual({ ok: false, message: expect.stringContaining("needs Dawn's Node binding, the npm package webgpu (npm i webgpu)") });
    expect(await prepareDevice('cpu')).toEqual({ ok: true });
  });
});
