// A fingerprint of everything that ends up inside a compiled binary, so caches of builds
// (dist/test for the e2e harness, dist/demo for `npm run demo`) are keyed by it: a changed
// source can never run a stale binary, and unchanged sources skip a minutes-long compile.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { loadSigningKey } from "../signing-key.ts";

const REPO_ROOT = resolve(import.meta.dir, "../..");

/** Every path whose content can change a binary. */
const SOURCE_PATHS = [
  "server",
  "agent",
  "cli",
  "protocol",
  "lib",
  "site",
  "scripts",
  "package.json",
  "bunfig.toml",
];

/**
 * Dev-time scripts under scripts/ that no binary imports: editing the demo or the docs
 * generator must not make every test run recompile ~300 MB of binaries.
 */
const NOT_IN_BINARIES = new Set([
  "scripts/demo",
  "scripts/demo.ts",
  "scripts/docs",
  "scripts/test",
  "scripts/start.ts",
  "scripts/check-node.cjs",
]);

/**
 * SHA-256 (first 16 hex digits) over every source file's path and content, the Bun version
 * and the signing key's public half (compiled into the agent).
 */
export function sourceHash(): string {
  const hash = createHash("sha256").update(`bun ${Bun.version}\nkey ${loadSigningKey().publicKey}\n`);
  const files: string[] = [];
  const walk = (path: string) => {
    if (!existsSync(path) || NOT_IN_BINARIES.has(relative(REPO_ROOT, path))) return;
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path)) if (name !== "node_modules") walk(join(path, name));
    } else files.push(path);
  };
  for (const p of SOURCE_PATHS) walk(join(REPO_ROOT, p));
  for (const file of files.sort()) {
    hash
      .update(`${relative(REPO_ROOT, file)}\0`)
      .update(readFileSync(file))
      .update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}
