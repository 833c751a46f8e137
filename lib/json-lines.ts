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

/** Where a scan starts: a byte offset just past a newline, and the number of the line there. */
export interface LinesFrom {
  byte: number;
  line: number;
}

/**
 * Every line of the file, checked by `check` (which throws, with a message saying what the line
 * should be, for a line that is valid JSON but not an entry). Blank lines hold nothing and are
 * passed over. A missing file has no lines.
 */
export function scanJsonLines<T>(path: string, check: (raw: unknown, line: number) => T): JsonLinesScan<T> {
  if (!existsSync(path)) return { values: [], damaged: [], tornBytes: 0 };
  return scanJsonLinesIn(readFileSync(path), check);
}

/** The same over a file's bytes, from `from` on (the lines before it are not looked at). */
export function scanJsonLinesIn<T>(
  bytes: Uint8Array,
  check: (raw: unknown, line: number) => T,
  from: LinesFrom = { byte: 0, line: 1 },
): JsonLinesScan<T> {
  const out: JsonLinesScan<T> = { values: [], damaged: [], tornBytes: 0 };
  const end = bytes.lastIndexOf(0x0a) + 1;
  out.tornBytes = bytes.length - Math.max(end, from.byte);
  if (end <= from.byte) return out;
  const lines = Buffer.from(bytes.buffer, bytes.byteOffset, end).toString("utf8", from.byte).split("\n");
  lines.pop();
  lines.forEach((line, i) => {
    if (!line) return;
    const number = from.line + i;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      out.damaged.push({ line: number, problem: `not valid JSON: ${(err as Error).message}` });
      return;
    }
    try {
      out.values.push(check(raw, number));
    } catch (err) {
      out.damaged.push({ line: number, problem: (err as Error).message });
    }
  });
  return out;
}
