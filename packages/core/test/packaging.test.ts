import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// These tests load the built packages through Node itself, by package name,
// exactly as a user's ESM or CommonJS program would (no test-runner aliases).
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const packages = ['core', 'nn', 'optim', 'data', 'onnx'] as const;

function runNode(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

function manifest(pkg: string): Record<string, unknown> & { exports: Record<string, { import: { types: string; default: string }; require: { types: string; default: string } }> } {
  return JSON.parse(readFileSync(join(root, 'packages', pkg, 'package.json'), 'utf8'));
}

describe('built packages, loaded as a user would', () => {
  it('core trains a step in ESM and CommonJS, and core/testing and its arbitraries share its Tensor class', () => {
    const program = (load: string) => `
      ${load}
      const x = core.tensor([[1, 2], [3, 4]], { requiresGrad: true });
      x.matmul(x).sum().backward();
      const ok = testing.gradcheck((t) => t.tanh().sum(), [core.randn([3], { dtype: 'float64' }).requiresGrad_()]).ok;
      const [drawn] = fc.sample(arbitraries.tensors({ shape: [2] }), { numRuns: 1, seed: 1 });
      console.log(JSON.stringify({ grad: x.grad.toArray(), ok, same: drawn instanceof core.Tensor }));
    `;
    const esm = runNode([
      '--input-type=module',
      '-e',
      program(
        `const core = await import('@tapegrad/core'); const testing = await import('@tapegrad/core/testing');` +
          ` const arbitraries = await import('@tapegrad/core/testing/arbitraries'); const fc = await import('fast-check');`,
      ),
    ]);
    const cjs = runNode([
      '-e',
      program(
        `const core = require('@tapegrad/core'); const testing = require('@tapegrad/core/testing');` +
          ` const arbitraries = require('@tapegrad/core/testing/arbitraries'); const fc = require('fast-check');`,
      ),
    ]);
    // d/dX sum(X·X) = G·Xᵀ + Xᵀ·G with G = ones: row sums of X (3, 7) across, plus column sums (4, 6) down.
    const expected = { grad: [[7, 11], [9, 13]], ok: true, same: true };
    expect(JSON.parse(esm)).toEqual(expected);
    expect(JSON.parse(cjs)).toEqual(expected);
  });

  it('@tapegrad/core/testing runs gradcheck and assertAllClose where fast-check cannot be resolved', () => {
    // A copy (not a link: Node would follow it back into the workspace, where
    // fast-check is installed) of the package in a bare project.
    const dir = mkdtempSync(join(tmpdir(), 'tapegrad-no-fast-check-'));
    const pkg = join(dir, 'node_modules', '@tapegrad', 'core');
    cpSync(join(root, 'packages/core/package.json'), join(pkg, 'package.json'));
    cpSync(join(root, 'packages/core/dist'), join(pkg, 'dist'), { recursive: true });
    const program = (load: string) => `
      ${load}
      let fastCheck = true;
      try { require.resolve('fast-check'); } catch { fastCheck = false; }
      const x = core.randn([2, 3], { dtype: 'float64' }).requiresGrad_();
      const ok = testing.gradcheck((t) => t.sin().mul(t).sum(), [x]).ok && testing.gradgradcheck((t) => t.tanh(), [x]).ok;
      testing.assertAllClose(x.mul(2), x.add(x));
      console.log(JSON.stringify({ fastCheck, ok }));
    `;
    const run = (args: string[]): unknown =>
      JSON.parse(execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } }));
    const esm = run([
      '--input-type=module',
      '-e',
      program(`import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/'); const core = await import('@tapegrad/core'); const testing = await import('@tapegrad/core/testing');`),
    ]);
    const cjs = run(['-e', program(`const core = require('@tapegrad/core'); const testing = require('@tapegrad/core/testing');`)]);
    rmSync(dir, { recursive: true, force: true });
    expect(esm).toEqual({ fastCheck: false, ok: true });
    expect(cjs).toEqual({ fastCheck: false, ok: true });
  });

  it('@tapegrad/nn/node saves and loads a model file in ESM and CommonJS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapegrad-'));
    const program = (load: string, file: string) => `
      ${load}
      const model = new nn.Linear(3, 2);
      await files.saveModuleFile(model, ${JSON.stringify(join(dir, file))});
      const other = new nn.Linear(3, 2);
      await files.loadModuleFile(other, ${JSON.stringify(join(dir, file))});
      console.log(JSON.stringify(other.weight.toArray()) === JSON.stringify(model.weight.toArray()));
    `;
    const esm = runNode(['--input-type=module', '-e', program(`const nn = await import('@tapegrad/nn'); const files = await import('@tapegrad/nn/node');`, 'a.safetensors')]);
    const cjs = runNode(['-e', `(async () => { ${program(`const nn = require('@tapegrad/nn'); const files = require('@tapegrad/nn/node');`, 'b.safetensors')} })()`]);
    expect(esm.trim()).toBe('true');
    expect(cjs.trim()).toBe('true');
  });

  it('@tapegrad/data/node writes and reads .npy and .npz files in ESM and CommonJS, with tensors of core', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tapegrad-'));
    const program = (load: string, file: string) => `
      ${load}
      const x = core.tensor([[1, 2], [3, 4]]);
      await files.saveNpyFile(${JSON.stringify(join(dir, `${file}.npy`))}, x);
      await files.saveNpzFile(${JSON.stringify(join(dir, `${file}.npz`))}, { x });
      const a = await files.loadNpyFile(${JSON.stringify(join(dir, `${file}.npy`))});
      const b = (await files.loadNpzFile(${JSON.stringify(join(dir, `${file}.npz`))})).get('x');
      const [batch] = [...new data.DataLoader(new data.TensorDataset(a), { batchSize: 2 })];
      console.log(JSON.stringify({ same: a instanceof core.Tensor && b instanceof core.Tensor, batch: batch[0].toArray() }));
    `;
    const load = (how: 'import' | 'require') =>
      how === 'import'
        ? `const core = await import('@tapegrad/core'); const data = await import('@tapegrad/data'); const files = await import('@tapegrad/data/node');`
        : `const core = require('@tapegrad/core'); const data = require('@tapegrad/data'); const files = require('@tapegrad/data/node');`;
    const esm = runNode(['--input-type=module', '-e', program(load('import'), 'a')]);
    const cjs = runNode(['-e', `(async () => { ${program(load('require'), 'b')} })()`]);
    rmSync(dir, { recursive: true, force: true });
    const expected = { same: true, batch: [[1, 2], [3, 4]] };
    expect(JSON.parse(esm)).toEqual(expected);
    expect(JSON.parse(cjs)).toEqual(expected);
  });

  it('@tapegrad/onnx exports a module of nn in ESM and CommonJS (one Module and Tensor class across the packages)', () => {
    const program = (load: string) => `
      ${load}
      const model = new nn.Sequential(new nn.Linear(3, 2), new nn.ReLU());
      const bytes = onnx.exportOnnx(model, [core.randn([4, 3])], { dynamicBatch: true });
      // ModelProto starts with field 1 (ir_version), a varint: 0x08, then 8.
      console.log(JSON.stringify({ bytes: bytes instanceof Uint8Array, head: [bytes[0], bytes[1]], opset: onnx.ONNX_OPSET }));
    `;
    const esm = runNode(['--input-type=module', '-e', program(`const core = await import('@tapegrad/core'); const nn = await import('@tapegrad/nn'); const onnx = await import('@tapegrad/onnx');`)]);
    const cjs = runNode(['-e', program(`const core = require('@tapegrad/core'); const nn = require('@tapegrad/nn'); const onnx = require('@tapegrad/onnx');`)]);
    const expected = { bytes: true, head: [8, 8], opset: 17 };
    expect(JSON.parse(esm)).toEqual(expected);
    expect(JSON.parse(cjs)).toEqual(expected);
  });

  it('@tapegrad/core/node runs matmuls on two threads in ESM and CommonJS, and the process exits', () => {
    const program = (load: string) => `
      ${load}
      await core.setNumThreads({ threads: 2, spawn: node.workerThread });
      const a = core.randn([300, 200], { generator: new core.Generator(1) });
      const b = core.randn([200, 310], { generator: new core.Generator(2) });
      const two = a.matmul(b).toArray();
      await core.setNumThreads(1);
      console.log(JSON.stringify({ threads: 2, same: JSON.stringify(a.matmul(b).toArray()) === JSON.stringify(two) }));
    `;
    const esm = runNode(['--input-type=module', '-e', program(`const core = await import('@tapegrad/core'); const node = await import('@tapegrad/core/node');`)]);
    const cjs = runNode(['-e', `(async () => { ${program(`const core = require('@tapegrad/core'); const node = require('@tapegrad/core/node');`)} })()`]);
    // One thread or two, each element is summed in the same order.
    expect(JSON.parse(esm)).toEqual({ threads: 2, same: true });
    expect(JSON.parse(cjs)).toEqual({ threads: 2, same: true });
  });

  for (const pkg of packages) {
    it(`@tapegrad/${pkg} has an exports map with ESM, CJS and types, and no side effects`, () => {
      const m = manifest(pkg);
      expect(m.sideEffects).toBe(false);
      for (const entry of Object.values(m.exports)) {
        for (const file of [entry.import.types, entry.import.default, entry.require.types, entry.require.default]) {
          expect(existsSync(join(root, 'packages', pkg, file)), `${pkg}: ${file}`).toBe(true);
        }
      }
      const names = runNode(['-e', `console.log(Object.keys(require('@tapegrad/${pkg}')).length)`]);
      const esmNames = runNode(['--input-type=module', '-e', `console.log(Object.keys(await import('@tapegrad/${pkg}')).length)`]);
      expect(Number(names)).toBeGreaterThan(0);
      expect(Number(esmNames)).toBe(Number(names));
    });

    it(`@tapegrad/${pkg} is ready to publish: public, Node >= 20, with its repository, homepage, bugs and keywords`, () => {
      const m = manifest(pkg);
      expect(m.license).toBe('MIT');
      expect(m.engines).toEqual({ node: '>=20' });
      expect(m.publishConfig).toEqual({ access: 'public' });
      expect(m.repository).toMatchObject({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/.+\.git$/), directory: `packages/${pkg}` });
      expect(m.homepage).toMatch(/^https:\/\//);
      expect(m.bugs).toMatchObject({ url: expect.stringMatching(/^https:\/\//) });
      expect(m.keywords).toEqual(expect.arrayContaining(['typescript']));
      expect(m.files).toEqual(['dist', 'README.md']);
    });

    it(`@tapegrad/${pkg}: every entry's types resolve under moduleResolution node10, node16 and bundler`, () => {
      // node10 ignores the exports map: typesVersions is what finds a subpath's types there.
      const m = manifest(pkg);
      const from = join(root, 'consumer.ts');
      for (const [subpath, entry] of Object.entries(m.exports)) {
        const specifier = `@tapegrad/${pkg}${subpath.slice(1)}`;
        const { ESNext, CommonJS } = ts.ModuleKind;
        for (const [kind, moduleResolution, module, mode, expected] of [
          ['node10', ts.ModuleResolutionKind.Node10, CommonJS, undefined, entry.import.types],
          ['node16 import', ts.ModuleResolutionKind.Node16, ts.ModuleKind.Node16, ESNext, entry.import.types],
          ['node16 require', ts.ModuleResolutionKind.Node16, ts.ModuleKind.Node16, CommonJS, entry.require.types],
          ['bundler', ts.ModuleResolutionKind.Bundler, ESNext, undefined, entry.import.types],
        ] as const) {
          const resolved = ts.resolveModuleName(specifier, from, { moduleResolution, module }, ts.sys, undefined, undefined, mode).resolvedModule?.resolvedFileName;
          expect(resolved, `${specifier} under ${kind}`).toBe(join(root, 'packages', pkg, expected));
        }
      }
    });

    it(`@tapegrad/${pkg}: npm pack lists its README, its LICENSE and every file its manifest names`, () => {
      const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: join(root, 'packages', pkg), encoding: 'utf8' });
      const packed = new Set((JSON.parse(out) as [{ files: { path: string }[] }])[0].files.map((f) => f.path));
      const m = manifest(pkg) as ReturnType<typeof manifest> & { main: string; module: string; types: string };
      const named = [m.main, m.module, m.types, ...Object.values(m.exports).flatMap((e) => [e.import.types, e.import.default, e.require.types, e.require.default])];
      for (const file of ['README.md', 'LICENSE', 'package.json', ...named.map((f) => f.replace(/^\.\//, ''))]) expect(packed, file).toContain(file);
      expect([...packed].filter((f) => !f.startsWith('dist/') && !['README.md', 'LICENSE', 'package.json'].includes(f))).toEqual([]);
    });

    it(`@tapegrad/${pkg} ships no Node-only API (outside its ./node entry) and does not bundle another package`, () => {
      const dist = join(root, 'packages', pkg, 'dist');
      const files = readdirSync(dist).filter((f) => /\.(c?js)$/.test(f) && !f.startsWith('node.'));
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const code = readFileSync(join(dist, f), 'utf8');
        expect(code, f).not.toMatch(/from ["']node:|require\(["'](node:)?(fs|path|os|child_process|worker_threads)["']\)/);
        if (pkg !== 'core') expect(code, f).not.toMatch(/class Tensor\b/);
      }
    });
  }
});
