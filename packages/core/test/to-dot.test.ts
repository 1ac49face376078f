import { describe, expect, it } from 'vitest';
import { tensor, toDot } from '@tapegrad/core';

/** Node ids declared with attributes, and the edges, of a DOT text. */
function parse(dot: string): { nodes: Set<string>; edges: [string, string][] } {
  const nodes = new Set<string>();
  const edges: [string, string][] = [];
  for (const line of dot.split('\n')) {
    const edge = /^\s*(\w+)\s*->\s*(\w+)\s*;\s*$/.exec(line);
    if (edge) edges.push([edge[1]!, edge[2]!]);
    const node = /^\s*(\w+)\s*\[.*\];\s*$/.exec(line);
    if (node && node[1] !== 'node') nodes.add(node[1]!);
  }
  return { nodes, edges };
}

describe('toDot', () => {
  const build = () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const b = tensor([0.5, 0.5], { dtype: 'float64', requiresGrad: true });
    const x = tensor([[1, 1]]);
    const loss = x.matmul(w).add(b).tanh().sum();
    return { w, b, loss };
  };

  it('is valid DOT: a digraph, balanced braces and quotes, edges between declared nodes', () => {
    const { loss } = build();
    const dot = toDot(loss);
    expect(dot.startsWith('digraph')).toBe(true);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
    expect((dot.match(/{/g) ?? []).length).toBe((dot.match(/}/g) ?? []).length);
    expect((dot.replace(/\\"/g, '').match(/"/g) ?? []).length % 2).toBe(0);
    // no raw line breaks inside a quoted label: DOT writes them as \n
    for (const line of dot.split('\n').slice(1, -1)) expect(line.trim()).toMatch(/;$/);
    const { nodes, edges } = parse(dot);
    expect(edges.length).toBeGreaterThan(0);
    for (const [from, to] of edges) {
      expect(nodes.has(from)).toBe(true);
      expect(nodes.has(to)).toBe(true);
    }
  });

  it('shows op names, shapes, dtypes and named leaves', () => {
    const { w, b, loss } = build();
    const dot = toDot(loss, { names: { weight: w, bias: b } });
    for (const op of ['matmul', 'add', 'tanh', 'sum']) expect(dot).toContain(op);
    expect(dot).toContain('weight\\n[2, 2] float32');
    expect(dot).toContain('bias\\n[2] float64');
    expect(dot).toMatch(/tanh\\n\[1, 2\] float64/);
    expect(dot).toMatch(/sum\\n\[\] float64/);
  });

  it('a leaf alone is one node', () => {
    const w = tensor([1], { requiresGrad: true });
    const { nodes, edges } = parse(toDot(w, { names: { w } }));
    expect(nodes.size).toBe(1);
    expect(edges.length).toBe(0);
  });

  it('each node once, even when reached twice', () => {
    const x = tensor([1], { requiresGrad: true });
    const h = x.exp();
    const y = h.mul(h).add(h);
    const dot = toDot(y);
    expect(dot.match(/label="exp/g)?.length).toBe(1);
    expect(dot.match(/shape=ellipse/g)?.length).toBe(1);
  });
});
