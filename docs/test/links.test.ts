import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// Relative links in the README and the guides point at files that exist.
const root = fileURLToPath(new URL('../..', import.meta.url));
const docsDir = join(root, 'docs');
const files = [
  join(root, 'README.md'),
  join(root, 'examples', 'mnist', 'README.md'),
  ...readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => join(docsDir, f)),
];
// Pages kept with the benchmark results, which may be absent from a checkout that has not run them.
const optional = new Set(['docs/performance.md']);

it.each(files.map((f) => [relative(root, f), f]))('%s links to files that exist', (_, file) => {
  const text = readFileSync(file, 'utf8').replace(/```[\s\S]*?```/g, '');
  const missing: string[] = [];
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target!) || target!.startsWith('#')) continue;
    const path = join(dirname(file), decodeURIComponent(target!.split('#')[0]!));
    if (!existsSync(path) && !optional.has(relative(root, path))) missing.push(target!);
  }
  expect(missing).toEqual([]);
});
