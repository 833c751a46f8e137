// Turning the bytes of a download, as they arrive, into the artifact's bytes in one file: as is
// (identity) or through a streaming zstd/gzip decoder. One decoder lives for the whole download,
// across connections, so a download resumed with a Range goes on decoding where the cut one
// stopped. The decoded bytes are capped as they come out: a small body that expands past the
// size the manifest declared (a decompression bomb) is stopped, not written out.
import { writeSync } from "node:fs";
import { UpdateRefused } from "./errors.ts";

/** What the agent can decode, best first; sent as Accept-Encoding. */
export const DECODABLE = ["zstd", "gzip"] as const;
export type Encoding = (typeof DECODABLE)[number] | "identity";

export function encodingOf(header: string | null): Encoding | null {
  const value = (header ?? "identity").trim().toLowerCase();
  return value === "identity" || (DECODABLE as readonly string[]).includes(value)
    ? (value as Encoding)
    : null;
}

/** Thrown when a body's encoded bytes do not decode: the caller may ask again without encoding. */
export class UndecodableBody extends Error {}

export class DecodingWriter {
  /** Decoded bytes written to the file so far. */
  written = 0;
  private failure: unknown = null;
  private readonly writer: WritableStreamDefaultWriter<BufferSource> | null = null;
  private readonly drained: Promise<void> = Promise.resolve();

  constructor(
    private readonly fd: number,
    readonly encoding: Encoding,
    private readonly cap: number,
    private readonly onBytes: (decoded: number) => void,
  ) {
    if (encoding === "identity") return;
    const stream = new DecompressionStream(encoding as CompressionFormat);
    this.writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    this.drained = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        try {
          this._output(value);
        } catch (err) {
          this.failure = err;
          await reader.cancel(err);
          return;
        }
      }
    })();
    this.drained.catch(() => {}); // read through write() and end()
  }

  /** Takes the next encoded bytes; resolves once they are decoded and written. */
  async write(chunk: Uint8Array): Promise<void> {
    if (!this.writer) return this._output(chunk);
    try {
      await this.writer.ready;
      await this.writer.write(chunk as Uint8Array<ArrayBuffer>);
    } catch (err) {
      throw this._failureOr(err);
    }
    if (this.failure) throw this.failure;
  }

  /** The encoded body is complete: flushes the decoder, which must end exactly here. */
  async end(): Promise<void> {
    if (!this.writer) return;
    try {
      await this.writer.close();
      await this.drained;
    } catch (err) {
      throw this._failureOr(err);
    }
    if (this.failure) throw this.failure;
  }

  /** Drops the decoder (the download is given up or starts over). */
  abort(): void {
    this.writer?.abort().catch(() => {});
  }

  private _output(bytes: Uint8Array): void {
    if (this.written + bytes.length > this.cap) {
      throw new UpdateRefused(`download is larger than the ${this.cap} bytes the manifest declares`);
    }
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.written += bytes.length;
    this.onBytes(this.written);
  }

  private _failureOr(err: unknown): unknown {
    if (this.failure) return this.failure;
    return new UndecodableBody(`the ${this.encoding} body does not decode (${(err as Error).message})`);
  }
}
