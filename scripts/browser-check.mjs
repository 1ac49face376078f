// node scripts/browser-check.mjs: loads the built @tapegrad/core in headless
// Chromium (CHROMIUM, or /usr/bin/chromium) from a cross-origin isolated page,
// and in a module worker there turns on two matmul threads (workers from Blob
// URLs), checks that a product is the same on one and two threads, that
// backward works, and that a convolution and its gradients match the reference
// backend's, then prints what the page and the worker reported.
// Exit code 0 when everything held. Build first (`npx pnpm@10.34.9 build`).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../packages/core/dist/', import.meta.url));
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

const isolated = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
let browser = null;
const finish = (code, message) => {
  console.log(message);
  browser?.kill();
  server.close();
  process.exit(code);
};
const server = http.createServer((req, res) => {
  const send = (type, body) => {
    res.writeHead(200, { ...isolated, 'Content-Type': type });
    res.end(body);
  };
  if (req.url === '/result') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.end();
      const r = JSON.parse(body);
      const w = r.worker ?? {};
      const ok = r.error === undefined && r.page?.isolated && r.page.backend === 'wasm' && w.backend === 'wasm' && w.threads === 2 && w.sameOnTwoThreads && w.gradOk && w.convOk;
      finish(ok ? 0 : 1, JSON.stringify(r));
    });
    return;
  }
  if (req.url === '/') return send('text/html', page);
  if (req.url === '/worker.js') return send('text/javascript', worker);
  const file = req.url.startsWith('/core/') ? path.join(dist, path.basename(req.url)) : '';
  if (file !== '' && existsSync(file)) return send('text/javascript', readFileSync(file));
  res.writeHead(404);
  res.end();
});
server.listen(0, () => {
  const url = `http://localhost:${server.address().port}/`;
  const profile = mkdtempSync(path.join(tmpdir(), 'tapegrad-chromium-'));
  browser = spawn(chromium, ['--headless=new', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, url], { stdio: 'ignore' });
});
setTimeout(() => finish(1, 'no result from the browser within 60 s'), 60_000);
