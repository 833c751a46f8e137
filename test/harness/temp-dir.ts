// Temporary directories for tests, removed when the test process exits (kept when
// FLEET_KEEP_TEMP=1, to inspect a failed run's data dir or spool).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const _created: string[] = [];
let _cleanupRegistered = false;

/** A fresh empty directory such as /tmp/fleet-<prefix>-XXXXXX. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fleet-${prefix.replace(/[^A-Za-z0-9_-]/g, "_")}-`));
  _created.push(dir);
  if (!_cleanupRegistered) {
    _cleanupRegistered = true;
    process.on("exit", removeTempDirs);
  }
  return dir;
}

/** Removes every directory tempDir made so far; runs on exit, and tests may call it early. */
export function removeTempDirs(): void {
  if (process.env.FLEET_KEEP_TEMP === "1") return;
  for (const dir of _created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
