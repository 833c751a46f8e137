// Reading JSONL files that may end in a torn line after a crash. Only the LAST line can be torn (an
// append cut short, never acknowledged), and only when it has no newline: that one is skipped. A
// bad line anywhere else is damage, and is reported with its line number instead of being skipped,
// because skipping it would silently drop an entry that was acknowledged.
import { existsSync, readFileSync } from "node:fs";

export interface DamagedLine {
  /** 1-based, as an editor shows it. */
  line: number;
  problem: string;
}

export interface JsonLinesScan<T> {
  values: T[];
  damaged: DamagedLine[];
  /** Bytes after the last newline: a crash mid-append. */
  tornBytes: number;
}

/**
 * Every line of the file, checked by `check` (which throws, with a message saying what the line
 * should be, for a line that is valid JSON but not an entry). Blank lines hold nothing and are
 * passed over. A missing file has no lines.
 */
export function scanJsonLines<T>(path: string, check: (raw: unknown, line: number) => T): JsonLinesScan<T> {
  const out: JsonLinesScan<T> = { values: [], damaged: [], tornBytes: 0 };
  if (!existsSync(path)) return out;
  const text = readFileSync(path, "utf8");
  const end = text.lastIndexOf("\n") + 1;
  out.tornBytes = Buffer.byteLength(text.slice(end));
  const lines = text.slice(0, end).split("\n");
  lines.pop();
  lines.forEach((line, i) => {
    if (!line) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      out.damaged.push({ line: i + 1, problem: `not valid JSON: ${(err as Error).message}` });
      return;
    }
    try {
      out.values.push(check(raw, i + 1));
    } catch (err) {
      out.damaged.push({ line: i + 1, problem: (err as Error).message });
    }
  });
  return out;
}
