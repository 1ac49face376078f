import { describe, expect, it } from 'vitest';
import { renderReport, type ReportData } from '../src/report.js';

function report(over: Partial<ReportData> = {}): string {
  const steps = 1000;
  return renderReport({
    title: 'tapegrad · MNIST mlp',
    settings: { model: 'mlp' },
    testAccuracy: 0.965,
    seconds: 12,
    loss: Array.from({ length: steps }, (_, i) => 2 / (1 + i / 50)),
    accuracy: Array.from({ length: steps }, (_, i) => 1 - 0.9 / (1 + i / 50)),
    epochs: Array.from({ length: 8 }, (_, e) => ({ step: (e + 1) * 125, testAccuracy: 0.9 + e * 0.008 })),
    confusion: Array.from({ length: 10 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i === j ? 190 : 1))),
    misclassified: Array.from({ length: 60 }, () => ({ pixels: new Float32Array(784), label: 3, predicted: 5 })),
    misclassifiedTotal: 69,
    ...over,
  });
}

describe('the MNIST report', () => {
  it('says how many misclassified digits it shows of how many', () => {
    expect(report()).toContain('60 of 69 misclassified shown');
    expect(report({ misclassified: [], misclassifiedTotal: 0 })).toContain('All 0 misclassified shown');
    expect(report({ misclassified: [{ pixels: new Float32Array(784), label: 1, predicted: 7 }], misclassifiedTotal: 1 })).toContain('All 1 misclassified shown');
  });

  it.each([1, 9, 125, 1000, 10_000, 125_000])('keeps every label of its charts inside the chart, with %i steps', (steps) => {
    const html = report({ loss: new Array<number>(steps).fill(0.3), accuracy: new Array<number>(steps).fill(0.9), epochs: [{ step: steps, testAccuracy: 0.9 }] });
    const charts = [...html.matchAll(/<svg [^>]*viewBox="0 0 (\d+) \d+"[^>]*>(.*?)<\/svg>/g)];
    expect(charts.length).toBe(3);
    for (const [, width, body] of charts) {
      for (const [, attrs, text] of body!.matchAll(/<text ([^>]*)>([^<]*)<\/text>/g)) {
        if (attrs!.includes('transform')) continue; // the rotated axis title of the confusion matrix
        const x = Number(/\bx="([\d.]+)"/.exec(attrs!)![1]);
        // A generous 7px per character at 11 to 13px.
        const w = text!.length * 7;
        const anchor = /text-anchor="(\w+)"/.exec(attrs!)?.[1] ?? 'start';
        const [left, right] = anchor === 'middle' ? [x - w / 2, x + w / 2] : anchor === 'end' ? [x - w, x] : [x, x + w];
        expect({ text, left: left >= 0, right: right <= Number(width) }).toEqual({ text, left: true, right: true });
      }
    }
  });
});
