import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { modelGraph, writeGraph } from './graph.js';

it('renders the graph of a two-layer network as DOT', () => {
  const dot = modelGraph();
  expect(dot.startsWith('digraph')).toBe(true);
  for (const name of ['W1', 'b1', 'W2', 'b2', 'matmul']) expect(dot).toContain(name);
});

it('writes graph.dot (graph.svg only when Graphviz happens to be installed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tapegrad-graph-'));
  try {
    const files = writeGraph(dir);
    expect(files[0]).toBe(join(dir, 'graph.dot'));
    expect(readFileSync(files[0]!, 'utf8')).toContain('digraph');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
