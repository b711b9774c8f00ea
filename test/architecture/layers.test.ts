// The layers of src/, from the ground up (issue 11): a module may import its own area and any lower layer, never
// a higher one nor a sibling of its own layer. One home per concept only holds if the homes do not lean on each
// other sideways: library code that imports the CLI cannot run without it, and siblings that import each other
// are one concept in two places.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** Each layer's areas: a top-level file or folder of src/. Lower index, lower layer. */
const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts'],
  ['io'],
  ['version.ts'],
  ['onnx'],
  ['tensor'],
  ['certainty'],
  ['artifact'],
  // Introspection's checks sit below what trusts an artifact: push, serve and verify open one only through the
  // admission gate (checks/admission.ts, issue 18).
  ['checks'],
  ['serve', 'registry', 'evaluate'],
  ['verify', 'deploy'],
  ['cli'],
  // The package's façade re-exports the library and the renderers; nothing in src/ imports it (the commands
  // import their own modules, for start-up time).
  ['index.ts'],
];

/**
 * Back-edges that other work in flight is removing, each with who removes it. This list must shrink to empty:
 * an entry whose import no longer exists fails the test, so it cannot outlive its edge.
 */
const ALLOWED: readonly { file: string; imports: string; why: string }[] = [];

const root = resolve(import.meta.dirname, '..', '..');
const src = join(root, 'src');

/** The area of a path inside src/: its first segment ("onnx", "errors.ts"). */
function areaOf(srcRelative: string): string {
  return srcRelative.split(/[\\/]/)[0]!;
}

function layerOf(area: string): number {
  return LAYERS.findIndex((layer) => layer.includes(area));
}

/** Every module specifier of a file: import and export-from declarations (type-only too), import(), require(). */
export function moduleSpecifiers(fileName: string, text: string): { specifier: string; line: number }[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: { specifier: string; line: number }[] = [];
  const add = (node: ts.Node, literal: ts.Expression | undefined) => {
    if (literal && ts.isStringLiteralLike(literal))
      found.push({ specifier: literal.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      add(node, node.moduleReference.expression);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const dynamic = callee.kind === ts.SyntaxKind.ImportKeyword;
      const required = ts.isIdentifier(callee) && callee.text === 'require';
      if (dynamic || required) add(node, node.arguments[0]);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node, node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

interface Violation {
  file: string;
  line: number;
  imports: string;
  message: string;
}

/** Check files (paths relative to src/, with their text) against LAYERS. */
export function layerViolations(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  for (const [file, text] of files) {
    const fromArea = areaOf(file);
    const fromLayer = layerOf(fromArea);
    if (fromLayer < 0) {
      violations.push({ file, line: 1, imports: '', message: `src/${fromArea} is in no layer; add it to LAYERS` });
      continue;
    }
    for (const { specifier, line } of moduleSpecifiers(file, text)) {
      if (!specifier.startsWith('.')) continue;
      // NodeNext ESM: specifiers name the emitted .js file of a .ts source.
      const target = relative(src, resolve(src, dirname(file), specifier)).replace(/\.js$/, '.ts');
      if (target.startsWith('..')) continue;
      const toArea = areaOf(target);
      if (toArea === fromArea) continue;
      const toLayer = layerOf(toArea);
      const why =
        toLayer < 0
          ? `src/${toArea} is in no layer`
          : toLayer > fromLayer
            ? `${fromArea} (layer ${fromLayer}) imports ${toArea}, a higher layer (${toLayer})`
            : toLayer === fromLayer
              ? `${fromArea} imports ${toArea}, a sibling in layer ${fromLayer}`
              : undefined;
      if (why) violations.push({ file: `src/${file.split(sep).join('/')}`, line, imports: specifier, message: why });
    }
  }
  return violations;
}

function sourceTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts')) files.set(relative(src, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

const describeViolation = (v: Violation) => `${v.file}:${v.line} imports '${v.imports}': ${v.message}`;

describe('the layers of src/', () => {
  it('has no import against the layer order, except the listed ones in flight', () => {
    const found = layerViolations(sourceTree(src));
    const allowed = (v: Violation) => ALLOWED.some((a) => a.file === v.file && a.imports === v.imports);
    expect(found.filter((v) => !allowed(v)).map(describeViolation)).toEqual([]);
    const stale = ALLOWED.filter((a) => !found.some((v) => v.file === a.file && v.imports === a.imports));
    expect(stale.map((a) => `${a.file} no longer imports '${a.imports}': remove it from ALLOWED`)).toEqual([]);
  });

  it('reports a library module that imports the CLI, naming the file and the import', () => {
    const files = new Map([[join('onnx', 'model.ts'), "import { formatTable } from '../cli/output.js';\n"]]);
    expect(layerViolations(files).map(describeViolation)).toEqual([
      "src/onnx/model.ts:1 imports '../cli/output.js': onnx (layer 3) imports cli, a higher layer (10)",
    ]);
  });

  it('sees dynamic imports, type-only imports and re-exports, and siblings of one layer', () => {
    const text = [
      "import type { Report } from '../../evaluate/report.js';",
      "export { x } from '../../deploy/x.js';",
      'async function f() {',
      "  return import('../../serve/server.js');",
      '}',
      "import { ok } from '../../artifact/open.js';",
      "import { same } from './own.js';",
    ].join('\n');
    const files = new Map([[join('registry', 'image', 'a.ts'), text]]);
    expect(layerViolations(files).map((v) => [v.line, v.imports])).toEqual([
      [1, '../../evaluate/report.js'],
      [2, '../../deploy/x.js'],
      [4, '../../serve/server.js'],
    ]);
  });

  it('refuses a folder of src/ that has no layer', () => {
    const files = new Map([[join('plugins', 'a.ts'), '']]);
    expect(layerViolations(files).map((v) => v.message)).toEqual(['src/plugins is in no layer; add it to LAYERS']);
  });
});
