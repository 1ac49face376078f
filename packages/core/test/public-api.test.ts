import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The public API is what each package's index exports: every exported name
// must carry a TSDoc comment with an example, and no public signature may
// mention `any`.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const entries = {
  '@tapegrad/core': 'packages/core/src/index.ts',
  '@tapegrad/core/testing': 'packages/core/src/testing/index.ts',
  '@tapegrad/core/testing/arbitraries': 'packages/core/src/testing/arbitraries.ts',
  '@tapegrad/core/node': 'packages/core/src/node/index.ts',
  '@tapegrad/nn': 'packages/nn/src/index.ts',
  '@tapegrad/optim': 'packages/optim/src/index.ts',
  '@tapegrad/nn/node': 'packages/nn/src/node/index.ts',
  '@tapegrad/data': 'packages/data/src/index.ts',
  '@tapegrad/data/node': 'packages/data/src/node/index.ts',
  '@tapegrad/onnx': 'packages/onnx/src/index.ts',
};

const program = ts.createProgram(
  Object.values(entries).map((e) => join(root, e)),
  {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    paths: {
      '@tapegrad/core': [join(root, 'packages/core/src/index.ts')],
      '@tapegrad/core/testing': [join(root, 'packages/core/src/testing/index.ts')],
      '@tapegrad/nn': [join(root, 'packages/nn/src/index.ts')],
    },
    noEmit: true,
  },
);
const checker = program.getTypeChecker();

function exportedSymbols(entry: string): ts.Symbol[] {
  const file = program.getSourceFile(join(root, entry));
  if (file === undefined) throw new Error(`no source file ${entry}`);
  const moduleSymbol = checker.getSymbolAtLocation(file)!;
  return checker.getExportsOfModule(moduleSymbol);
}

function resolveAlias(s: ts.Symbol): ts.Symbol {
  return s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
}

function hasExample(s: ts.Symbol): boolean {
  const tags = s.getJsDocTags(checker);
  if (tags.some((t) => t.name === 'example')) return true;
  // Overloaded functions: any signature with an example documents the name.
  return (s.declarations ?? []).some((d) => ts.getJSDocTags(d).some((t) => t.tagName.text === 'example'));
}

function mentionsAny(s: ts.Symbol): boolean {
  return (s.declarations ?? []).some((d) => {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (n.kind === ts.SyntaxKind.AnyKeyword) found = true;
      // Bodies are implementation, not signature.
      if (ts.isBlock(n)) return;
      ts.forEachChild(n, visit);
    };
    visit(d);
    return found;
  });
}

describe('public API', () => {
  for (const [pkg, entry] of Object.entries(entries)) {
    it(`${pkg}: every exported name has a TSDoc comment with an example`, () => {
      // A namespace export (`export * as init`) is documented through its members.
      const named = exportedSymbols(entry).flatMap((s) => {
        const target = resolveAlias(s);
        if (!(target.flags & ts.SymbolFlags.ValueModule)) return [[s.name, target] as const];
        return checker.getExportsOfModule(target).map((m) => [`${s.name}.${m.name}`, resolveAlias(m)] as const);
      });
      const missing = named.filter(([, s]) => !hasExample(s)).map(([name]) => name);
      expect(missing).toEqual([]);
    });

    it(`${pkg}: no exported signature mentions any`, () => {
      const offenders = exportedSymbols(entry)
        .filter((s) => mentionsAny(resolveAlias(s)))
        .map((s) => s.name);
      expect(offenders).toEqual([]);
    });
  }
});
