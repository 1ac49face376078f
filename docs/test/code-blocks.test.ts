import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

// Every ```ts block of README.md and docs/*.md is type-checked and run here,
// so that the docs cannot drift from the code. A block tagged ```ts no-run is shown but not
// run; a block tagged ```ts continued is appended to the block before it (so
// a guide can build an example step by step). Blocks import what they use,
// exactly as a reader would.

const docsDir = fileURLToPath(new URL('..', import.meta.url));
const root = join(docsDir, '..');
// One directory per test process: the suite runs once per backend, possibly at the same time.
const blocksDir = join(docsDir, 'test', '.blocks', `${process.env['TAPEGRAD_BACKEND'] ?? 'default'}-${process.pid}`);

interface Block {
  readonly file: string;
  readonly line: number;
  readonly code: string;
}

/** The runnable blocks of one markdown file, with `continued` blocks merged into the block before. */
function extractBlocks(file: string, markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)\b(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const tags = open[2]!.trim().split(/\s+/);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    if (tags.includes('no-run')) continue;
    const code = body.join('\n');
    const previous = blocks.at(-1);
    if (tags.includes('continued') && previous !== undefined) {
      blocks[blocks.length - 1] = { ...previous, code: `${previous.code}\n${code}` };
    } else {
      blocks.push({ file, line: start + 1, code });
    }
  }
  return blocks;
}

const files = [join(root, 'README.md'), ...readdirSync(docsDir).filter((f) => f.endsWith('.md')).map((f) => join(docsDir, f))];

rmSync(blocksDir, { recursive: true, force: true });
mkdirSync(blocksDir, { recursive: true });
afterAll(() => rmSync(blocksDir, { recursive: true, force: true }));

describe('the code-block extractor', () => {
  it('skips no-run blocks and merges continued ones', () => {
    const md = ['```ts', 'a', '```', '```ts continued', 'b', '```', '```ts no-run', 'c', '```', '```js', 'd', '```', '```ts', 'e', '```'].join('\n');
    expect(extractBlocks('x.md', md).map((b) => b.code)).toEqual(['a\nb', 'e']);
  });
});

/** Where each block is written: a module of its own. */
const written = new Map<string, Block>();
for (const file of files) {
  const name = basename(file);
  extractBlocks(name, readFileSync(file, 'utf8')).forEach((block, i) => {
    const path = join(blocksDir, `${name.replace(/\W/g, '-')}-${i}.ts`);
    // `export {}` makes every block a module, so top-level await works.
    writeFileSync(path, `${block.code}\nexport {};\n`);
    written.set(path, block);
  });
}

it("every block type-checks with the project's compiler settings", () => {
  const config = ts.getParsedCommandLineOfConfigFile(join(docsDir, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  const program = ts.createProgram([...written.keys()], { ...config!.options, noEmit: true });
  const problems = ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file !== undefined && written.has(d.file.fileName))
    .map((d) => {
      const block = written.get(d.file!.fileName)!;
      const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
      return `${block.file}, block at line ${block.line}, line ${line + 1} of the block: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
  expect(problems).toEqual([]);
});

for (const file of files) {
  const name = basename(file);
  const blocks = [...written].filter(([, b]) => b.file === name);
  // A page without runnable blocks (tables and prose only) has nothing to run.
  if (blocks.length === 0) continue;
  describe(name, () => {
    it.each(blocks.map(([path, b]) => [`block at line ${b.line}`, path] as const))('%s runs', async (_, path) => {
      // Blocks print what a reader would see; DOCS_SHOW_OUTPUT=1 shows it here too.
      const log = console.log;
      if (process.env.DOCS_SHOW_OUTPUT === undefined) console.log = () => {};
      try {
        await import(path);
      } finally {
        console.log = log;
      }
    });
  });
}
