// Hostile artifacts at a real compiled agent: a man-in-the-middle between agent and fleetd
// rewrites the manifest (path tricks, only another platform, an absurd declared size) or the
// download (a redirect to another host, more bytes than declared). Each update fails with a
// clear reason, the agent's binary is untouched, no <bin>.new is left, and nothing is written
// outside the agent's own state dir.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Manifest } from "../../protocol/index.ts";
import {
  type ArtifactsDir,
  type Binaries,
  copyArtifacts,
  ensureBinaries,
  sign,
  type TestAgent,
  TestFleet,
  waitFor,
} from "../harness/index.ts";

type Mode = "none" | "manifest" | "redirect" | "oversize";

let v1: Binaries;
let v2: Binaries;
let served: ArtifactsDir;
let fleet: TestFleet;
let agent: TestAgent;
let mode: Mode = "none";
let rewrite: (m: Manifest) => Manifest = (m) => m;

let evilHits = 0;
const evil = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  fetch: () => {
    evilHits++;
    return new Response("evil binary");
  },
});
const mitm = Bun.serve({
  port: 0,
  hostname: "127.0.0.1",
  idleTimeout: 120,
  async fetch(req) {
    const url = new URL(req.url);
    // The agent asks for the build-pinned URL; an older one for the plain file name.
    const artifact = /^\/api\/v1\/artifacts\/(sha256\/[0-9a-f]{64}\/)?fleet-agent/.test(url.pathname);
    if (artifact && mode === "redirect") return Response.redirect(`http://127.0.0.1:${evil.port}/x`, 302);
    const upstream = await fetch(`${fleet.url}${url.pathname}${url.search}`, {
      method: req.method,
      headers: req.headers,
      body: req.method === "GET" ? undefined : await req.arrayBuffer(),
      signal: req.signal,
    });
    if (url.pathname === "/api/v1/artifacts/manifest.json" && mode === "manifest")
      return Response.json(rewrite((await upstream.json()) as Manifest));
    if (artifact && mode === "oversize") {
      const bytes = new Uint8Array(await upstream.arrayBuffer());
      return new Response(Buffer.concat([bytes, Buffer.alloc(4 * 1024 * 1024, 0x90)]));
    }
    return upstream;
  },
});

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

/**
 * Written by the running agent itself, not by an update: its lock, health.json after every hello,
 * and state-acked.json once fleetd acknowledges its config state, which may land after the first look.
 */
const _AGENT_OWN_FILES = ["agent.lock", "health.json", "state-acked.json"];

/** Every file under the agent's root, outside its spool of job records (which the update writes). */
function filesOutsideSpool(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) {
        if (path !== join(agent.stateDir, "jobs")) walk(path);
      } else if (!_AGENT_OWN_FILES.includes(e.name) && !e.name.includes(".tmp-")) {
        out.set(path.slice(root.length), sha(path));
      }
    }
  };
  walk(root);
  return out;
}

beforeAll(async () => {
  v1 = await ensureBinaries("1.0.0-test");
  v2 = await ensureBinaries("2.0.0-test");
  served = copyArtifacts(v2);
  fleet = await TestFleet.start(v2, ["--artifacts", served.dir]);
  agent = await fleet.addAgent("target", {
    binary: v1.agent,
    config: { server: `http://127.0.0.1:${mitm.port}`, update: { healthGraceSeconds: 15, soakSeconds: 1 } },
  });
  await waitFor(async () => (await fleet.host("target"))?.online, { what: "agent online" });
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
  mitm.stop(true);
  evil.stop(true);
});

const here = () => served.agent;
const withAgent =
  (change: (a: Manifest["artifacts"][number]) => Manifest["artifacts"][number]) => (m: Manifest) => ({
    ...m,
    artifacts: m.artifacts.map((a) =>
      a.program === "fleet-agent" && a.target === here().target ? change(a) : a,
    ),
  });

const cases: [string, Mode, (m: Manifest) => Manifest, string][] = [
  [
    "a file name that climbs out (../../etc/passwd)",
    "manifest",
    withAgent((a) => ({ ...a, file: "../../etc/passwd" })),
    "manifest is invalid at artifacts",
  ],
  [
    "a file name with a directory (a/b)",
    "manifest",
    withAgent((a) => ({ ...a, file: "a/b" })),
    "manifest is invalid at artifacts",
  ],
  [
    "a file name of '..'",
    "manifest",
    withAgent((a) => ({ ...a, file: ".." })),
    "manifest is invalid at artifacts",
  ],
  [
    "only another platform's agent",
    "manifest",
    (m) => ({
      ...m,
      artifacts: m.artifacts.filter((a) => !(a.program === "fleet-agent" && a.target === here().target)),
    }),
    `fleetd serves no fleet-agent for ${v2Target()}`,
  ],
  [
    "a declared size over the cap, correctly signed",
    "manifest",
    (m) =>
      withAgent((a) => {
        const big = { ...a, size: 600 * 1024 * 1024 };
        return { ...big, signature: sign(big, m.version) };
      })(m),
    "over the 536870912-byte cap",
  ],
  ["a redirect to another host", "redirect", (m) => m, "refusing a redirect from /api/v1/artifacts/"],
  ["more bytes than the manifest declares", "oversize", (m) => m, "download is larger than the"],
];

function v2Target(): string {
  return `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
}

for (const [what, how, change, reason] of cases) {
  test(`${what}: refused with a clear reason, nothing written outside the agent's state`, async () => {
    const before = filesOutsideSpool(agent.root);
    const binBefore = sha(agent.bin);
    mode = how;
    rewrite = change;
    try {
      const r = await fleet.fleetctl(["update", "target", "--wait", "--json"]);
      expect(r.code).not.toBe(0);
      const jobId = JSON.parse(r.stdout).rollout.hosts[0].jobId;
      const { job } = await fleet.api("GET", `/api/v1/jobs/${jobId}`);
      expect({ state: job.state, reason: job.reason }).toEqual({
        state: "failed",
        reason: expect.stringContaining(reason),
      });
    } finally {
      mode = "none";
    }
    expect(sha(agent.bin)).toBe(binBefore);
    expect(existsSync(`${agent.bin}.new`)).toBe(false);
    expect(filesOutsideSpool(agent.root)).toEqual(before);
    expect((await fleet.host("target")).version).toBe(v1.version);
    expect(evilHits).toBe(0); // a refused redirect is not even followed
  }, 90_000);
}

test("with the man in the middle gone, the same agent updates fine", async () => {
  const r = await fleet.fleetctl(["update", "target", "--wait", "--json"]);
  expect(r.code).toBe(0);
  expect(sha(agent.bin)).toBe(here().sha256);
}, 90_000);
