import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The folders of packages/core/src are its layers: these checks read the
// import statements and keep the layering true as the code changes.
const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');
const files = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.split('\\').join('/'));

/** The files each file imports at run time (type-only imports carry no code, so they make no cycle). */
function imports(file: string, withTypes: boolean): string[] {
  const out: string[] = [];
  const text = readFileSync(join(src, file), 'utf8');
  for (const m of text.matchAll(/^(import|export)(\s+type)?[^'";]*?from\s+'(\.{1,2}\/[^']+)';/gms)) {
    if (m[2] !== undefined && !withTypes) continue;
    out.push(relative(src, resolve(dirname(join(src, file)), m[3]!.replace(/\.js$/, '.ts'))).split('\\').join('/'));
  }
  return out;
}

/** Strongly connected components of more than one file (Tarjan). */
function cycles(): string[][] {
  const graph = new Map(files.map((f) => [f, imports(f, false)]));
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) found.push(scc.sort());
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return found;
}

describe('the layers of core', () => {
  it('has one import cycle at most: the tensor and the ops its methods call', () => {
    const found = cycles();
    expect(found.length).toBeLessThanOrEqual(1);
    for (const scc of found) {
      expect(scc).toContain('tensor/tensor.ts');
      expect(scc.filter((f) => f.startsWith('backend/'))).toEqual([]);
    }
  });

  it('keeps the backend below the tensor: it imports only dtypes, shapes, errors, option checks and primitive names', () => {
    const allowed = (to: string): boolean => to.startsWith('backend/') || ['dtype.ts', 'shape.ts', 'errors.ts', 'options.ts', 'primitives/primitives.ts'].includes(to);
    const bad = files.filter((f) => f.startsWith('backend/')).flatMap((f) => imports(f, true).filter((to) => !allowed(to)).map((to) => `${f} -> ${to}`));
    expect(bad).toEqual([]);
  });

  it('keeps the bottom layer and the primitive names free of everything above them', () => {
    // options.ts checks options objects; it knows a tensor only by its brand.
    const bottom = ['dtype.ts', 'shape.ts', 'errors.ts', 'options.ts', 'tensor/brand.ts'];
    for (const f of [...bottom, 'primitives/primitives.ts']) {
      expect(imports(f, true).filter((to) => !bottom.includes(to))).toEqual([]);
    }
  });

  it('keeps vmap above the tensor: nothing the tensor imports at run time reaches vmap/', () => {
    // BatchedTensor extends Tensor, so its module must run after tensor.ts's;
    // a run-time import path from tensor.ts to vmap/ would evaluate it first.
    const reached = new Set<string>(['tensor/tensor.ts']);
    const queue = ['tensor/tensor.ts'];
    while (queue.length > 0) {
      for (const to of imports(queue.pop()!, false)) {
        if (!reached.has(to)) {
          reached.add(to);
          queue.push(to);
        }
      }
    }
    expect([...reached].filter((f) => f.startsWith('vmap/'))).toEqual([]);
  });

  it('leaves the contents of buffers to the backend: nothing else reads or writes them', () => {
    const outside = files.filter((f) => !f.startsWith('backend/'));
    const reach = outside.filter((f) => /storage\.(data|buffer\.data|prepareWrite|deferred)\b/.test(readFileSync(join(src, f), 'utf8')));
    expect(reach).toEqual([]);
    const allocating = outside.filter((f) => /from '[./]*backend\/(cpu|js|wasm)\//.test(readFileSync(join(src, f), 'utf8')) && f !== 'index.ts' && !f.startsWith('node/'));
    expect(allocating).toEqual([]);
  });
});
