// node scripts/build-if-stale.mjs [--dry-run] [--root DIR]: runs `pnpm build`
// only when a package's build is out of date, so that `pnpm demo`, `bench`,
// `docs`, `check:browser` and `test` skip the ~15 s rebuild when nothing changed.
//
// A package is stale when its dist/ is missing or empty, or when anything its
// build reads (src/, package.json, tsup.config.ts, its tsconfigs, the root
// tsconfig.base.json) is newer than the oldest file in dist/ (tsup rewrites
// them all). Directories count too, so that deleting or renaming a source file
// makes its package stale. --dry-run prints the stale packages and builds
// nothing; --root points at another checkout (for tests).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const rootAt = args.indexOf('--root');
const root = rootAt >= 0 ? resolve(args[rootAt + 1] ?? '.') : fileURLToPath(new URL('..', import.meta.url));

/** Every file and directory under `path` (itself included), with its mtime. */
function walk(path, out = []) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat === undefined) return out;
  out.push({ path, mtime: stat.mtimeMs, isFile: stat.isFile() });
  if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name), out);
  return out;
}

/** Why the package in `dir` needs a build, or null when its dist/ is up to date. */
function staleness(dir) {
  const outputs = walk(join(dir, 'dist')).filter((e) => e.isFile);
  if (outputs.length === 0) return 'no dist/';
  const built = Math.min(...outputs.map((e) => e.mtime));
  const configs = readdirSync(dir).filter((f) => f === 'package.json' || f === 'tsup.config.ts' || /^tsconfig.*\.json$/.test(f));
  const inputs = [...walk(join(dir, 'src')), ...configs.flatMap((f) => walk(join(dir, f))), ...walk(join(root, 'tsconfig.base.json'))];
  const newer = inputs.filter((e) => e.mtime > built).sort((a, b) => b.mtime - a.mtime)[0];
  return newer === undefined ? null : `${relative(dir, newer.path) || '.'} is newer than dist/`;
}

const packagesDir = join(root, 'packages');
const stale = (existsSync(packagesDir) ? readdirSync(packagesDir) : [])
  .filter((name) => existsSync(join(packagesDir, name, 'package.json')))
  .map((name) => ({ name, why: staleness(join(packagesDir, name)) }))
  .filter((p) => p.why !== null);

if (stale.length === 0) {
  process.stderr.write('build: packages/*/dist is up to date\n');
} else {
  process.stderr.write(`build: ${stale.map((p) => `packages/${p.name} (${p.why})`).join(', ')}\n`);
  if (!dryRun) {
    // Under `pnpm <script>`, npm_execpath is pnpm itself; otherwise the pnpm the
    // repository names in packageManager, through npx (a fresh machine has no pnpm on PATH).
    const pnpm = process.env.npm_execpath;
    const manager = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager ?? 'pnpm';
    const run = pnpm !== undefined && /pnpm/.test(pnpm) && /\.[cm]?js$/.test(pnpm) ? [process.execPath, [pnpm, 'build']] : ['npx', ['--yes', manager, 'build']];
    const result = spawnSync(run[0], run[1], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    process.exit(result.status ?? 1);
  }
}
