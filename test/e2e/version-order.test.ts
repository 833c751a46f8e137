// Version order with real builds: two fleet-agent binaries compiled from this tree with the
// versions scripts/build.ts gives two real commits of a throwaway repository, the newer commit's
// hash (and version string) sorting before the older one's as text. `fleetctl update --all`
// takes the fleet to the newer build without --allow-downgrade, a real downgrade is still
// refused, and a host already on the target is skipped up front while the canary is the first
// host that needs the update (issue 14).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { linkSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Artifact, Manifest } from "../../protocol/index.ts";
import { artifactFileName, buildAll, hostTarget } from "../../scripts/build.ts";
import { versionsThatSortWrongAsText, type WrongWayRound } from "../harness/git-versions.ts";
import { type Binaries, ensureBinaries, TestFleet, tempDir, waitFor } from "../harness/index.ts";

let control: Binaries;
let versions: WrongWayRound;
const agents = {} as Record<"older" | "newer", { manifest: Manifest; entry: Artifact; path: string }>;
let served: string;
let fleet: TestFleet;
const LIMITS = { FLEET_LIMITS: JSON.stringify({ updateSoakMs: 1000, updateTimeoutMs: 60_000 }) };
const agentConfig = { update: { healthGraceSeconds: 15, soakSeconds: 1 } };

/** Points the served manifest at one of the two agents (fleetd re-reads it without a restart). */
function serve(which: "older" | "newer"): void {
  const { manifest, entry } = agents[which];
  const listed: Manifest = { ...manifest, artifacts: [{ ...entry, file: `fleet-agent-${which}` }] };
  writeFileSync(join(served, "manifest.json.tmp"), JSON.stringify(listed));
  renameSync(join(served, "manifest.json.tmp"), join(served, "manifest.json")); // never half a manifest
}

beforeAll(async () => {
  versions = versionsThatSortWrongAsText();
  // fleetd and fleetctl of any build do; only the agents need the two versions (one compile each).
  control = await ensureBinaries("1.0.0-test");
  served = tempDir("served");
  for (const which of ["older", "newer"] as const) {
    const out = tempDir(`agent-${which}`);
    const target = hostTarget();
    const manifest = await buildAll({
      targets: [target],
      programs: ["fleet-agent"],
      out,
      version: versions[which].version,
      log: () => {},
    });
    const path = join(out, artifactFileName("fleet-agent", target));
    linkSync(path, join(served, `fleet-agent-${which}`));
    agents[which] = { manifest, entry: manifest.artifacts[0]!, path };
  }
  serve("newer");
  fleet = await TestFleet.start(control, ["--artifacts", served], LIMITS);
  // build1 is already on the newer build; build2 and build3 run the older one.
  for (const [name, which] of [
    ["build1", "newer"],
    ["build2", "older"],
    ["build3", "older"],
  ] as const) {
    await fleet.addAgent(name, { binary: agents[which].path, config: agentConfig });
  }
  await waitFor(async () => (await fleet.hosts()).filter((h) => h.online).length === 3, {
    what: "3 hosts online",
    timeoutMs: 30_000,
  });
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
});

test("update --all takes the fleet to the newer build whose hash sorts first, canary first, current host skipped", async () => {
  const { older, newer } = versions;
  console.log(`older build ${older.version}, newer build ${newer.version}`);
  expect(newer.hash < older.hash).toBe(true);
  expect(newer.version < older.version).toBe(true);

  const r = await fleet.fleetctl(["update", "--all", "--wait"]);
  console.log(r.stdout);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(
    `order: canary: build2 · batch 1: build3 · skipped, already at ${newer.version}: build1`,
  );
  expect(r.stdout).toContain(`build1: skipped — already at ${newer.version}`);
  expect(r.stdout).not.toContain("build1 (canary)");
  expect(r.stdout).not.toContain("downgrade");
  for (const h of await fleet.hosts()) expect(h.version).toBe(newer.version);
  const { rollout } = await fleet.api("GET", "/api/v1/rollouts/current");
  const byName = Object.fromEntries(rollout.hosts.map((h: any) => [h.name, h]));
  expect(byName.build1).toMatchObject({ phase: "none", state: "skipped" });
  expect(byName.build1.jobId).toBeUndefined();
  expect(byName.build2).toMatchObject({ phase: "canary", state: "done" });
  expect(Date.parse(byName.build3.startedAt)).toBeGreaterThanOrEqual(Date.parse(byName.build2.finishedAt));
}, 180_000);

test("every host current: update --all says there is nothing to do and succeeds at once", async () => {
  const r = await fleet.fleetctl(["update", "--all", "--wait"]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(`order: nothing to update (skipped, already at ${versions.newer.version}`);
  expect(r.stdout).toContain("completed");
  // Without --wait there is nothing to follow: it says the rollout is already over.
  const noWait = await fleet.fleetctl(["update", "--all"]);
  expect(noWait.code).toBe(0);
  expect(noWait.stdout).toContain("completed: nothing to do: every host is already at");
  expect(noWait.stdout).not.toContain("Follow it with");
}, 60_000);

test("a real downgrade, to the older build, is still refused; --allow-downgrade permits it", async () => {
  const { older, newer } = versions;
  serve("older");
  const r = await fleet.fleetctl(["update", "build2", "--wait", "--json"]);
  expect(r.code).not.toBe(0);
  const { rollout } = JSON.parse(r.stdout);
  const { job } = await fleet.api("GET", `/api/v1/jobs/${rollout.hosts[0].jobId}`);
  expect(job.state).toBe("failed");
  expect(job.reason).toBe(
    `refusing to downgrade ${newer.version} → ${older.version} (allow it with --allow-downgrade)`,
  );
  expect((await fleet.host("build2")).version).toBe(newer.version);

  const allowed = await fleet.fleetctl(["update", "build2", "--allow-downgrade", "--wait"]);
  expect(allowed.code).toBe(0);
  expect((await fleet.host("build2")).version).toBe(older.version);
}, 180_000);
