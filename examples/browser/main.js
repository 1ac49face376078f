// The page's side: start the training worker, show its progress, stay responsive.
// The worker does all the tensor work, so the page never waits on it.
const progress = document.getElementById('progress');
const status = document.getElementById('status');
const log = document.getElementById('log');
let clicks = 0;
document.getElementById('ping').addEventListener('click', () => {
  document.getElementById('clicks').textContent = String(++clicks);
});

const worker = new Worker(new URL('./train.worker.js', import.meta.url), { type: 'module' });
worker.onmessage = ({ data }) => {
  if (data.type === 'started') {
    log.textContent += `backend ${data.backend}, ${data.threads} thread(s), cross-origin isolated: ${data.isolated}\n`;
  } else if (data.type === 'progress') {
    progress.value = data.step / data.steps;
    status.textContent = `step ${data.step} of ${data.steps}, loss ${data.loss.toFixed(4)}`;
    log.textContent += `step ${String(data.step).padStart(4)}  loss ${data.loss.toFixed(4)}\n`;
  } else if (data.type === 'done') {
    progress.value = 1;
    status.textContent = `done: ${(100 * data.accuracy).toFixed(1)}% of the training points right, in ${data.ms.toFixed(0)} ms`;
    status.dataset.state = 'done';
    status.dataset.result = JSON.stringify(data);
  } else if (data.type === 'error') {
    status.textContent = `error: ${data.message}`;
    status.dataset.state = 'error';
    status.dataset.result = JSON.stringify(data);
  }
};
worker.onerror = (e) => {
  status.textContent = `the worker failed to start: ${e.message}`;
  status.dataset.state = 'error';
  status.dataset.result = JSON.stringify({ type: 'error', message: e.message });
};
status.dataset.state = 'training';
