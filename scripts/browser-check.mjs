// node scripts/browser-check.mjs: loads the built @tapegrad/core in headless
// Chromium (CHROMIUM, or /usr/bin/chromium) from a cross-origin isolated page,
// and in a module worker there turns on two matmul threads (workers from Blob
// URLs), checks that a product is the same on one and two threads, that
// backward works, and that a convolution and its gradients match the reference
// backend's, then prints what the page and the worker reported.
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

/** Opens `pathname` in a fresh headless Chromium; resolves with what it posts to /result. */
function visit(pathname, seconds) {
  return new Promise((resolve) => {
    const profile = mkdtempSync(path.join(tmpdir(), 'tapegrad-chromium-'));
    const flags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
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
  const e = await visit('/example', 120);
  const x = e.example ?? {};
  const exampleOk = e.error === undefined && x.type === 'done' && x.backend === 'wasm' && x.isolated && x.threads >= 1 && x.accuracy >= 0.9;
  console.log(`${exampleOk ? 'ok  ' : 'FAIL'} examples/browser trains in its worker: ${JSON.stringify(e)}`);
  server.close();
  process.exit(coreOk && exampleOk ? 0 : 1);
});
