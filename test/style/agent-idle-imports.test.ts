// What the idle agent may load (bench/RESULTS.md, "Agent RSS"; docs/agent.md, "Memory"). Two
// rules, checked on the import graph of the sources:
// - `fleet-agent run` imports no module that builds zod schemas at load: its static graph (lazy
//   `import()`s and build-time macro imports left out) reaches no runtime import of zod. It
//   checks what it reads with the JSON Schemas zod's schemas are turned into at build time.
// - No module of the agent's bundle imports what costs every agent memory even unused: the bundler
//   hoists imports of built-ins, so node:crypto loads at start if any lazily loaded job module
//   imports it; consola and process.stderr load Node's streams.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";

const REPO = resolve(import.meta.dir, "../..");

/** `import … from "x"` and `export … from "x"`, with what the statement says about itself. */
const STATIC_IMPORT = /^\s*(?:import|export)\s+(type\s+)?[^'"]*?from\s+["']([^"']+)["']([^;\n]*)/gm;
const DYNAMIC_IMPORT = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

interface Module {
  /** Runtime imports, resolved when relative. */
  imports: string[];
  /** import("…") of repo modules, resolved. */
  lazy: string[];
}

function _read(path: string): Module {
  const source = readFileSync(path, "utf8");
  const at = (spec: string) => (spec.startsWith(".") ? resolve(dirname(path), spec) : spec);
  const imports = [...source.matchAll(STATIC_IMPORT)]
    .filter((m) => !m[1] && !/type:\s*["']macro["']/.test(m[3]!))
    .map((m) => at(m[2]!));
  const lazy = [...source.matchAll(DYNAMIC_IMPORT)].map((m) => m[1]!).filter((s) => s.startsWith("."));
  return { imports, lazy: lazy.map(at) };
}

/** Every repo module reachable from `entry`, with the modules that import `what` named by path. */
function _walk(entry: string, follow: (m: Module) => string[]): Map<string, Module> {
  const seen = new Map<string, Module>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    const module = _read(path);
    seen.set(path, module);
    for (const dep of follow(module)) if (dep.startsWith("/")) visit(dep);
  };
  visit(resolve(REPO, entry));
  return seen;
}

const _importers = (graph: Map<string, Module>, bad: (spec: string) => boolean) =>
  [...graph]
    .filter(([, m]) => m.imports.some(bad))
    .map(([path, m]) => `${relative(REPO, path)} imports ${m.imports.filter(bad).join(", ")}`);

test("the walk sees zod where it is imported", () => {
  const graph = _walk("protocol/agent.ts", (m) => m.imports);
  expect(_importers(graph, (s) => s === "zod")).toContain("protocol/agent.ts imports zod");
});

test("fleet-agent run builds no zod schema", () => {
  const graph = _walk("agent/commands/run.ts", (m) => m.imports);
  expect(graph.size).toBeGreaterThan(20);
  expect(_importers(graph, (s) => s === "zod" || s.startsWith("zod/"))).toEqual([]);
});

test("no module of the agent imports node:crypto, node:util or consola", () => {
  const graph = _walk("agent/main.ts", (m) => [...m.imports, ...m.lazy]);
  const costly = new Set([
    "node:crypto",
    "crypto",
    "node:util",
    "util",
    "consola",
    "node:stream",
    "node:tty",
  ]);
  expect(_importers(graph, (s) => costly.has(s))).toEqual([]);
});
