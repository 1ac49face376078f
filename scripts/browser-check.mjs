// node scripts/browser-check.mjs: loads the built @tapegrad/core in headless
// Chromium (CHROMIUM, or /usr/bin/chromium) from a cross-origin isolated page,
// and in a module worker there turns on two matmul threads (workers from Blob
// URLs), checks that a product is the same on one and two threads, that
// backward works, and that a convolution and its gradients match the reference
// backend's, then prints what the page and the worker reported.
// Then, in a page of a Chromium started with WebGPU on (SwiftShader's adapter
// where there is no GPU), it trains a small MLP on the webgpu backend and on
// the wasm backend from the same start, and checks that the loss falls and
// that both agree to float32 tolerance. Without an adapter in the page that
// check is skipped with the reason printed, or fails where
// TAPEGRAD_REQUIRE_WEBGPU=1 (CI).
// Then it opens examples/browser (served with the headers and the
// Content-Security-Policy that docs/browser.md asks for) and waits for its
// worker to train the model to the end.
// Exit code 0 when everything held. Build first (`npx pnpm@10.34.9 build`).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = path.join(root, 'packages/core/dist/');
const chromium = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.error(`no Chromium at ${chromium}: set CHROMIUM to a Chromium or Chrome binary`);
  process.exit(2);
}

const page = `<!doctype html><script type="module">
  const report = (r) => fetch('/result', { method: 'POST', body: JSON.stringify(r) });
  try {
    const core = await import('/core/index.js');
    const y = core.randn([64, 64]).matmul(core.randn([64, 64]));
    const w = new Worker('/worker.js', { type: 'module' });
    w.onmessage = (e) => report({ page: { backend: core.getBackend().name, isolated: crossOriginIsolated, shape: y.shape }, worker: e.data });
    w.onerror = (e) => report({ error: 'worker: ' + e.message });
  } catch (e) {
    report({ error: 'page: ' + e });
  }
</script>`;
const worker = `import * as core from '/core/index.js';
try {
  const a = core.randn([300, 400], { generator: new core.Generator(1) });
  const b = core.randn([400, 350], { generator: new core.Generator(2) });
  const one = JSON.stringify(a.matmul(b).toArray());
  await core.setNumThreads({ threads: 2, spawn: (src) => new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' }))) });
  const two = JSON.stringify(a.matmul(b).toArray());
  const x = core.randn([8], { requiresGrad: true });
  x.mul(x).sum().backward();
  // A convolution's value and gradients, on the wasm kernels and on the reference.
  const convGrads = () => {
    const cx = core.randn([4, 3, 16, 16], { generator: new core.Generator(3) }).requiresGrad_();
    const cw = core.randn([8, 3, 3, 3], { generator: new core.Generator(4) }).requiresGrad_();
    const y = core.conv2d(cx, cw, null, { padding: 1 });
    y.square().sum().backward();
    return [y.detach(), cx.grad, cw.grad];
  };
  const fast = convGrads();
  core.setBackend('js');
  const reference = convGrads();
  const backend = core.getBackend().name;
  core.setBackend('wasm');
  const convOk = backend === 'js' && fast.every((t, i) => t.sub(reference[i]).abs().max().item() <= 1e-3 * Math.max(1, reference[i].abs().max().item()));
  postMessage({ backend: core.getBackend().name, threads: core.getNumThreads(), sameOnTwoThreads: one === two, gradOk: x.grad.sub(x.detach().mul(2)).abs().max().item() === 0, convOk });
} catch (e) {
  postMessage({ error: String(e) });
}`;

// A 8-16-3 MLP trained 25 steps of SGD on 32 points labelled by a random
// linear teacher, from the same start on the wasm backend and on webgpu. The
// start and the data come from a seeded generator in plain JS, the same on
// both. Every loss is read back, so the GPU work is done when it reports.
const webgpuPage = `<!doctype html><script type="module">
  const report = (r) => fetch('/result', { method: 'POST', body: JSON.stringify(r) });
  try {
    const core = await import('/core/index.js');
    const adapter = navigator.gpu === undefined ? undefined : await navigator.gpu.requestAdapter();
    if (adapter === undefined || adapter === null) {
      report({ webgpu: null, reason: navigator.gpu === undefined ? 'navigator.gpu is undefined (WebGPU off in this browser)' : 'navigator.gpu offers no adapter' });
    } else {
      const info = adapter.info ?? {};
      const device = await adapter.requestDevice();
      const errors = [];
      device.addEventListener('uncapturederror', (e) => errors.push(e.error.message));
      const gpu = core.createWebGpuBackend(device);
      let seed = 12345;
      const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
      const values = (n, scale) => Float32Array.from({ length: n }, () => next() * scale);
      const [n, d, h, k] = [32, 8, 16, 3];
      const xs = values(n * d, 1);
      const teacher = values(d * k, 1);
      const labels = Int32Array.from({ length: n }, (_, i) => {
        const score = (c) => xs.slice(i * d, i * d + d).reduce((s, v, j) => s + v * teacher[j * k + c], 0);
        return [0, 1, 2].reduce((best, c) => (score(c) > score(best) ? c : best), 0);
      });
      const start = [values(d * h, 0.5), values(h, 0.1), values(h * k, 0.5), values(k, 0.1)];
      const shapes = [[d, h], [h], [h, k], [k]];
      const train = async () => {
        const params = start.map((v, i) => core.tensor(v, { shape: shapes[i] }).requiresGrad_());
        const x = core.tensor(xs, { shape: [n, d] });
        const y = core.tensor(labels, { shape: [n, 1] });
        const losses = [];
        for (let step = 0; step < 25; step++) {
          const logits = x.matmul(params[0]).add(params[1]).relu().matmul(params[2]).add(params[3]);
          // NOTE: log-softmax through logsumexp, which subtracts the max.
          const loss = logits.sub(logits.logsumexp(1, true)).gather(1, y).mean().neg();
          loss.backward();
          core.noGrad(() => {
            for (const p of params) {
              p.sub_(p.grad.mul(0.5));
              p.grad = null;
            }
          });
          losses.push(await loss.itemAsync());
        }
        const final = await Promise.all(params.map(async (p) => Array.from(await p.dataAsync())));
        return { backend: core.getBackend().name, losses, params: final.flat() };
      };
      core.setBackend('wasm');
      const cpu = await train();
      core.setBackend(gpu);
      const onGpu = await train();
      core.setBackend('wasm');
      device.destroy();
      report({ webgpu: { adapter: [info.vendor, info.architecture, info.description].filter((s) => s).join(' '), fallback: info.isFallbackAdapter, cpu, gpu: onGpu, errors } });
    }
  } catch (e) {
    report({ error: 'page: ' + e });
  }
</script>`;

/** Where |gpu − cpu| > 1e-4 + 1e-3·|cpu| first, or null (float32 tolerance over 25 steps). */
function firstDifference(what, cpu, gpu) {
  if (cpu.length !== gpu.length) return `${what}: ${gpu.length} values on webgpu, ${cpu.length} on wasm`;
  for (let i = 0; i < cpu.length; i++) {
    // NOTE: written so that a NaN on either side counts as a difference.
    if (!(Math.abs(gpu[i] - cpu[i]) <= 1e-4 + 1e-3 * Math.abs(cpu[i]))) return `${what}[${i}]: ${gpu[i]} on webgpu, ${cpu[i]} on wasm`;
  }
  return null;
}

/** Whether the WebGPU page's report holds: [ok, what to print]. */
function judgeWebGpu(r) {
  const requireWebGpu = process.env.TAPEGRAD_REQUIRE_WEBGPU === '1';
  if (r.error !== undefined) return [false, r.error];
  if (r.webgpu === null) return [!requireWebGpu, `no WebGPU adapter in the page: ${r.reason}${requireWebGpu ? ' (TAPEGRAD_REQUIRE_WEBGPU=1)' : '; skipped'}`];
  const { adapter, fallback, cpu, gpu, errors } = r.webgpu;
  const falls = (losses) => losses.at(-1) < 0.5 * losses[0];
  const problems = [
    gpu.backend === 'webgpu' ? null : `trained on '${gpu.backend}', not webgpu`,
    cpu.backend === 'wasm' ? null : `the reference trained on '${cpu.backend}', not wasm`,
    errors.length === 0 ? null : `device errors: ${errors.join('; ')}`,
    falls(gpu.losses) ? null : `the loss does not fall on webgpu: ${gpu.losses[0]} -> ${gpu.losses.at(-1)}`,
    falls(cpu.losses) ? null : `the loss does not fall on wasm: ${cpu.losses[0]} -> ${cpu.losses.at(-1)}`,
    firstDifference('loss', cpu.losses, gpu.losses),
    firstDifference('parameter', cpu.params, gpu.params),
  ].filter((p) => p !== null);
  const summary = `adapter '${adapter}'${fallback ? ' (CPU fallback)' : ''}, loss ${gpu.losses[0].toFixed(4)} -> ${gpu.losses.at(-1).toFixed(4)} on webgpu, ${cpu.losses[0].toFixed(4)} -> ${cpu.losses.at(-1).toFixed(4)} on wasm`;
  return [problems.length === 0, problems.length === 0 ? summary : `${summary}: ${problems.join('; ')}`];
}

const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
// What docs/browser.md asks a server to send with the example.
const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:";
// A same-origin frame around the example, which reads the state the example shows.
const examplePage = `<!doctype html><iframe src="/examples/browser/index.html"></iframe><script type="module">
  const frame = document.querySelector('iframe');
  const poll = setInterval(() => {
    const status = frame.contentDocument?.getElementById('status');
    const state = status?.dataset.state;
    if (state !== 'done' && state !== 'error') return;
    clearInterval(poll);
    fetch('/result', { method: 'POST', body: JSON.stringify({ example: JSON.parse(status.dataset.result) }) });
  }, 100);
</script>`;
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

let browser = null;
let waiting = null;
const server = http.createServer((req, res) => {
  const send = (type, body, extra = {}) => {
    res.writeHead(200, { ...isolated, ...extra, 'Content-Type': type });
    res.end(body);
  };
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/result') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.end();
      waiting?.(JSON.parse(body));
    });
    return;
  }
  if (url.pathname === '/') return send('text/html', page);
  if (url.pathname === '/worker.js') return send('text/javascript', worker);
  if (url.pathname === '/example') return send('text/html', examplePage);
  if (url.pathname === '/webgpu') return send('text/html', webgpuPage);
  if (url.pathname.startsWith('/core/')) {
    const file = path.join(dist, path.basename(url.pathname));
    if (existsSync(file)) return send('text/javascript', readFileSync(file));
  }
  // The example and the built core, from the repository, as a static server would.
  const file = path.join(root, path.normalize(url.pathname));
  const allowed = file.startsWith(path.join(root, 'examples/browser/')) || file.startsWith(dist);
  if (allowed && existsSync(file) && types[path.extname(file)] !== undefined) {
    return send(types[path.extname(file)], readFileSync(file), { 'Content-Security-Policy': csp });
  }
  res.writeHead(404);
  res.end();
});

// WebGPU in headless Chromium: on, and on SwiftShader's adapter (the CPU
// Vulkan driver Chromium ships) where the machine has no GPU.
const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

/** Opens `pathname` in a fresh headless Chromium; resolves with what it posts to /result. */
function visit(pathname, seconds, extraFlags = ['--disable-gpu']) {
  return new Promise((resolve) => {
    const profile = mkdtempSync(path.join(tmpdir(), 'tapegrad-chromium-'));
    const flags = ['--headless=new', '--no-sandbox', ...extraFlags, '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
    const timer = setTimeout(() => done({ error: `no result from the browser within ${seconds} s` }), seconds * 1000);
    const done = (r) => {
      clearTimeout(timer);
      waiting = null;
      // Chromium's helper processes share its process group: end them all, then remove the profile.
      browser.once('exit', () => {
        rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
        resolve(r);
      });
      process.kill(-browser.pid, 'SIGTERM');
    };
    waiting = done;
    browser = spawn(chromium, [...flags, `--user-data-dir=${profile}`, `http://localhost:${server.address().port}${pathname}`], { stdio: 'ignore', detached: true });
  });
}

server.listen(0, async () => {
  const r = await visit('/', 60);
  const w = r.worker ?? {};
  const coreOk = r.error === undefined && r.page?.isolated && r.page.backend === 'wasm' && w.backend === 'wasm' && w.threads === 2 && w.sameOnTwoThreads && w.gradOk && w.convOk;
  console.log(`${coreOk ? 'ok  ' : 'FAIL'} core in a page and a worker: ${JSON.stringify(r)}`);
  const [webgpuOk, webgpuSays] = judgeWebGpu(await visit('/webgpu', 90, WEBGPU_FLAGS));
  console.log(`${webgpuOk ? 'ok  ' : 'FAIL'} an MLP trains on webgpu in a page, as on wasm: ${webgpuSays}`);
  const e = await visit('/example', 120);
  const x = e.example ?? {};
  const exampleOk = e.error === undefined && x.type === 'done' && x.backend === 'wasm' && x.isolated && x.threads >= 1 && x.accuracy >= 0.9;
  console.log(`${exampleOk ? 'ok  ' : 'FAIL'} examples/browser trains in its worker: ${JSON.stringify(e)}`);
  server.close();
  process.exit(coreOk && webgpuOk && exampleOk ? 0 : 1);
});
