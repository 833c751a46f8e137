// Opening the data directory: create it private, sweep temp files a crash left behind, and read
// each state file — refusing to start on a damaged one rather than silently starting empty.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";

export class StoreCorruptError extends Error {
  override name = "StoreCorruptError";
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(
      `${path} is damaged (${problem}). fleetd will not start on a damaged state file, because ` +
        "starting with less would forget hosts, tokens, jobs or audit entries without a word. Restore " +
        "the file from a backup, or run `fleetd serve --repair` to start with what is intact (it moves " +
        "the damaged files into <data>/repair-<time>/ and logs what it kept and set aside).",
    );
  }
}

/** Checks a parsed line or file against its schema; the error says where and what was expected. */
export function checkWith<T extends z.ZodType>(schema: T, what: string): (raw: unknown) => z.infer<T> {
  return (raw) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const first = parsed.error.issues[0];
    const where = first?.path.length ? ` at ${first.path.join(".")}` : "";
    throw new Error(`not ${what}: unexpected content${where}: ${first?.message ?? "invalid"}`);
  };
}

/** Creates the directory with mode 0700; an existing one is tightened to 0700 too. */
export function ensurePrivateDir(dir: string): void {
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== "win32") chmodSync(dir, 0o700);
}

/** writeFileAtomic names its temp files `<file>.tmp-<pid>-<n>`; any still here died with a crash. */
export function removeLeftoverTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    if (!/\.tmp-\d+-\d+$/.test(name)) continue;
    unlinkSync(join(dir, name));
    removed.push(name);
  }
  return removed;
}

/** Reads and validates a JSON state file; a missing file means a fresh start and yields `empty`. */
export function readStateFile<T extends z.ZodType>(path: string, schema: T, empty: z.infer<T>): z.infer<T> {
  if (!existsSync(path)) return empty;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new StoreCorruptError(path, `not valid JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? first.path.join(".") : "(top level)";
    throw new StoreCorruptError(path, `unexpected content at ${where}: ${first?.message ?? "invalid"}`);
  }
  return parsed.data;
}
