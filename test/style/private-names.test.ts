// The house rule for private helpers (citty's style): a `_` prefix marks a name as private to its
// module, so a `_` name is never exported. Every tracked .ts file of the programs and their tooling
// is read; a failure names file:line. Something another module needs is shared: drop the `_`.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { runToEnd } from "../harness/run-to-end.ts";

const REPO = resolve(import.meta.dir, "../..");
const DIRS = ["agent", "cli", "server", "protocol", "lib", "site", "scripts"];

interface ExportedPrivate {
  line: number;
  name: string;
}

const DECLARATION =
  /^[ \t]*export[ \t]+(?:default[ \t]+)?(?:declare[ \t]+)?(?:abstract[ \t]+)?(?:async[ \t]+)?(?:function\*?|const|let|var|class|type|interface|enum|namespace)[ \t]+(_[\w$]*)/gm;
/** `export { a, b as _c }` and `export type { … } from "…"`, over several lines too. */
const EXPORT_LIST = /^[ \t]*export[ \t]+(?:type[ \t]+)?\{([^}]*)\}/gm;

function _exportedPrivateNames(source: string): ExportedPrivate[] {
  const lineAt = (offset: number) => source.slice(0, offset).split("\n").length;
  const found: ExportedPrivate[] = [];
  for (const m of source.matchAll(DECLARATION)) found.push({ line: lineAt(m.index), name: m[1]! });
  for (const m of source.matchAll(EXPORT_LIST)) {
    const listStart = m.index + m[0].indexOf("{") + 1;
    for (const spec of m[1]!.matchAll(/[^,]+/g)) {
      // The name others import is the one after `as`; `_x as shared` keeps `_x` private.
      const exported = spec[0]
        .replace(/^\s*type\s+/, "")
        .split(/\s+as\s+/)
        .pop()!
        .trim();
      const at = listStart + spec.index + spec[0].length - spec[0].trimStart().length;
      if (exported.startsWith("_")) found.push({ line: lineAt(at), name: exported });
    }
  }
  return found.sort((a, b) => a.line - b.line);
}

test("the scan finds every way of exporting a `_` name, and nothing else", () => {
  const sample = [
    "export function _a() {}",
    "export async function _b() {}",
    "export const _c = 1;",
    "export let _d = 1;",
    "export class _E {}",
    "export type _F = string;",
    "export interface _G {}",
    "export { shared, _h };",
    "export {",
    "  _i as alsoPrivate,",
    "  kept as _j,",
    "  type _k,",
    '} from "./x.ts";',
    "export function shared() {}",
    "function _private() {}",
    "const _alsoPrivate = 2;",
    "// export function _inAComment() {}",
  ].join("\n");
  expect(_exportedPrivateNames(sample)).toEqual([
    { line: 1, name: "_a" },
    { line: 2, name: "_b" },
    { line: 3, name: "_c" },
    { line: 4, name: "_d" },
    { line: 5, name: "_E" },
    { line: 6, name: "_F" },
    { line: 7, name: "_G" },
    { line: 8, name: "_h" },
    { line: 11, name: "_j" },
    { line: 12, name: "_k" },
  ]);
});

test("no `_` name is exported from agent/, cli/, server/, protocol/, lib/, site/ or scripts/", async () => {
  const listed = await runToEnd(["git", "ls-files", "--", ...DIRS], {}, { cwd: REPO });
  expect(listed.code).toBe(0);
  const files = listed.stdout.split("\n").filter((path) => path.endsWith(".ts"));
  expect(files.length).toBeGreaterThan(100);

  const violations: string[] = [];
  for (const path of files) {
    for (const { line, name } of _exportedPrivateNames(readFileSync(join(REPO, path), "utf8"))) {
      violations.push(`${path}:${line}: exports ${name}`);
    }
  }
  expect(violations).toEqual([]);
});
