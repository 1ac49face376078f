/**
 * Renders the recorded computation graph of a small two-layer network with
 * `toDot`: one box per op, one ellipse per leaf. Writes `graph.dot`, and
 * `graph.svg` too when Graphviz's `dot` is installed (it is optional).
 *
 * Run it: `pnpm --filter @tapegrad/examples graph [out-dir]`
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Generator, matmul, randn, tensor, toDot, zeros } from '@tapegrad/core';
import { crossEntropy } from '@tapegrad/nn';

/** The DOT text of `crossEntropy(relu(x·W1 + b1)·W2 + b2, y)` for a batch of 4. */
export function modelGraph(): string {
  const g = new Generator(0);
  const x = randn([4, 3], { generator: g });
  const y = tensor([0, 1, 1, 0], { dtype: 'int32' });
  const w1 = randn([3, 5], { generator: g }).requiresGrad_();
  const b1 = zeros([5]).requiresGrad_();
  const w2 = randn([5, 2], { generator: g }).requiresGrad_();
  const b2 = zeros([2]).requiresGrad_();
  const logits = matmul(matmul(x, w1).add(b1).relu(), w2).add(b2);
  const loss = crossEntropy(logits, y);
  return toDot(loss, { names: { W1: w1, b1, W2: w2, b2 } });
}

/** Writes `graph.dot` into `dir`, and `graph.svg` if Graphviz is there; returns the files written. */
export function writeGraph(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const dotPath = join(dir, 'graph.dot');
  writeFileSync(dotPath, `${modelGraph()}\n`);
  const written = [dotPath];
  const rendered = spawnSync('dot', ['-Tsvg', dotPath, '-o', join(dir, 'graph.svg')], { stdio: 'ignore' });
  if (rendered.status === 0) written.push(join(dir, 'graph.svg'));
  return written;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Built to examples/dist/graph.js; the default output is examples/graph/out/.
  const dir = process.argv[2] ?? fileURLToPath(new URL('../graph/out/', import.meta.url));
  const files = writeGraph(dir);
  console.log(`wrote ${files.join(' and ')}`);
  if (files.length === 1) console.log('install Graphviz (e.g. apt-get install graphviz) to render graph.svg as well');
}
