// The agent's artifact download against a real fleetd on loopback (and hostile servers):
// zstd decoded as it arrives and verified against the real bytes' size and SHA-256; a
// connection cut mid-body resumed with Range + If-Range instead of started over; and bodies
// that decode to the wrong bytes, to too many bytes, or not at all, refused.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArtifactDownload } from "../../agent/update/artifact-download.ts";
import { UpdateRefused } from "../../agent/update/errors.ts";
import { withRetry } from "../../agent/update/retry.ts";
import { checkFile } from "../../agent/update/verify.ts";
import type { Artifact } from "../../protocol/index.ts";
import { type RunningServer, startServer } from "../../server/app.ts";
import { type CuttingRelay, startCuttingRelay } from "../harness/cutting-relay.ts";
import { silentLog, testConfig } from "../server/helpers.ts";

const FILE = "fleet-agent-linux-x64";
const root = mkdtempSync(join(tmpdir(), "fleet-artifact-download-"));
/** 2 MB, like a binary: half noise, half text, so zstd takes off about a third and no more. */
const bytes = (() => {
  const out = Buffer.alloc(2_000_000);
  let x = 2463534242;
  for (let i = 0; i < out.length; i += 2) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
    out[i + 1] = 0x30 + (i % 10);
  }
  return new Uint8Array(out);
})();
const entry: Artifact = {
  program: "fleet-agent",
  target: "linux-x64",
  platform: "linux",
  arch: "x64",
  file: FILE,
  size: bytes.length,
  sha256: createHash("sha256").update(bytes).digest("hex"),
  signature: "c2ln",
};
const signal = new AbortController().signal;
let fleetd: RunningServer;
let dest: string;
let n = 0;

/** Requests through the relay, their Range and Accept-Encoding lines. */
const seen: { range: string | null; accept: string | null }[] = [];
/** A relay to fleetd that can cut the next response short. */
let relay: CuttingRelay;

beforeAll(async () => {
  const artifacts = join(root, "artifacts");
  mkdirSync(artifacts);
  writeFileSync(join(artifacts, FILE), bytes);
  writeFileSync(
    join(artifacts, "manifest.json"),
    JSON.stringify({ version: "1.0.0", builtAt: new Date().toISOString(), artifacts: [entry] }),
  );
  fleetd = await startServer(testConfig(join(root, "data"), { artifactsDir: artifacts }), { log: silentLog });
  relay = await startCuttingRelay("127.0.0.1", fleetd.port, (head) => {
    const header = (name: string) => new RegExp(`^${name}: (.*)$`, "im").exec(head)?.[1]?.trim() ?? null;
    seen.push({ range: header("range"), accept: header("accept-encoding") });
  });
  // The first ask makes fleetd's zstd and gzip copies; wait for them.
  for (const coding of ["zstd", "gzip"]) {
    await (
      await fetch(`${fleetd.url}/api/v1/artifacts/${FILE}`, { headers: { "accept-encoding": coding } })
    ).arrayBuffer();
    await fleetd.fleet.ctx.artifactEncodings.settled();
  }
});

afterAll(async () => {
  relay?.close();
  await fleetd?.stop();
  rmSync(root, { recursive: true, force: true });
});

const newDest = () => {
  dest = join(root, `agent-${++n}.new`);
  return dest;
};

async function failureOf(attempt: Promise<unknown>): Promise<Error> {
  const err = await attempt.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error("the attempt did not fail");
  return err;
}

describe("from fleetd", () => {
  test("zstd by default: decoded into the file as it arrives, verified against the real bytes", async () => {
    const progress: number[] = [];
    const download = new ArtifactDownload(fleetd.url, entry, newDest(), {
      onProgress: (b) => progress.push(b),
    });
    const got = await download.attempt(signal);
    expect(got).toMatchObject({ bytes: bytes.length, encoding: "zstd", resumes: 0 });
    expect(got.wireBytes).toBeLessThan(bytes.length * 0.8);
    expect(progress.at(-1)).toBe(bytes.length);
    await checkFile(dest, entry);
    expect(statSync(dest).mode & 0o777).toBe(0o600);
  });

  test("gzip and identity when asked for", async () => {
    for (const coding of ["gzip", "identity"] as const) {
      const download = new ArtifactDownload(fleetd.url, entry, newDest(), { accept: [coding] });
      const got = await download.attempt(signal);
      expect(got.encoding).toBe(coding);
      await checkFile(dest, entry);
    }
  });

  for (const coding of ["zstd", "identity"] as const) {
    test(`${coding}: a connection cut mid-body is resumed from where it stopped, through the update's retry loop`, async () => {
      seen.length = 0;
      const download = new ArtifactDownload(relay.url, entry, newDest(), { accept: [coding] });
      const wireSize = coding === "identity" ? bytes.length : await zstdSize();
      relay.cutAfter(Math.floor(wireSize / 2));
      const lines: string[] = [];
      const got = await withRetry(
        "downloading",
        () => download.attempt(signal),
        (l) => lines.push(l),
        signal,
        {
          budgetMs: 30_000,
          progress: () => download.furthestReached,
        },
      );
      download.close();
      await checkFile(dest, entry);
      expect(got.resumes).toBe(1);
      expect(got.encoding).toBe(coding);
      // The rest, not all of it again: well under one and a half times the representation.
      expect(got.wireBytes).toBeGreaterThanOrEqual(wireSize);
      expect(got.wireBytes).toBeLessThan(wireSize * 1.25);
      expect(seen).toHaveLength(2);
      expect(seen[0]?.range).toBeNull();
      expect(seen[1]?.range).toMatch(/^bytes=\d+-$/);
      expect(Number(seen[1]?.range?.slice(6, -1))).toBeGreaterThan(wireSize / 4);
      expect(lines.some((l) => l.startsWith("downloading failed ("))).toBe(true);
    });
  }
});

async function zstdSize(): Promise<number> {
  const res = await fetch(`${fleetd.url}/api/v1/artifacts/${FILE}`, {
    headers: { "accept-encoding": "zstd", range: "bytes=0-0" },
    decompress: false,
  });
  await res.arrayBuffer();
  return Number(res.headers.get("content-range")?.split("/")[1]);
}

describe("from a hostile server", () => {
  let answer: (req: Request) => Response = () => new Response("nope", { status: 404 });
  const asked: (string | null)[] = [];
  const hostile = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      asked.push(req.headers.get("accept-encoding"));
      return answer(req);
    },
  });
  const url = `http://127.0.0.1:${hostile.port}`;
  afterAll(() => hostile.stop(true));
  const zstd = (body: Uint8Array) =>
    new Response(new Uint8Array(Bun.zstdCompressSync(body)), {
      headers: { "content-encoding": "zstd", etag: '"x"' },
    });

  test("a zstd body that decodes to other bytes of the right size is refused by the SHA-256 check", async () => {
    const forged = bytes.slice();
    forged[1000] = 0x41;
    answer = () => zstd(forged);
    const download = new ArtifactDownload(url, entry, newDest());
    await download.attempt(signal);
    const err = await failureOf(checkFile(dest, entry));
    expect(err).toBeInstanceOf(UpdateRefused);
    expect(err.message).toStartWith("SHA-256 of the download is ");
  });

  test("a small zstd body that expands past the declared size is cut off at it and refused", async () => {
    answer = () => zstd(new Uint8Array(50 * 1024 * 1024));
    const small = { ...entry, size: 1000 };
    const download = new ArtifactDownload(url, small, newDest());
    const err = await failureOf(download.attempt(signal));
    expect(err).toBeInstanceOf(UpdateRefused);
    expect(err.message).toBe("download is larger than the 1000 bytes the manifest declares");
    expect(existsSync(dest) ? readFileSync(dest).length : 0).toBeLessThanOrEqual(1000);
  });

  test("a body labelled zstd that does not decode is asked for again uncompressed, once", async () => {
    asked.length = 0;
    // Like a proxy that decodes for itself but leaves Content-Encoding in place.
    answer = (req) =>
      req.headers.get("accept-encoding") === "identity"
        ? new Response(bytes)
        : new Response(bytes, { headers: { "content-encoding": "zstd" } });
    const download = new ArtifactDownload(url, entry, newDest());
    const err = await failureOf(download.attempt(signal));
    expect(err).not.toBeInstanceOf(UpdateRefused); // retried
    expect(err.message).toStartWith("the zstd body does not decode (");
    const got = await download.attempt(signal);
    expect(got.encoding).toBe("identity");
    await checkFile(dest, entry);
    expect(asked).toEqual(["zstd, gzip", "identity"]);
  });

  test("an encoding it did not ask for, or a truncated zstd body, is refused in the end", async () => {
    answer = () =>
      new Response(new Uint8Array(Bun.gzipSync(bytes)), { headers: { "content-encoding": "br" } });
    const err = await failureOf(new ArtifactDownload(url, entry, newDest()).attempt(signal));
    expect(err).toBeInstanceOf(UpdateRefused);
    expect(err.message).toBe('fleetd sent the artifact as "br", which this agent did not ask for');

    const whole = new Uint8Array(Bun.zstdCompressSync(bytes));
    answer = () =>
      new Response(whole.subarray(0, whole.length - 100), { headers: { "content-encoding": "zstd" } });
    const download = new ArtifactDownload(url, entry, newDest());
    const first = await failureOf(download.attempt(signal));
    expect(first.message).toStartWith("the zstd body does not decode (");
    const second = await failureOf(download.attempt(signal)); // asked identity only, got zstd again
    expect(second).toBeInstanceOf(UpdateRefused);
    expect(second.message).toBe('fleetd sent the artifact as "zstd", which this agent did not ask for');
  });

  const HALF = Math.floor(bytes.length / 2);
  /** Declares the whole length, sends half, and ends the connection. */
  const cutHalfway = () =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(bytes.subarray(0, HALF));
          setTimeout(() => c.error(new Error("cut")), 50); // after the half is on its way
        },
      }),
      { headers: { etag: '"v1"', "content-length": String(bytes.length) } },
    );

  test("a resume answered with the whole of another representation (200) starts over in the same attempt", async () => {
    const ranges: (string | null)[] = [];
    answer = (req) => {
      ranges.push(req.headers.get("range"));
      return ranges.length === 1 ? cutHalfway() : new Response(bytes, { headers: { etag: '"v2"' } });
    };
    const download = new ArtifactDownload(url, entry, newDest(), { accept: ["identity"] });
    await failureOf(download.attempt(signal));
    const got = await download.attempt(signal);
    expect(got.resumes).toBe(0);
    expect(ranges).toEqual([null, `bytes=${HALF}-`]);
    await checkFile(dest, entry);
  });

  test("a resume answered with a range other than the one asked for starts over on the next try", async () => {
    let calls = 0;
    answer = (req) => {
      calls++;
      if (calls === 1) return cutHalfway();
      if (req.headers.get("range")) {
        return new Response(bytes.subarray(10), {
          status: 206,
          headers: { etag: '"v1"', "content-range": `bytes 10-${bytes.length - 1}/${bytes.length}` },
        });
      }
      return new Response(bytes, { headers: { etag: '"v1"' } });
    };
    const download = new ArtifactDownload(url, entry, newDest(), { accept: ["identity"] });
    await failureOf(download.attempt(signal));
    const wrong = await failureOf(download.attempt(signal));
    expect(wrong.message).toStartWith("fleetd answered the resume with another range (bytes 10-");
    const got = await download.attempt(signal);
    expect(got.resumes).toBe(0);
    await checkFile(dest, entry);
  });
});
