// A polled document with the ETag of its content (generatedAt left out), so a page that already
// holds the current one gets a 304: the board, a host's detail, the board's vitals.
import { createHash } from "node:crypto";

export interface Versioned<T> {
  doc: T;
  etag: string;
}

export function versioned<T extends { generatedAt: string }>(doc: T): Versioned<T> {
  const { generatedAt: _changesEveryTime, ...content } = doc;
  const hash = createHash("sha256").update(JSON.stringify(content)).digest("base64url").slice(0, 22);
  return { doc, etag: `"${hash}"` };
}
