#!/usr/bin/env node
// Fails when a package's sources import each other in a cycle (type-only imports included: a
// type cycle still ties modules together). Reads relative imports with TypeScript's own
// pre-processor, resolves `./x.js` to `./x.ts`, and reports every strongly connected component.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const roots = ['core/src', 'mcp-server/src', 'evals/src', ...readdirSync(join(root, 'adapters')).map((a) => `adapters/${a}/src`)];

function sources(dir) {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
}

function edges(file) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((i) => i.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => resolve(dirname(file), s.replace(/\.js$/, '.ts')))
    .filter((f) => existsSync(f));
}

// Tarjan's strongly connected components, iterative enough for these graph sizes.
function cycles(graph) {
  let index = 0;
  const stack = [],
    onStack = new Set(),
    idx = new Map(),
    low = new Map(),
    found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

let failed = false;
for (const dir of roots.map((r) => join(root, r)).filter((d) => existsSync(d))) {
  const graph = new Map(sources(dir).map((f) => [f, edges(f)]));
  for (const scc of cycles(graph)) {
    failed = true;
    console.error(
      `import cycle in ${relative(root, dir)}:\n  ${scc
        .map((f) => relative(root, f))
        .sort()
        .join('\n  ')}`,
    );
  }
}
if (failed) process.exit(1);
console.log('no import cycles');
