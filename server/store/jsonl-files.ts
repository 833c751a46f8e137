// Append-only JSONL files: job output and the audit log. Appends are fsynced before they are
// acknowledged; a torn last line left by a crash is cut off at load so the next append starts clean.
import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from "node:fs";

/** Cuts a trailing partial line (no final newline) so appends after a crash do not merge into it. */
export function repairTornTail(path: string): void {
  if (!existsSync(path)) return;
  // Only the last byte tells: the whole file (10 MiB of audit log) is read only when it is torn.
  const size = statSync(path).size;
  if (size === 0 || _byteAt(path, size - 1) === 0x0a) return;
  const keep = readFileSync(path).lastIndexOf(0x0a) + 1;
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, keep);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function _byteAt(path: string, at: number): number {
  const fd = openSync(path, "r");
  try {
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, at);
    return one[0]!;
  } finally {
    closeSync(fd);
  }
}

/**
 * Cuts what a failed append left past `size`, so the next append starts on a clean line instead
 * of gluing an acknowledged entry onto a torn one. False when even the cut failed.
 */
export function cutBackTo(path: string, size: number): boolean {
  try {
    if (fileSize(path) <= size) return true;
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, size);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return true;
  } catch {
    return false;
  }
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export function toJsonLines(values: readonly unknown[]): string {
  let text = "";
  for (const value of values) text += `${JSON.stringify(value)}\n`;
  return text;
}
