import { pngDataUri } from './png.js';
import { SIDE } from './data.js';

/** Everything the report shows. */
export interface ReportData {
  readonly title: string;
  readonly settings: Readonly<Record<string, string | number>>;
  readonly testAccuracy: number;
  readonly seconds: number;
  /** Per training step. */
  readonly loss: readonly number[];
  readonly accuracy: readonly number[];
  /** Test accuracy at the end of each epoch, at its step. */
  readonly epochs: readonly { readonly step: number; readonly testAccuracy: number }[];
  /** `confusion[true][predicted]`: counts on the test set. */
  readonly confusion: readonly (readonly number[])[];
  /** The first misclassified test digits (the report shows at most this many). */
  readonly misclassified: readonly { readonly pixels: ArrayLike<number>; readonly label: number; readonly predicted: number }[];
  /** How many test digits were misclassified in all. */
  readonly misclassifiedTotal: number;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The width of a tick label at 11px: digits and most characters are narrower than 7px. */
const tickWidth = (s: string): number => s.length * 7;

/**
 * Exponential moving average, to see the trend through mini-batch noise;
 * bias-corrected (as Adam's moments) so that it starts at the first values.
 */
function smooth(values: readonly number[], alpha = 0.05): number[] {
  const out: number[] = [];
  let m = 0;
  values.forEach((v, i) => {
    m = alpha * v + (1 - alpha) * m;
    out.push(m / (1 - (1 - alpha) ** (i + 1)));
  });
  return out;
}

/** Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) from `lo` to `hi`. */
function niceTicks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

interface Series {
  readonly values: readonly number[];
  /** x of each value (the step); 1, 2, 3… by default. */
  readonly xs?: readonly number[];
  readonly colour: string;
  readonly label: string;
  readonly faint?: boolean;
  readonly dots?: boolean;
}

/** A line chart as inline SVG with axes, round ticks and a legend under the title. */
function lineChart(title: string, series: readonly Series[], yRange: readonly [number, number], yFormat: (v: number) => string): string {
  const W = 460;
  const H = 280;
  const L = 52;
  const T = 48;
  const B = 36;
  const maxX = Math.max(1, ...series.map((s) => (s.xs ? Math.max(...s.xs) : s.values.length)));
  const xTicks = niceTicks(0, maxX, 5)
    .filter((x) => x >= 1 || maxX < 5)
    .map((x) => Math.max(1, x));
  // The last step label is centred on the right end of the axis: keep half of it inside the chart.
  const R = Math.max(12, Math.ceil(tickWidth(String(xTicks.at(-1) ?? maxX)) / 2) + 2);
  const [y0, y1] = yRange;
  const px = (x: number): number => L + ((x - 1) / Math.max(1, maxX - 1)) * (W - L - R);
  const py = (y: number): number => T + (1 - (Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0)) * (H - T - B);
  const parts: string[] = [];
  parts.push(`<text x="${L}" y="16" class="title">${esc(title)}</text>`);
  for (const y of niceTicks(y0, y1, 4)) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${py(y).toFixed(1)}" y2="${py(y).toFixed(1)}" class="grid"/>`);
    parts.push(`<text x="${L - 6}" y="${(py(y) + 4).toFixed(1)}" text-anchor="end" class="tick">${yFormat(y)}</text>`);
  }
  for (const x of xTicks) {
    parts.push(`<text x="${px(x).toFixed(1)}" y="${H - B + 16}" text-anchor="middle" class="tick">${x}</text>`);
  }
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 4}" text-anchor="middle" class="tick">step</text>`);
  parts.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" class="axis"/><line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" class="axis"/>`);
  let legendX = L;
  for (const s of series) {
    const pts = s.values.map((v, i) => `${px(s.xs?.[i] ?? i + 1).toFixed(1)},${py(v).toFixed(1)}`);
    if (!s.dots) {
      parts.push(`<polyline fill="none" stroke="${s.colour}" stroke-width="${s.faint ? 1 : 2}" opacity="${s.faint ? 0.3 : 1}" points="${pts.join(' ')}"/>`);
    } else {
      for (const p of pts) {
        const [x, y] = p.split(',');
        parts.push(`<circle cx="${x}" cy="${y}" r="4" fill="${s.colour}" stroke="#fff"/>`);
      }
    }
    parts.push(`<rect x="${legendX}" y="26" width="10" height="10" fill="${s.colour}" opacity="${s.faint ? 0.3 : 1}"/><text x="${legendX + 14}" y="35" class="tick">${esc(s.label)}</text>`);
    legendX += 22 + s.label.length * 6;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}">${parts.join('')}</svg>`;
}

/** The confusion matrix as a grid of shaded cells with their counts. */
function confusionChart(confusion: readonly (readonly number[])[]): string {
  const cell = 34;
  const L = 48;
  const T = 44;
  const size = L + cell * 10 + 8;
  const parts: string[] = [];
  parts.push(`<text x="${L + cell * 5}" y="14" text-anchor="middle" class="title">predicted</text>`);
  parts.push(`<text x="12" y="${T + cell * 5}" text-anchor="middle" class="title" transform="rotate(-90 12 ${T + cell * 5})">true</text>`);
  const rowTotals = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  for (let j = 0; j < 10; j++) parts.push(`<text x="${L + j * cell + cell / 2}" y="${T - 8}" text-anchor="middle" class="tick">${j}</text>`);
  for (let i = 0; i < 10; i++) {
    parts.push(`<text x="${L - 8}" y="${T + i * cell + cell / 2 + 4}" text-anchor="end" class="tick">${i}</text>`);
    for (let j = 0; j < 10; j++) {
      const n = confusion[i]?.[j] ?? 0;
      const share = rowTotals[i]! > 0 ? n / rowTotals[i]! : 0;
      // Correct answers in blue, mistakes in red; the shade is the share of the row.
      const fill = i === j ? `rgba(37, 99, 235, ${(0.1 + 0.9 * share).toFixed(3)})` : n === 0 ? '#f8fafc' : `rgba(220, 38, 38, ${Math.min(1, 0.15 + share * 8).toFixed(3)})`;
      const text = i === j && share > 0.5 ? '#fff' : '#111';
      parts.push(`<rect x="${L + j * cell}" y="${T + i * cell}" width="${cell - 1}" height="${cell - 1}" fill="${fill}"><title>true ${i}, predicted ${j}: ${n}</title></rect>`);
      if (n > 0) parts.push(`<text x="${L + j * cell + cell / 2}" y="${T + i * cell + cell / 2 + 4}" text-anchor="middle" class="count" fill="${text}">${n}</text>`);
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${T + cell * 10 + 4}" width="${size}" height="${T + cell * 10 + 4}" role="img" aria-label="confusion matrix">${parts.join('')}</svg>`;
}

/** A self-contained HTML page: no scripts, no external files. */
export function renderReport(d: ReportData): string {
  const settings = Object.entries(d.settings)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(String(v))}</td></tr>`)
    .join('');
  const maxLoss = Math.max(0.5, Math.min(3, Math.ceil(Math.max(...d.loss.slice(0, 20), 0.5) * 2) / 2));
  const trainAcc = smooth(d.accuracy);
  // Start the accuracy axis near where training spends most of its time, at a multiple of 5%.
  const accLow = Math.max(0, Math.min(0.9, Math.floor((Math.min(...trainAcc.slice(Math.floor(trainAcc.length / 10)), ...d.epochs.map((e) => e.testAccuracy)) - 0.02) * 20) / 20));
  const epochXs = d.epochs.map((e) => e.step);
  const lossChart = lineChart(
    'training loss (cross-entropy)',
    [
      { values: d.loss, colour: '#2563eb', label: 'per step', faint: true },
      { values: smooth(d.loss), colour: '#2563eb', label: 'moving average' },
    ],
    [0, maxLoss],
    (v) => v.toFixed(2),
  );
  const accChart = lineChart(
    'accuracy',
    [
      { values: d.accuracy, colour: '#16a34a', label: 'per step', faint: true },
      { values: trainAcc, colour: '#16a34a', label: 'training (average)' },
      { values: d.epochs.map((e) => e.testAccuracy), xs: epochXs, colour: '#dc2626', label: 'test, end of epoch', dots: true },
    ],
    [accLow, 1],
    (v) => `${Math.round(v * 100)}%`,
  );
  const digits = d.misclassified
    .map(
      (m) =>
        `<figure><img src="${pngDataUri(m.pixels, SIDE, SIDE)}" width="56" height="56" alt="a ${m.label} read as ${m.predicted}"><figcaption><b>${m.predicted}</b> <span>(is ${m.label})</span></figcaption></figure>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(d.title)}</title>
<style>
  body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1000px; padding: 0 1rem; color: #111; }
  h1 { margin-bottom: 0.2rem; } .big { font-size: 2.4rem; font-weight: 700; color: #16a34a; }
  table { border-collapse: collapse; } th, td { text-align: left; padding: 2px 12px 2px 0; } th { font-weight: 500; color: #555; }
  .charts { display: flex; flex-wrap: wrap; gap: 1.5rem; }
  svg .title { font-size: 13px; font-weight: 600; } svg .tick { font-size: 11px; fill: #444; } svg .count { font-size: 11px; }
  svg .grid { stroke: #e5e7eb; } svg .axis { stroke: #444; }
  .digits { display: flex; flex-wrap: wrap; gap: 6px; }
  figure { margin: 0; text-align: center; } figure img { image-rendering: pixelated; display: block; border: 1px solid #ddd; }
  figcaption { font-size: 12px; } figcaption b { color: #dc2626; } figcaption span { color: #666; }
</style>
</head>
<body>
<h1>${esc(d.title)}</h1>
<p><span class="big">${(d.testAccuracy * 100).toFixed(2)}%</span> test accuracy on ${d.confusion.flat().reduce((a, b) => a + b, 0).toLocaleString('en-US')} digits never seen in training, after ${d.seconds.toFixed(1)} s.</p>
<table>${settings}</table>
<h2>Training</h2>
<div class="charts">${lossChart}${accChart}</div>
<h2>Confusion matrix (test set)</h2>
${confusionChart(d.confusion)}
<h2>Misclassified test digits</h2>
<p>${d.misclassified.length < d.misclassifiedTotal ? `${d.misclassified.length} of ${d.misclassifiedTotal}` : `All ${d.misclassifiedTotal}`} misclassified shown, each with the model's answer in red and the true label after it.</p>
<div class="digits">${digits || '<p>None.</p>'}</div>
</body>
</html>
`;
}
