// Downloading one artifact into the file the caller chose (never a path named by the server):
// compressed when fleetd has it so (zstd or gzip, decoded as it arrives), and resumable: the
// download lives across the update's retries, and after a cut connection the next attempt asks
// for the rest of the same representation (Range + If-Range with its ETag) instead of all of it.
// The caps hold on both sides: decoded bytes at the manifest's size, bytes on the wire at what
// any encoding of that size can take. What the bytes are is checked afterwards (verify.ts),
// against the signed size and SHA-256 of the real binary, whatever encoding carried them.
import { closeSync, fsyncSync, openSync, rmSync } from "node:fs";
import type { Artifact } from "../../protocol/artifacts.ts";
import { ApiError } from "../../protocol/errors.ts";
import { routePath } from "../../protocol/routes.ts";
import { DECODABLE, DecodingWriter, type Encoding, encodingOf, UndecodableBody } from "./decode.ts";
import { refusalOf, updateClient } from "./download.ts";
import { UpdateRefused } from "./errors.ts";

export const MAX_ARTIFACT_BYTES = 512 * 1024 * 1024;
export const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

export interface DownloadResult {
  /** The artifact's bytes written (decoded). */
  bytes: number;
  /** Body bytes received over every attempt, cut ones included. */
  wireBytes: number;
  encoding: Encoding;
  /** Attempts that went on from where a cut one stopped. */
  resumes: number;
}

/** The representation being received, kept between attempts. */
interface Transfer {
  fd: number;
  writer: DecodingWriter;
  /** A strong ETag, the condition of a resume; none, and a cut download starts over. */
  etag: string | null;
  /** Its length on the wire (Content-Length of the 200), when fleetd said. */
  total: number | null;
  /** Its bytes received so far. */
  received: number;
}

export interface DownloadHooks {
  /** Decoded bytes so far. */
  onProgress?: (bytes: number) => void;
  /** A line for the job's output (a resume, a fallback). */
  say?: (line: string) => void;
  /** The encodings to ask for, best first; default all the agent decodes. */
  accept?: readonly Encoding[];
}

export class ArtifactDownload {
  private transfer: Transfer | null = null;
  private accept: readonly Encoding[];
  private pinnedUrl = true;
  private wireBytes = 0;
  private furthest = 0;
  private resumes = 0;
  private readonly onProgress: (bytes: number) => void;
  private readonly say: (line: string) => void;

  constructor(
    private readonly server: string,
    private readonly entry: Pick<Artifact, "file" | "sha256" | "size">,
    private readonly dest: string,
    hooks: DownloadHooks = {},
  ) {
    const accept: readonly Encoding[] = hooks.accept ?? DECODABLE;
    this.accept = accept.filter((e) => e !== "identity");
    this.onProgress = hooks.onProgress ?? (() => {});
    this.say = hooks.say ?? (() => {});
  }

  /** One try; a network failure leaves what arrived for the next one (see retry.ts). */
  async attempt(signal: AbortSignal): Promise<DownloadResult> {
    const { size } = this.entry;
    if (size > MAX_ARTIFACT_BYTES) {
      throw new UpdateRefused(`artifact declares ${size} bytes, over the ${MAX_ARTIFACT_BYTES}-byte cap`);
    }
    const resuming = this.transfer?.etag && this.transfer.received > 0 ? this.transfer : null;
    const headers: Record<string, string> = { "accept-encoding": this.accept.join(", ") || "identity" };
    if (resuming?.etag) {
      headers.range = `bytes=${resuming.received}-`;
      headers["if-range"] = resuming.etag;
    }
    const res = await this._open(headers, signal, resuming !== null);
    const transfer = resuming && this._continues(res, resuming) ? resuming : this._startOver(res);
    if (transfer === resuming) {
      this.resumes++;
      this.say(`resuming the download at byte ${resuming.received} of ${resuming.total ?? "?"}`);
    }
    await this._receive(res, transfer);
    // Short of the length fleetd declared, or (a body sent without one) of the file itself: cut.
    // A whole answer that is short is what fleetd serves: complete, and verify.ts refuses it.
    const short =
      transfer.total === null
        ? transfer.writer.encoding === "identity" && transfer.writer.written < size
        : transfer.received < transfer.total;
    if (short) {
      throw new Error(`the connection closed after ${transfer.received} of ${transfer.total ?? size} bytes`);
    }
    try {
      await transfer.writer.end();
    } catch (err) {
      throw this._undecodable(err);
    }
    fsyncSync(transfer.fd);
    this.close();
    return {
      bytes: transfer.writer.written,
      wireBytes: this.wireBytes,
      encoding: transfer.writer.encoding,
      resumes: this.resumes,
    };
  }

  /** Body bytes received so far, over every attempt. */
  get wireBytesReceived(): number {
    return this.wireBytes;
  }

  /**
   * How far into a representation any attempt got: grows only when a retry got further than
   * any before it, so a server that cuts every answer at the same place is not retried forever.
   */
  get furthestReached(): number {
    return this.furthest;
  }

  /** Lets go of the file (the caller removes it when the update fails). */
  close(): void {
    if (!this.transfer) return;
    this.transfer.writer.abort();
    closeSync(this.transfer.fd);
    this.transfer = null;
  }

  private async _open(headers: Record<string, string>, signal: AbortSignal, resuming: boolean) {
    const { file, sha256 } = this.entry;
    const client = updateClient(this.server, { raw: true });
    const options = { signal, timeoutMs: DOWNLOAD_TIMEOUT_MS, headers };
    try {
      // The URL naming the build (which a proxy may keep for good); a fleetd from before it
      // knows only the file name. Once bytes came from it, its 404 means the build is gone.
      if (this.pinnedUrl) {
        try {
          return await client.open("artifactBySha256", { params: { hash: sha256, file }, ...options });
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) throw err;
          if (this.wireBytes > 0)
            throw new UpdateRefused(`fleetd no longer serves ${file} with SHA-256 ${sha256}`);
          this.pinnedUrl = false;
        }
      }
      return await client.open("artifact", { params: { file }, ...options });
    } catch (err) {
      if (resuming && err instanceof ApiError && err.status === 416) {
        this.close();
        throw new Error("fleetd cannot serve the rest of the download (HTTP 416); starting over");
      }
      throw refusalOf(err, routePath("artifact", { file }));
    }
  }

  /** A 206 for exactly the rest of the representation being received. */
  private _continues(res: Response, transfer: Transfer): boolean {
    if (res.status !== 206) return false;
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(res.headers.get("content-range") ?? "");
    const same =
      range !== null &&
      Number(range[1]) === transfer.received &&
      Number(range[2]) + 1 === Number(range[3]) &&
      (transfer.total === null || Number(range[3]) === transfer.total) &&
      res.headers.get("etag") === transfer.etag &&
      encodingOf(res.headers.get("content-encoding")) === transfer.writer.encoding;
    if (!same) {
      res.body?.cancel().catch(() => {});
      this.close();
      throw new Error(
        `fleetd answered the resume with another range (${res.headers.get("content-range")}); starting over`,
      );
    }
    transfer.total = Number(range[3]);
    return true;
  }

  private _startOver(res: Response): Transfer {
    if (res.status !== 200) {
      res.body?.cancel().catch(() => {});
      throw new UpdateRefused(`GET ${routePath("artifact", { file: this.entry.file })}: HTTP ${res.status}`);
    }
    const header = res.headers.get("content-encoding");
    const encoding = encodingOf(header);
    if (encoding === null || (encoding !== "identity" && !this.accept.includes(encoding))) {
      res.body?.cancel().catch(() => {});
      throw new UpdateRefused(`fleetd sent the artifact as "${header}", which this agent did not ask for`);
    }
    this.close();
    rmSync(this.dest, { force: true });
    const fd = openSync(this.dest, "w", 0o600);
    const etag = res.headers.get("etag");
    const length = res.headers.get("content-length");
    this.transfer = {
      fd,
      writer: new DecodingWriter(fd, encoding, this.entry.size, this.onProgress),
      etag: etag && !etag.startsWith("W/") ? etag : null,
      total: length !== null && /^\d+$/.test(length) ? Number(length) : null,
      received: 0,
    };
    return this.transfer;
  }

  private async _receive(res: Response, transfer: Transfer): Promise<void> {
    const { size } = this.entry;
    // zstd and gzip add well under 1% to bytes they cannot shrink; anything past this is not an
    // encoding of `size` bytes, whatever it would decode to.
    const wireCap = size + Math.ceil(size / 128) + 64 * 1024;
    const reader = res.body!.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        this.wireBytes += value.length;
        if (transfer.received + value.length > wireCap) {
          throw new UpdateRefused(`download is larger on the wire than any encoding of ${size} bytes`);
        }
        await transfer.writer.write(value);
        transfer.received += value.length;
        this.furthest = Math.max(this.furthest, transfer.received);
      }
    } catch (err) {
      reader.cancel().catch(() => {});
      throw this._undecodable(err);
    }
  }

  /**
   * A body that does not decode is asked for again without encoding once (a proxy that decodes
   * but leaves Content-Encoding in place would otherwise fail every update); then it is final.
   */
  private _undecodable(err: unknown): unknown {
    if (!(err instanceof UndecodableBody)) {
      if (err instanceof UpdateRefused) this.close();
      return err;
    }
    this.close();
    if (this.accept.length === 0) return new UpdateRefused(err.message);
    this.accept = [];
    this.say(`${err.message}; asking for it uncompressed`);
    return new Error(`${err.message}; asking for it uncompressed`);
  }
}
