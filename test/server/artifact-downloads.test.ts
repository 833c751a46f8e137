// How fleetd serves an artifact: zstd/gzip negotiated with Accept-Encoding (made once, in the
// background, into the data dir), identity for a client that asks for nothing (curl | sh),
// a strong ETag per representation with 304s, byte ranges of each representation (206/416),
// the build-pinned URL that proxies may keep for good, and no compressed form of bytes that do
// not hash to what the manifest says.
import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Manifest } from "../../protocol/index.ts";
import { removeTempDirs, startTestApp, type TestApp, tempDir } from "./helpers.ts";

const FILE = "fleet-agent-linux-x64";
let app: TestApp | undefined;

afterEach(async () => {
  await app?.close();
  app = undefined;
  removeTempDirs();
});

/** Compressible bytes that are not all alike, like a binary's. */
function someBinary(seed: number, bytes = 600_000): Buffer {
  const text = Array.from({ length: bytes / 5 }, (_, i) => `${seed}:${(i * 7919) % 100_003};`).join("");
  return Buffer.from(text).subarray(0, bytes);
}

/** Byte for byte (a diff of 600 KB would say nothing). */
const expectSame = (got: Uint8Array, want: Uint8Array) => expect(Buffer.compare(got, want)).toBe(0);

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

function writeBuild(dir: string, version: string, bytes: Buffer, declared = sha256(bytes)): string {
  writeFileSync(join(dir, FILE), bytes);
  const manifest: Manifest = {
    version,
    builtAt: new Date().toISOString(),
    artifacts: [
      {
        program: "fleet-agent",
        target: "linux-x64",
        platform: "linux",
        arch: "x64",
        file: FILE,
        size: bytes.length,
        sha256: declared,
        signature: "c2ln",
      },
    ],
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  return declared;
}

async function start(bytes = someBinary(1)) {
  const artifacts = tempDir();
  const sha = writeBuild(artifacts, "1.0.0", bytes);
  app = await startTestApp({ artifactsDir: artifacts });
  return { artifacts, sha, bytes, cache: join(app.dataDir, "artifact-cache") };
}

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await app!.fleet.app.request(path, { headers });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

const legacy = `/api/v1/artifacts/${FILE}`;
/** A copy's name: the build's SHA-256, the source file's stamp, the coding. */
const copyName = (sha: string, suffix: string) =>
  expect.stringMatching(new RegExp(`^${sha}\\.[0-9a-z-]+\\.${suffix}$`));
const pinned = (sha: string) => `/api/v1/artifacts/sha256/${sha}/${FILE}`;

/** Asks once for `coding` (which queues its copy) and waits until it is made. */
async function warm(coding: string) {
  await get(legacy, { "accept-encoding": coding });
  await app!.fleet.ctx.artifactEncodings.settled();
}

describe("content codings", () => {
  test("no Accept-Encoding (curl without --compressed) gets the file itself, and nothing is compressed", async () => {
    const { sha, bytes, cache } = await start();
    const r = await get(legacy);
    expect(r.status).toBe(200);
    expectSame(r.body, bytes);
    expect(r.headers.get("content-encoding")).toBeNull();
    expect(r.headers.get("content-length")).toBe(String(bytes.length));
    expect(r.headers.get("etag")).toBe(`"${sha}"`);
    expect(r.headers.get("vary")).toBe("Accept-Encoding");
    expect(r.headers.get("accept-ranges")).toBe("bytes");
    expect(r.headers.get("cache-control")).toBe("public, no-cache");
    await app!.fleet.ctx.artifactEncodings.settled();
    expect(existsSync(cache)).toBe(false);
  });

  test("zstd is made once on first ask (identity meanwhile) and then served, decoding to the real bytes", async () => {
    const { sha, bytes, cache } = await start();
    const first = await get(legacy, { "accept-encoding": "zstd, gzip" });
    expect(first.headers.get("content-encoding")).toBeNull();
    expectSame(first.body, bytes);
    await app!.fleet.ctx.artifactEncodings.settled();
    expect(readdirSync(cache)).toEqual([copyName(sha, "zst")]); // only what was asked for
    const r = await get(legacy, { "accept-encoding": "zstd, gzip" });
    expect(r.headers.get("content-encoding")).toBe("zstd");
    expect(r.headers.get("etag")).toBe(`"${sha}-zstd"`);
    expect(Number(r.headers.get("content-length"))).toBe(r.body.length);
    expect(r.body.length).toBeLessThan(bytes.length / 2);
    expectSame(Buffer.from(Bun.zstdDecompressSync(r.body)), bytes);
  });

  test("q-values choose, ties go to zstd, and what is not ready or not offered falls back to identity", async () => {
    const { bytes } = await start();
    await warm("zstd");
    await warm("gzip");
    const coding = async (accept: string) =>
      (await get(legacy, { "accept-encoding": accept })).headers.get("content-encoding");
    expect(await coding("gzip, deflate, br, zstd")).toBe("zstd");
    expect(await coding("gzip;q=1, zstd;q=0.5")).toBe("gzip");
    expect(await coding("zstd;q=0, *")).toBe("gzip");
    expect(await coding("br")).toBeNull();
    expect(await coding("identity")).toBeNull();
    expect(await coding("")).toBeNull();
    expect(await coding("*;q=0")).toBeNull(); // nothing acceptable: the file itself rather than a 406
    const gz = await get(legacy, { "accept-encoding": "gzip" });
    expectSame(Buffer.from(Bun.gunzipSync(gz.body)), bytes);
  });

  test("a file that does not hash to the manifest's SHA-256 is never compressed", async () => {
    const artifacts = tempDir();
    writeBuild(artifacts, "1.0.0", someBinary(1), "f".repeat(64));
    app = await startTestApp({ artifactsDir: artifacts });
    await warm("zstd");
    const r = await get(legacy, { "accept-encoding": "zstd" });
    expect(r.headers.get("content-encoding")).toBeNull();
    expect(readdirSync(join(app.dataDir, "artifact-cache"))).toEqual([]);
  });

  test("a file rewritten under the same manifest entry gets no copy: not the old one, and no new one", async () => {
    const { artifacts, bytes, cache } = await start();
    await warm("zstd");
    const other = Buffer.from(bytes);
    other[0] = (other[0] ?? 0) ^ 0xff;
    writeFileSync(join(artifacts, FILE), other);
    await warm("zstd");
    const r = await get(legacy, { "accept-encoding": "zstd" });
    expect(r.headers.get("content-encoding")).toBeNull();
    expectSame(r.body, other); // what is on disk, for the agent's SHA-256 check to refuse
    expect(readdirSync(cache)).toEqual([]);
  });

  test("a new build's copy replaces the old build's in the data dir", async () => {
    const { artifacts, cache } = await start();
    await warm("zstd");
    const next = writeBuild(artifacts, "2.0.0", someBinary(2));
    await warm("zstd");
    expect(readdirSync(cache)).toEqual([copyName(next, "zst")]);
  });
});

describe("URLs and caching", () => {
  test("the build-pinned URL is immutable; another SHA-256 or a malformed one is a 404", async () => {
    const { sha, bytes } = await start();
    const r = await get(pinned(sha));
    expect(r.status).toBe(200);
    expectSame(r.body, bytes);
    expect(r.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const other = await get(pinned("0".repeat(64)));
    expect(other.status).toBe(404);
    expect(JSON.parse(new TextDecoder().decode(other.body)).error.message).toBe(
      `no artifact named "${FILE}" with SHA-256 000000000000… in the manifest`,
    );
    expect((await get(`/api/v1/artifacts/sha256/abc/${FILE}`)).status).toBe(404);
    expect((await get(pinned(sha).replace(FILE, "manifest.json"))).status).toBe(404);
  });

  test("If-None-Match with the representation's ETag answers 304, empty; another representation's does not", async () => {
    const { sha } = await start();
    await warm("zstd");
    const zstd = { "accept-encoding": "zstd" };
    for (const tag of [`"${sha}-zstd"`, `W/"${sha}-zstd"`, `"x", "${sha}-zstd"`, "*"]) {
      const r = await get(legacy, { ...zstd, "if-none-match": tag });
      expect({ tag, status: r.status, length: r.body.length }).toEqual({ tag, status: 304, length: 0 });
      expect(r.headers.get("etag")).toBe(`"${sha}-zstd"`);
      expect(r.headers.get("vary")).toBe("Accept-Encoding");
    }
    expect((await get(legacy, { ...zstd, "if-none-match": `"${sha}"` })).status).toBe(200);
    expect((await get(legacy, { "if-none-match": `"${sha}"` })).status).toBe(304);
  });
});

describe("byte ranges", () => {
  test("ranges of the file itself: first-last, open-ended and suffix", async () => {
    const { sha, bytes } = await start();
    const cases: [string, number, number][] = [
      ["bytes=0-99", 0, 99],
      ["bytes=1000-", 1000, bytes.length - 1],
      ["bytes=-50", bytes.length - 50, bytes.length - 1],
      ["bytes=10-99999999", 10, bytes.length - 1],
    ];
    for (const [range, first, last] of cases) {
      const r = await get(pinned(sha), { range });
      expect({ range, status: r.status }).toEqual({ range, status: 206 });
      expect(r.headers.get("content-range")).toBe(`bytes ${first}-${last}/${bytes.length}`);
      expect(r.headers.get("content-length")).toBe(String(last - first + 1));
      expectSame(r.body, bytes.subarray(first, last + 1));
    }
  });

  test("ranges are of the encoded representation: two halves of the zstd body decode to the file", async () => {
    const { bytes } = await start();
    await warm("zstd");
    const whole = await get(legacy, { "accept-encoding": "zstd" });
    const half = Math.floor(whole.body.length / 2);
    const a = await get(legacy, { "accept-encoding": "zstd", range: `bytes=0-${half - 1}` });
    const b = await get(legacy, { "accept-encoding": "zstd", range: `bytes=${half}-` });
    expect([a.status, b.status]).toEqual([206, 206]);
    expect(b.headers.get("content-encoding")).toBe("zstd");
    expect(b.headers.get("content-range")).toBe(
      `bytes ${half}-${whole.body.length - 1}/${whole.body.length}`,
    );
    expectSame(Buffer.from(Bun.zstdDecompressSync(Buffer.concat([a.body, b.body]))), bytes);
  });

  test("a range past the end is 416 with the length; a malformed or multiple range gets the whole file", async () => {
    const { sha, bytes } = await start();
    for (const range of [
      `bytes=${bytes.length}-`,
      `bytes=${bytes.length + 5}-${bytes.length + 9}`,
      "bytes=-0",
    ]) {
      const r = await get(pinned(sha), { range });
      expect({ range, status: r.status }).toEqual({ range, status: 416 });
      expect(r.headers.get("content-range")).toBe(`bytes */${bytes.length}`);
      expect(r.body.length).toBe(0);
    }
    for (const range of [
      "bytes=abc",
      "items=0-1",
      "bytes=50-10",
      "bytes=0-1,5-6",
      "bytes=-",
      "bytes= 1-2x",
    ]) {
      const r = await get(pinned(sha), { range });
      expect({ range, status: r.status, length: r.body.length }).toEqual({
        range,
        status: 200,
        length: bytes.length,
      });
    }
  });

  test("If-Range: the range holds for the same representation's ETag, else the whole new one is sent", async () => {
    const { sha, bytes } = await start();
    const same = await get(pinned(sha), { range: "bytes=10-19", "if-range": `"${sha}"` });
    expect(same.status).toBe(206);
    for (const ifRange of [`"${sha}-zstd"`, `W/"${sha}"`, "Wed, 21 Oct 2015 07:28:00 GMT"]) {
      const r = await get(pinned(sha), { range: "bytes=10-19", "if-range": ifRange });
      expect({ ifRange, status: r.status, length: r.body.length }).toEqual({
        ifRange,
        status: 200,
        length: bytes.length,
      });
    }
  });
});
