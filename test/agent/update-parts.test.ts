// The update's defensive parts against a hostile server on loopback: redirects to other
// hosts, oversized bodies, bad manifests; version ordering; signature binding.
import { afterAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ArtifactDownload } from "../../agent/update/artifact-download.ts";
import { fetchManifest } from "../../agent/update/download.ts";
import { UpdateRefused } from "../../agent/update/errors.ts";
import { withRetry } from "../../agent/update/retry.ts";
import { compareVersions } from "../../agent/update/versions.ts";
import { verifyArtifact } from "../../lib/artifact-signature.ts";
import { signArtifact } from "../../lib/artifact-signing.ts";

const dir = mkdtempSync(join(tmpdir(), "fleet-update-parts-"));
const other = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("evil binary") });
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    // The build-pinned URL is not served here: the download falls back to the plain file name.
    const path = new URL(req.url).pathname;
    if (path === "/api/v1/artifacts/manifest.json") return new Response("{not json");
    if (path === "/api/v1/artifacts/elsewhere") {
      return Response.redirect(`http://127.0.0.1:${other.port}/x`, 302);
    }
    if (path === "/api/v1/artifacts/same") return Response.redirect("/api/v1/artifacts/big", 302);
    if (path === "/api/v1/artifacts/big") return new Response(new Uint8Array(64 * 1024));
    return new Response("nope", { status: 404 });
  },
});
const url = `http://127.0.0.1:${server.port}`;
afterAll(() => {
  server.stop(true);
  other.stop(true);
  rmSync(dir, { recursive: true, force: true });
});
const signal = new AbortController().signal;
const SHA = "b".repeat(64);
/** One attempt at `file`, as the update makes it. */
const downloadTo = (file: string, dest: string, size: number) =>
  new ArtifactDownload(url, { file, sha256: SHA, size }, dest).attempt(signal);

/** A final refusal (not retried by the update), with exactly `message`. */
async function expectRefused(attempt: Promise<unknown>, message: string) {
  const err = await attempt.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpdateRefused);
  expect((err as Error).message).toBe(message);
}

describe("downloads", () => {
  test("a redirect to another host is refused, and nothing is written", async () => {
    const dest = join(dir, "elsewhere.new");
    await expectRefused(
      downloadTo("elsewhere", dest, 1000),
      `refusing a redirect from /api/v1/artifacts/elsewhere to another host (http://127.0.0.1:${other.port})`,
    );
    expect(existsSync(dest)).toBe(false);
  });

  test("fleetd's refusal of an artifact is final, naming the path and the status", async () => {
    await expectRefused(
      downloadTo("gone", join(dir, "gone.new"), 1000),
      "GET /api/v1/artifacts/gone: HTTP 404",
    );
  });

  test("a body larger than the manifest declared is cut off and refused", async () => {
    const dest = join(dir, "agent.new");
    await expect(downloadTo("same", dest, 1000)).rejects.toThrow("larger than the 1000 bytes");
    expect(readFileSync(dest).length).toBeLessThanOrEqual(64 * 1024);
  });

  test("an artifact declared over the cap is refused before any byte is fetched", async () => {
    const dest = join(dir, "huge.new");
    await expect(downloadTo("big", dest, 10 * 1024 ** 3)).rejects.toThrow("cap");
    expect(existsSync(dest)).toBe(false);
  });

  test("a manifest that is not JSON is refused with a reason", async () => {
    await expectRefused(fetchManifest(url, signal), "manifest is not JSON");
  });

  test("a manifest past its cap is cut off and refused", async () => {
    const endless = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Response(`{"version":"${"9".repeat(2 * 1024 * 1024)}"}`),
    });
    try {
      await expectRefused(
        fetchManifest(`http://127.0.0.1:${endless.port}`, signal),
        "manifest is implausibly large",
      );
    } finally {
      endless.stop(true);
    }
  });
});

describe("retries", () => {
  /** Attempts that each take 120 ms and fail, but the fifth; each one moves `moved` on when asked to. */
  const flaky = (advance: boolean) => {
    let tries = 0;
    let moved = 0;
    const attempt = async () => {
      await Bun.sleep(120);
      if (advance) moved += 1000;
      if (++tries < 5) throw new Error("connection reset");
      return tries;
    };
    return { attempt, progress: () => moved };
  };

  test("attempts that get somewhere keep the download going past the budget", async () => {
    const { attempt, progress } = flaky(true);
    expect(await withRetry("downloading", attempt, () => {}, signal, { budgetMs: 200, progress })).toBe(5);
  });

  test("attempts that get nowhere give up once the budget is spent", async () => {
    const { attempt, progress } = flaky(false);
    await expect(
      withRetry("downloading", attempt, () => {}, signal, { budgetMs: 200, progress }),
    ).rejects.toThrow("connection reset");
  });
});

describe("signatures", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const trusted = [publicKey.export({ format: "der", type: "spki" }).toString("base64")];
  const fields = {
    program: "fleet-agent",
    target: "linux-x64",
    version: "2.0.0",
    size: 10,
    sha256: "a".repeat(64),
  };
  const sig = signArtifact(fields, privateKey);

  test("verifies for exactly what was signed", async () => {
    expect(await verifyArtifact(fields, sig, trusted)).toBe(true);
  });

  test("does not carry over to another target, version, size or hash", async () => {
    expect(await verifyArtifact({ ...fields, target: "darwin-arm64" }, sig, trusted)).toBe(false);
    expect(await verifyArtifact({ ...fields, version: "2.0.1" }, sig, trusted)).toBe(false);
    expect(await verifyArtifact({ ...fields, size: 11 }, sig, trusted)).toBe(false);
    expect(await verifyArtifact({ ...fields, sha256: "b".repeat(64) }, sig, trusted)).toBe(false);
  });

  test("another key's signature, a key that is not Ed25519 and garbage are refused", async () => {
    const other = generateKeyPairSync("ed25519").privateKey;
    expect(await verifyArtifact(fields, signArtifact(fields, other), trusted)).toBe(false);
    expect(await verifyArtifact(fields, "not base64 at all", trusted)).toBe(false);
    expect(await verifyArtifact(fields, sig, [])).toBe(false);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
    const notEd25519 = rsa.export({ format: "der", type: "spki" }).toString("base64");
    expect(await verifyArtifact(fields, sig, [notEd25519, "garbage"])).toBe(false);
    expect(await verifyArtifact(fields, sig, ["garbage", ...trusted])).toBe(true);
  });
});

test("version ordering", () => {
  expect(compareVersions("1.0.0-test", "2.0.0-test")).toBe(-1);
  expect(compareVersions("v1.10.0", "v1.9.3")).toBe(1);
  expect(compareVersions("v1.4.0-3-gabc", "v1.4.0-12-gdef")).toBe(-1);
  expect(compareVersions("2.0.0", "2.0.0")).toBe(0);
});
