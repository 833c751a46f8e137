// What the check of the audit log at open may pass over. fleetd refuses to start on a damaged
// audit line, and checking every line of a full log (10 MiB current + 10 MiB rotated) took over a
// second at each start. But the log is only appended to, so what an earlier open checked is still
// good if its bytes are unchanged: audit.verified.json names each checked prefix by its length,
// line count and SHA-256 (hashing 20 MiB is ~30 ms; parsing and checking it was ~1.5 s). An open
// re-checks only the lines after the longest prefix whose hash still matches; a changed byte
// anywhere in a prefix (damage, a hand edit, a repair) means the whole file is checked again.
// The note is never trusted beyond its hash: a missing or damaged one costs one full check.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../lib/atomic-write.ts";
import type { LinesFrom } from "../../lib/json-lines.ts";
import { sha256Hex } from "../../lib/sha256-file.ts";

export const AUDIT_VERIFIED_FILE = "audit.verified.json";

export interface VerifiedPrefix {
  bytes: number;
  lines: number;
  sha256: string;
}

const _isPrefix = (v: unknown): v is VerifiedPrefix => {
  const p = v as Partial<VerifiedPrefix> | null;
  return (
    typeof p === "object" &&
    p !== null &&
    Number.isSafeInteger(p.bytes) &&
    (p.bytes as number) > 0 &&
    Number.isSafeInteger(p.lines) &&
    typeof p.sha256 === "string"
  );
};

/** The prefixes checked by the last open; none when the note is missing or not one. */
export function readVerified(dir: string): VerifiedPrefix[] {
  const path = join(dir, AUDIT_VERIFIED_FILE);
  if (!existsSync(path)) return [];
  try {
    const note = JSON.parse(readFileSync(path, "utf8")) as { verified?: unknown };
    return Array.isArray(note.verified) ? note.verified.filter(_isPrefix) : [];
  } catch {
    return [];
  }
}

/** Where the check of `bytes` starts: after the longest checked prefix it still begins with. */
export function uncheckedFrom(bytes: Uint8Array, prefixes: readonly VerifiedPrefix[]): LinesFrom {
  const fitting = prefixes
    .filter((p) => p.bytes <= bytes.length && bytes[p.bytes - 1] === 0x0a)
    .sort((a, b) => b.bytes - a.bytes);
  for (const p of fitting)
    if (sha256Hex(bytes.subarray(0, p.bytes)) === p.sha256) return { byte: p.bytes, line: p.lines + 1 };
  return { byte: 0, line: 1 };
}

/** The whole lines of a file just checked from `from` on, as a prefix the next open may pass over. */
export function checkedPrefix(bytes: Uint8Array, from: LinesFrom): VerifiedPrefix | null {
  const end = bytes.lastIndexOf(0x0a) + 1;
  if (end === 0) return null;
  let lines = from.line - 1;
  for (let at = bytes.indexOf(0x0a, from.byte); at >= 0 && at < end; at = bytes.indexOf(0x0a, at + 1))
    lines++;
  return { bytes: end, lines, sha256: sha256Hex(bytes.subarray(0, end)) };
}

/** Written after every file of the data dir was read intact; a refused write only costs a check. */
export function writeVerified(dir: string, prefixes: readonly VerifiedPrefix[], mode: number): void {
  try {
    writeFileAtomic(join(dir, AUDIT_VERIFIED_FILE), `${JSON.stringify({ verified: prefixes })}\n`, mode);
  } catch {
    // The note only saves time; the next open checks the whole log instead.
  }
}
