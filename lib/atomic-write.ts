// Crash-safe file replacement shared by fleetd's store and the agent's spool:
// a reader after kill -9 or power loss sees the old file or the new one, never a mix.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { open, unlink } from "node:fs/promises";
import { dirname } from "node:path";

let counter = 0;

/** Write `data` to `path` atomically: temp file, fsync, rename, fsync of the directory. */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}-${counter++}`;
  const fd = openSync(tmp, "w", mode);
  try {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    // A rename can need a new directory block too: on a full disk, leave no full-size temp behind.
    try {
      unlinkSync(tmp);
    } catch {
      // Removed at the next start (removeLeftoverTempFiles).
    }
    throw err;
  }
  fsyncDir(dirname(path));
}

/**
 * The same for a large file, without holding the event loop: each chunk is made only when the one
 * before is written, and the writes and the fsync run off the loop. Other work runs between chunks.
 */
export async function writeFileAtomicInChunks(
  path: string,
  chunks: Iterable<string>,
  mode = 0o644,
): Promise<number> {
  const tmp = `${path}.tmp-${process.pid}-${counter++}`;
  const file = await open(tmp, "w", mode);
  let bytes = 0;
  try {
    for (const chunk of chunks) {
      const data = Buffer.from(chunk);
      let off = 0;
      while (off < data.length) off += (await file.write(data, off, data.length - off)).bytesWritten;
      bytes += data.length;
    }
    await file.sync();
  } catch (err) {
    await file.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await file.close();
  try {
    renameSync(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  fsyncDir(dirname(path));
  return bytes;
}

/** Make a rename or create in `dir` durable. Windows cannot open directories; NTFS journals renames. */
export function fsyncDir(dir: string): void {
  if (process.platform === "win32") return;
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Append `text` to `path` and fsync it before returning, so an acknowledged append survives a crash. */
export function appendDurable(path: string, text: string, mode = 0o644): void {
  const fd = openSync(path, "a", mode);
  try {
    const bytes = Buffer.from(text);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
