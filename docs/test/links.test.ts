import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// Relative links in the README and the guides point at files that exist, and
// a link to a heading (`page.md#heading`, `#heading`) at a heading that exists.
const root = fileURLToPath(new URL('../..', import.meta.url));
const docsDir = join(root, 'docs');
const files = [
  join(root, 'README.md'),
  join(root, 'examples', 'mnist', 'README.md'),
  ...readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => join(docsDir, f)),
];
// Pages kept with the benchmark results, which may be absent from a checkout that has not run them.
const optional = new Set(['docs/performance.md']);

const withoutCode = (markdown: string): string => markdown.replace(/```[\s\S]*?```/g, '');

/** The anchors of a page's headings as GitHub makes them: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of withoutCode(readFileSync(file, 'utf8')).matchAll(/^#{1,6}\s+(.*)$/gm)) {
    const slug = heading!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

it('anchors are made as GitHub makes them', () => {
  expect(anchorsOf(join(docsDir, 'cpu-backend.md'))).toContain('relaxed-simd-a-fused-multiply-add');
});

it.each(files.map((f) => [relative(root, f), f]))('%s links to files and headings that exist', (_, file) => {
  const text = withoutCode(readFileSync(file, 'utf8'));
  const missing: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target!)) continue;
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const resolved = path === '' ? file : join(dirname(file), decodeURIComponent(path));
    if (!existsSync(resolved)) {
      if (!optional.has(relative(root, resolved))) missing.push(target!);
    } else if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(resolved).has(anchor)) {
      missing.push(target!);
    }
  }
  expect(missing).toEqual([]);
});
