import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The check behind `pnpm demo`, `bench`, `docs`, `check:browser` and `test`,
// run with --dry-run on a checkout of one package made here, with set mtimes.
const script = fileURLToPath(new URL('./build-if-stale.mjs', import.meta.url));
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A checkout whose package `a` was built at t = 2000 s from sources of t = 1000 s. */
function checkout(): string {
  const root = mkdtempSync(join(tmpdir(), 'tapegrad-build-'));
  dirs.push(root);
  const files = ['tsconfig.base.json', 'packages/a/package.json', 'packages/a/src/x.ts', 'packages/a/src/y.ts', 'packages/a/dist/index.js', 'packages/a/dist/index.d.ts'];
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), '');
  }
  for (const f of [...files, 'packages/a/src']) utimesSync(join(root, f), 1000, f.includes('dist/') ? 2000 : 1000);
  return root;
}

function check(root: string): string {
  const r = spawnSync(process.execPath, [script, '--dry-run', '--root', root], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stderr.trim();
}

describe('build-if-stale', () => {
  it('skips the build when dist/ is newer than everything the build reads', () => {
    expect(check(checkout())).toBe('build: packages/*/dist is up to date');
  });

  it('builds when a source, a config or the base tsconfig changed after the build', () => {
    for (const f of ['packages/a/src/x.ts', 'packages/a/package.json', 'tsconfig.base.json']) {
      const root = checkout();
      utimesSync(join(root, f), 3000, 3000);
      expect(check(root)).toMatch(/^build: packages\/a \(.+ is newer than dist\/\)$/);
    }
  });

  it('builds when a source was deleted, or dist/ is missing', () => {
    const root = checkout();
    rmSync(join(root, 'packages/a/src/y.ts'));
    expect(check(root)).toBe('build: packages/a (src is newer than dist/)');
    rmSync(join(root, 'packages/a/dist'), { recursive: true });
    expect(check(root)).toBe('build: packages/a (no dist/)');
  });
});

it('every root script that needs the built packages goes through the check', () => {
  const manifest = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { scripts: Record<string, string> };
  for (const name of ['test', 'demo', 'bench', 'docs', 'check:browser']) {
    expect(manifest.scripts[name], name).toMatch(/^node scripts\/build-if-stale\.mjs && /);
  }
});
