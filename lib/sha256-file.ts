// SHA-256 of a file, streamed: artifacts are ~100 MB and several may be hashed at once. Bun's
// native hasher, not node:crypto, which costs an idle agent ~2 MB resident (the agent hashes
// its own binary at start; bench/RESULTS.md, "Agent RSS").
import { closeSync, openSync, readSync } from "node:fs";

export async function sha256File(path: string): Promise<string> {
  const hash = new Bun.CryptoHasher("sha256");
  const reader = Bun.file(path).stream().getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) hash.update(read.value);
  return hash.digest("hex");
}

/** The same, synchronously, through one 1 MiB buffer: never the whole file in memory at once. */
export function sha256FileSync(path: string): string {
  const hash = new Bun.CryptoHasher("sha256");
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, "r");
  try {
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest("hex");
}

/** SHA-256 of bytes or a string, as lowercase hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return Bun.CryptoHasher.hash("sha256", data, "hex");
}
