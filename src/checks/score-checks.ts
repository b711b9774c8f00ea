// score.mjs checks, done statically with acorn (ECMAScript 2025 modules): the file is parsed, never imported or
// run, because introspecting an untrusted artifact must not execute its code. The contract is spec.ts's:
// load(artifactDir, context) and predict(model, request); optional hooks preprocess and postprocess.
import { parse, type Node as AcornNode } from 'acorn';
import { ARTIFACT_FILES } from '../artifact/spec.js';
import type { CheckContext, Loaded } from './context.js';
import { passed, verdictOf, type Verdict } from './types.js';

/** Minimum parameter counts of the contract's functions. */
const REQUIRED: Record<string, number> = { load: 1, predict: 2 };
const HOOKS: Record<string, number> = { preprocess: 1, postprocess: 1 };

// acorn's node types are untyped beyond `type`; the checks read fields by name.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNode = AcornNode & Record<string, any>;

/** What a top-level binding is: a function with a parameter count (Infinity with a rest parameter), or not. */
type Binding = { fn: true; params: number } | { fn: false; what: string };

const parsed = new WeakMap<CheckContext, Promise<Loaded<AnyNode>>>();

function program(ctx: CheckContext): Promise<Loaded<AnyNode>> {
  let p = parsed.get(ctx);
  if (!p) {
    p = ctx.text(ARTIFACT_FILES.score).then(
      (text): Loaded<AnyNode> => {
        try {
          return {
            ok: true,
            value: parse(text, { ecmaVersion: 'latest', sourceType: 'module', locations: true }) as AnyNode,
          };
        } catch (err) {
          return { ok: false, problems: [(err as Error).message] };
        }
      },
      (err: unknown) => {
        if (err instanceof Error && err.name === 'SkipCheck') throw err;
        return { ok: false, problems: [`score.mjs cannot be read as UTF-8 text: ${(err as Error).message}`] };
      },
    );
    parsed.set(ctx, p);
  }
  return p;
}

function describe(node: AnyNode | null | undefined): Binding {
  if (!node) return { fn: false, what: 'undefined' };
  if (
    node.type === 'FunctionDeclaration' ||
    node.type === 'FunctionExpression' ||
    node.type === 'ArrowFunctionExpression'
  ) {
    const params = node.params as AnyNode[];
    return { fn: true, params: params.some((p) => p.type === 'RestElement') ? Infinity : params.length };
  }
  const what: Record<string, string> = {
    ClassDeclaration: 'a class',
    ClassExpression: 'a class',
    Literal: 'a literal',
    ObjectExpression: 'an object',
  };
  return { fn: false, what: what[node.type] ?? `a ${node.type}` };
}

/** Every exported name and what it is bound to, resolving `export { a as b }` through top-level declarations. */
function exportsOf(ast: AnyNode): { exported: Map<string, Binding>; reexports: boolean } {
  const local = new Map<string, Binding>();
  for (const stmt of ast.body as AnyNode[]) {
    const decl = stmt.type === 'ExportNamedDeclaration' ? (stmt.declaration as AnyNode | null) : stmt;
    if (!decl) continue;
    if (decl.type === 'FunctionDeclaration' || decl.type === 'ClassDeclaration')
      local.set(decl.id.name, describe(decl));
    if (decl.type === 'VariableDeclaration') {
      for (const d of decl.declarations as AnyNode[])
        if (d.id.type === 'Identifier') local.set(d.id.name, describe(d.init));
    }
  }
  const exported = new Map<string, Binding>();
  let reexports = false;
  for (const stmt of ast.body as AnyNode[]) {
    if (stmt.type === 'ExportAllDeclaration') reexports = true;
    if (stmt.type !== 'ExportNamedDeclaration') continue;
    const decl = stmt.declaration as AnyNode | null;
    if (decl?.type === 'FunctionDeclaration' || decl?.type === 'ClassDeclaration')
      exported.set(decl.id.name, local.get(decl.id.name)!);
    if (decl?.type === 'VariableDeclaration') {
      for (const d of decl.declarations as AnyNode[])
        if (d.id.type === 'Identifier') exported.set(d.id.name, local.get(d.id.name)!);
    }
    for (const s of (stmt.specifiers ?? []) as AnyNode[]) {
      const name = s.exported.type === 'Identifier' ? s.exported.name : String(s.exported.value);
      if (stmt.source) {
        reexports = true;
        exported.set(name, {
          fn: false,
          what: `a re-export from ${String(stmt.source.value)}, which cannot be checked without running it`,
        });
      } else exported.set(name, local.get(s.local.name) ?? { fn: false, what: 'not a top-level declaration' });
    }
  }
  return { exported, reexports };
}

/** score.parse */
export async function checkScoreParse(ctx: CheckContext): Promise<Verdict> {
  ctx.requireFile(ARTIFACT_FILES.score);
  const r = await program(ctx);
  return r.ok
    ? passed(`parses as an ES module (${(r.value.body as AnyNode[]).length} top-level statements)`)
    : verdictOf(r.problems, '');
}

/** score.exports */
export async function checkScoreExports(ctx: CheckContext): Promise<Verdict> {
  const ast = await ctx.need(program(ctx), 'score.parse', ARTIFACT_FILES.score);
  const { exported } = exportsOf(ast);
  const problems: string[] = [];
  const judge = (name: string, min: number, required: boolean) => {
    const b = exported.get(name);
    if (!b) {
      if (required) problems.push(`score.mjs does not export ${name}`);
      return;
    }
    if (!b.fn) problems.push(`score.mjs exports ${name} as ${b.what}, not a function`);
    else if (b.params < min)
      problems.push(`score.mjs exports ${name} with ${b.params} parameters; it needs at least ${min}`);
  };
  for (const [name, min] of Object.entries(REQUIRED)) judge(name, min, true);
  for (const [name, min] of Object.entries(HOOKS)) judge(name, min, false);
  const hooks = Object.keys(HOOKS).filter((h) => exported.has(h));
  return verdictOf(problems, `exports load and predict${hooks.length ? ` (hooks: ${hooks.join(', ')})` : ''}`);
}
