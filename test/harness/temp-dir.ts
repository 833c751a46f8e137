// Temporary directories for tests, removed when the test process exits (kept when
// FLEET_KEEP_TEMP=1, to inspect a failed run's data dir or spool).
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const DIST = resolve(import.meta.dir, "../../dist");

const _created: string[] = [];
let _cleanupRegistered = false;

/**
 * Where temp dirs go: FLEET_TEST_TMPDIR if set, else /tmp when it is on the same file system as
 * dist/ (the cached builds), else dist/tmp. Agents' binaries are hard links of the ~100 MB builds;
 * on a tmpfs /tmp (Debian 13's default, systemd-nspawn's) each would be a copy, and a run's
 * hundreds of copies fill it.
 */
export function tempRoot(): string {
  if (process.env.FLEET_TEST_TMPDIR) return process.env.FLEET_TEST_TMPDIR;
  const tmp = tmpdir();
  mkdirSync(DIST, { recursive: true });
  if (statSync(tmp).dev === statSync(DIST).dev) return tmp;
  const own = join(DIST, "tmp");
  mkdirSync(own, { recursive: true });
  return own;
}

/** A fresh empty directory such as /tmp/fleet-<prefix>-XXXXXX, under `root` when given. */
export function tempDir(prefix: string, root = tempRoot()): string {
  const dir = mkdtempSync(join(root, `fleet-${prefix.replace(/[^A-Za-z0-9_-]/g, "_")}-`));
  _created.push(dir);
  if (!_cleanupRegistered) {
    _cleanupRegistered = true;
    process.on("exit", removeTempDirs);
  }
  return dir;
}

/**
 * Removes every directory tempDir made so far; runs on exit, and tests may call it early.
 * A detached runner a test left behind may still be writing into its spool while the tree
 * goes (ENOTEMPTY): removal is retried, and a dir that still cannot go is named, not thrown,
 * because a failed afterAll is a failed test in bun's report and cleanup is no test's subject.
 */
export function removeTempDirs(): void {
  if (process.env.FLEET_KEEP_TEMP === "1") return;
  for (const dir of _created.splice(0)) {
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    } catch (err) {
      console.warn(`could not remove temp dir ${dir}: ${(err as Error).message}`);
    }
  }
}
