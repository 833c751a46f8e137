// No module imports itself back through others at run time: a cycle makes what a module sees at
// load time depend on who was imported first (the job → rollout → job circle in server/services
// was one). Type-only imports are erased and do not count. A failure prints the cycle.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

const REPO = resolve(import.meta.dir, "../..");
const DIRS = "{agent,cli,server,protocol,lib,site,scripts}";
const RUNTIME_IMPORT = /^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+["'](\.[^"']+)["']/gm;

function _graph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of new Bun.Glob(`${DIRS}/**/*.ts`).scanSync(REPO)) {
    const path = resolve(REPO, file);
    const deps = [...readFileSync(path, "utf8").matchAll(RUNTIME_IMPORT)]
      .filter((m) => !m[1])
      .map((m) => resolve(dirname(path), m[2]!));
    graph.set(path, deps);
  }
  return graph;
}

function _cycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const dep of graph.get(node) ?? []) {
      if (!graph.has(dep)) continue;
      if (state.get(dep) === "open")
        found.push([...stack.slice(stack.indexOf(dep)), dep].map((p) => relative(REPO, p)).join(" → "));
      else if (!state.has(dep)) visit(dep);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

test("the scan sees a cycle when there is one", () => {
  const graph = new Map([
    [resolve(REPO, "a.ts"), [resolve(REPO, "b.ts")]],
    [resolve(REPO, "b.ts"), [resolve(REPO, "a.ts")]],
  ]);
  expect(_cycles(graph)).toEqual(["a.ts → b.ts → a.ts"]);
});

test("no runtime import cycles in the programs and their tooling", () => {
  const graph = _graph();
  expect(graph.size).toBeGreaterThan(100);
  expect(_cycles(graph)).toEqual([]);
});
