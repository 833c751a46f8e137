// Reading JSONL files that may end in a torn line after a crash: the torn tail is skipped.
import { existsSync, readFileSync } from "node:fs";

export function readJsonLines(path: string): unknown[] {
  if (!existsSync(path)) return [];
  const out: unknown[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // A line cut short by a crash mid-append; everything before it is intact.
    }
  }
  return out;
}
