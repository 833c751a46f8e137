// A hostile manifest at the agent: file names that are paths, "." or "..", a manifest that only
// has another platform's agent, and one that no longer serves the build the job pins. The update
// refuses each with a clear reason before it downloads anything, and writes nothing, least of all
// outside its own paths.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentConfig } from "../../agent/config.ts";
import { update } from "../../agent/jobs/ops/update.ts";
import { fetchManifest } from "../../agent/update/download.ts";
import { type Arch, Artifact, type Platform, targetOf } from "../../protocol/index.ts";

const PATH_TRICKS = [
  "../../etc/passwd",
  "a/b",
  "..",
  ".",
  "/etc/passwd",
  "a\\b",
  "",
  "%2e%2e",
  "x".repeat(201),
];
const here = targetOf(process.platform as Platform, process.arch as Arch);
const elsewhere = here === "darwin-arm64" ? "linux-x64" : "darwin-arm64";

const root = mkdtempSync(join(tmpdir(), "fleet-hostile-"));
afterAll(() => {
  server.stop(true);
  rmSync(root, { recursive: true, force: true });
});

function entry(overrides: Partial<Artifact> = {}): Artifact {
  const [platform, arch] = (overrides.target ?? here).split("-");
  return {
    program: "fleet-agent",
    target: here,
    platform: platform === "windows" ? "win32" : (platform as Platform),
    arch: arch as Arch,
    file: `fleet-agent-${here}`,
    size: 1000,
    sha256: "a".repeat(64),
    signature: "c2ln",
    ...overrides,
  };
}

let manifest: unknown = null;
const fetched: string[] = [];
const server = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch(req) {
    const path = new URL(req.url).pathname;
    fetched.push(path);
    if (path === "/api/v1/artifacts/manifest.json") return Response.json(manifest);
    return new Response("binary bytes", { status: 200 });
  },
});
const url = `http://127.0.0.1:${server.port}`;
const serve = (artifacts: Artifact[]) => {
  manifest = { version: "99.0.0", builtAt: new Date().toISOString(), artifacts };
  fetched.length = 0;
};

/** Every file below `dir`, relative. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      if (name.isDirectory()) walk(join(d, name.name), `${rel}${name.name}/`);
      else out.push(`${rel}${name.name}`);
    }
  };
  walk(dir, "");
  return out.sort();
}

/** Runs the update op as the runner would, with the agent's binary at <sandbox>/a/b/c/fleet-agent. */
async function runUpdate() {
  const sandbox = mkdtempSync(join(root, "sandbox-"));
  const binDir = join(sandbox, "a", "b", "c");
  mkdirSync(binDir, { recursive: true });
  const bin = join(binDir, "fleet-agent");
  writeFileSync(bin, "the current agent");
  const stateDir = join(sandbox, "state");
  mkdirSync(stateDir);
  const before = files(sandbox);
  const lines: string[] = [];
  const result = await update({
    config: AgentConfig.parse({ server: url, name: "victim", service: { binary: bin } }),
    stateDir,
    jobId: "j_test",
    args: { version: "9.9.9", sha256: "0".repeat(64), allowDowngrade: false },
    signal: new AbortController().signal,
    line: (_stream, data) => lines.push(data),
    progress: () => {},
  });
  return { result, lines, before, after: files(sandbox), bin };
}

describe("path tricks in the manifest's file name", () => {
  for (const file of PATH_TRICKS) {
    test(`${JSON.stringify(file.slice(0, 20))} is refused by the schema and the update`, async () => {
      expect(Artifact.safeParse(entry({ file })).success).toBe(false);
      serve([entry({ file })]);
      await expect(fetchManifest(url, new AbortController().signal)).rejects.toThrow(
        /manifest is invalid at artifacts\.0\.file: (artifact file must be a plain file name|Too big)/,
      );
      fetched.length = 0;
      const { result, before, after } = await runUpdate();
      expect(result.state).toBe("failed");
      expect(result.reason).toStartWith("manifest is invalid at artifacts.0.file");
      expect(after).toEqual(before);
      expect(fetched).toEqual(["/api/v1/artifacts/manifest.json"]);
    });
  }

  test("ordinary artifact names still pass", () => {
    for (const file of ["fleet-agent-linux-x64", "fleet-agent-windows-x64.exe", "fleetd_2.0.0"])
      expect(Artifact.safeParse(entry({ file })).success).toBe(true);
  });
});

test("a manifest with only another platform's agent is refused, naming this platform", async () => {
  serve([entry({ target: elsewhere, file: `fleet-agent-${elsewhere}` })]);
  const { result, before, after, bin } = await runUpdate();
  expect(result).toMatchObject({ state: "failed", reason: `fleetd serves no fleet-agent for ${here}` });
  expect(after).toEqual(before);
  expect(existsSync(`${bin}.new`)).toBe(false);
  expect(fetched).toEqual(["/api/v1/artifacts/manifest.json"]);
});

test("a manifest that moved on from the pinned build is refused, naming both, before any download", async () => {
  serve([entry()]);
  const { result, before, after, bin } = await runUpdate();
  expect(result).toMatchObject({
    state: "failed",
    reason:
      "fleetd no longer serves the build this update is pinned to: asked for 9.9.9 (sha256 000000000000), " +
      "fleetd serves 99.0.0 (sha256 aaaaaaaaaaaa)",
    outcome: { op: "update", kind: "failed_before_swap" },
  });
  expect(after).toEqual(before);
  expect(existsSync(`${bin}.new`)).toBe(false);
  expect(fetched).toEqual(["/api/v1/artifacts/manifest.json"]);
});
