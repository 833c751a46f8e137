// The e2e harness itself: real binaries per version (cached, memoised), temp dirs, waitFor.
// Uses the versions the e2e tests use, so in one run the builds are shared, not repeated.
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { copyArtifacts } from "./artifacts.ts";
import { ensureBinaries } from "./binaries.ts";
import { tempDir } from "./temp-dir.ts";
import { waitFor } from "./wait-for.ts";

const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("ensureBinaries", () => {
  test("builds all three programs for this machine with the version compiled in", async () => {
    const bins = await ensureBinaries("1.0.0-test");
    expect(ensureBinaries("1.0.0-test")).toBe(ensureBinaries("1.0.0-test"));
    expect(bins.manifest.version).toBe("1.0.0-test");
    expect(bins.manifest.artifacts.map((a) => a.program).sort()).toEqual([
      "fleet-agent",
      "fleetctl",
      "fleetd",
    ]);
    for (const artifact of bins.manifest.artifacts) {
      expect(artifact.target).toBe(bins.target);
      expect(sha256(join(bins.dir, artifact.file))).toBe(artifact.sha256);
    }
    const version = Bun.spawnSync([bins.fleetctl, "--version"]);
    expect(version.stdout.toString().trim()).toBe("1.0.0-test");
  });

  test("another version is another build: same program, different bytes", async () => {
    const [v1, v2] = await Promise.all([ensureBinaries("1.0.0-test"), ensureBinaries("2.0.0-test")]);
    expect(v2.dir).not.toBe(v1.dir);
    const agentHash = (b: typeof v1) => b.manifest.artifacts.find((a) => a.program === "fleet-agent")!.sha256;
    expect(agentHash(v2)).not.toBe(agentHash(v1));
    expect(Bun.spawnSync([v2.fleetctl, "--version"]).stdout.toString().trim()).toBe("2.0.0-test");
  });
});

// Debian 13 mounts /tmp as tmpfs: the builds (dist/test, on the repo's disk) cannot be hard-linked there.
test("copyArtifacts works when the temp dir is on another file system (copies instead of linking)", async () => {
  const bins = await ensureBinaries("1.0.0-test");
  const otherFs = "/dev/shm";
  expect(
    existsSync(otherFs) && statSync(otherFs).dev !== statSync(bins.dir).dev
      ? "ok"
      : `${otherFs} is not another file system here`,
  ).toBe("ok");
  const saved = process.env.FLEET_TEST_TMPDIR;
  process.env.FLEET_TEST_TMPDIR = otherFs;
  try {
    const copy = copyArtifacts(bins);
    expect(statSync(copy.dir).dev).not.toBe(statSync(bins.dir).dev);
    for (const a of bins.manifest.artifacts) expect(sha256(join(copy.dir, a.file))).toBe(a.sha256);
  } finally {
    if (saved === undefined) delete process.env.FLEET_TEST_TMPDIR;
    else process.env.FLEET_TEST_TMPDIR = saved;
  }
});

test("tempDir makes a fresh empty directory each time", () => {
  const a = tempDir("harness");
  const b = tempDir("harness");
  expect(a).not.toBe(b);
  expect(existsSync(a)).toBe(true);
});

describe("waitFor", () => {
  test("returns the first truthy value, treating throws as not yet", async () => {
    let calls = 0;
    const value = await waitFor(
      () => {
        calls++;
        if (calls < 3) throw new Error("not up yet");
        return calls === 3 ? { ready: true } : null;
      },
      { intervalMs: 1 },
    );
    expect(value).toEqual({ ready: true });
  });

  test("the timeout error names what was awaited and what was last seen", async () => {
    await expect(
      waitFor(() => false, { timeoutMs: 30, intervalMs: 5, what: "host web1 online" }),
    ).rejects.toThrow("timed out after 30 ms waiting for host web1 online (last value: false)");
    const failing = waitFor(
      () => {
        throw new Error("ECONNREFUSED");
      },
      { timeoutMs: 20, intervalMs: 5, what: "fleetd health" },
    );
    await expect(failing).rejects.toThrow("waiting for fleetd health (last attempt threw: ECONNREFUSED)");
  });
});
