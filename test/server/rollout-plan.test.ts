// Which hosts a rollout takes, and in what order: hosts already on the target are skipped up
// front, the canary is the first host that actually needs the update (online ones first), and a
// fleet with nothing to update completes at once. Pure plan first, then through the API.
import { afterEach, describe, expect, test } from "bun:test";
import { batchSizes } from "../../protocol/rollout-batches.ts";
import { RolloutOptions } from "../../protocol/rollouts.ts";
import { planRollout } from "../../server/services/rollouts/plan.ts";
import {
  enroll,
  helloBody,
  removeTempDirs,
  startTestApp,
  type TestApp,
  tempDir,
  writeTestManifest,
} from "./helpers.ts";

const options = RolloutOptions.parse({ batch: 2 });
const NOW = "2026-01-01T00:00:00.000Z";
const host = (name: string, over: { current?: boolean; online?: boolean } = {}) => ({
  id: `h_${name}`,
  name,
  ...over,
});
const order = (planned: ReturnType<typeof planRollout>) =>
  planned.map((h) => `${h.name}:${h.phase}${h.phase === "batch" ? h.group : ""}:${h.state}`);

describe("planRollout", () => {
  test("the first host by name is current: it is skipped up front and the canary is the next one", () => {
    const planned = planRollout(
      [host("build1", { current: true }), host("build2"), host("build3"), host("build4")],
      options,
      "0.1.0",
      [],
      NOW,
    );
    expect(order(planned)).toEqual([
      "build1:none:skipped",
      "build2:canary:pending",
      "build3:batch1:pending",
      "build4:batch1:pending",
    ]);
    expect(planned[0]).toMatchObject({ reason: "already at 0.1.0", finishedAt: NOW });
  });

  test("the canary is the first host needing the update that is online", () => {
    const planned = planRollout(
      [host("a", { online: false }), host("b", { online: true }), host("c", { online: true })],
      options,
      "2.0.0",
    );
    expect(order(planned)).toEqual(["b:canary:pending", "a:batch1:pending", "c:batch1:pending"]);
  });

  test("every host current: nothing pending", () => {
    const planned = planRollout(
      [host("a", { current: true }), host("b", { current: true })],
      options,
      "2.0.0",
    );
    expect(planned.every((h) => h.state === "skipped" && h.phase === "none")).toBe(true);
  });

  test("a named canary that is already current is refused: it would test nothing", () => {
    expect(() => planRollout([host("a", { current: true }), host("b")], options, "2.0.0", ["h_a"])).toThrow(
      "canary host a is already at 2.0.0",
    );
  });
});

describe("growing batches (no --batch)", () => {
  const sizes = (count: number) => {
    const hosts = Array.from({ length: count }, (_, i) => host(`h${String(i).padStart(4, "0")}`));
    const planned = planRollout(hosts, RolloutOptions.parse({}), "2.0.0");
    const perGroup = new Map<number, number>();
    for (const h of planned) perGroup.set(h.group, (perGroup.get(h.group) ?? 0) + 1);
    return [...perGroup.values()];
  };

  test("1,000 hosts: the canary, then 1 %, 5 % and 25 % of the rest, then the rest", () => {
    expect(sizes(1000)).toEqual([1, 10, 50, 250, 689]);
  });

  test("a small fleet still goes one step at a time, no group empty", () => {
    expect(sizes(2)).toEqual([1, 1]);
    expect(sizes(4)).toEqual([1, 1, 1, 1]);
    expect(sizes(7)).toEqual([1, 1, 1, 2, 2]);
  });

  test("batchSizes, the rule the board previews with, is the plan's", () => {
    expect(batchSizes(999)).toEqual([10, 50, 250, 689]);
    expect([1, ...batchSizes(999)]).toEqual(sizes(1000));
    expect(batchSizes(3)).toEqual([1, 1, 1]);
    expect(batchSizes(1)).toEqual([1]);
    expect(batchSizes(0)).toEqual([]);
    expect(batchSizes(7, 3)).toEqual([3, 3, 1]);
    expect(batchSizes(2, 5)).toEqual([2]);
  });

  test("a --batch given is kept as fixed batches", () => {
    const hosts = Array.from({ length: 7 }, (_, i) => host(`h${i}`));
    const planned = planRollout(hosts, RolloutOptions.parse({ batch: 3 }), "2.0.0");
    expect(order(planned).slice(1)).toEqual([
      "h1:batch1:pending",
      "h2:batch1:pending",
      "h3:batch1:pending",
      "h4:batch2:pending",
      "h5:batch2:pending",
      "h6:batch2:pending",
    ]);
  });
});

describe("starting a rollout", () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    removeTempDirs();
  });

  const SERVED_SHA = "d".repeat(64);
  async function fleetWith(hosts: Record<string, string>) {
    const artifacts = tempDir();
    writeTestManifest(artifacts, "2.0.0", SERVED_SHA);
    app = await startTestApp({ artifactsDir: artifacts, pollWindowMs: 5000 });
    for (const [name, version] of Object.entries(hosts)) {
      const { hostToken } = await enroll(app, name);
      const sha256 = version === "2.0.0" ? SERVED_SHA : "a".repeat(64);
      await app.call("POST", "/api/v1/agent/hello", {
        token: hostToken,
        json: helloBody({ version, sha256 }),
      });
      await app.call("GET", "/api/v1/agent/poll?wait=0", { token: hostToken });
    }
    return app;
  }
  const start = (body: Record<string, unknown> = {}) =>
    app!.call("POST", "/api/v1/rollouts", { token: app!.adminToken, json: body });

  test("a current first host is listed as skipped, the canary is the first outdated host", async () => {
    await fleetWith({ build1: "2.0.0", build2: "1.0.0", build3: "1.0.0" });
    const { status, body } = await start();
    expect(status).toBe(201);
    const hosts = body.rollout.hosts;
    expect(hosts.map((h: any) => [h.name, h.phase])).toEqual([
      ["build1", "none"],
      ["build2", "canary"],
      ["build3", "batch"],
    ]);
    expect(hosts[0]).toMatchObject({ state: "skipped", reason: "already at 2.0.0" });
    expect(hosts[1].state).not.toBe("skipped");
  });

  test("every host already current: the rollout is completed at once and says why", async () => {
    await fleetWith({ a: "2.0.0", b: "2.0.0" });
    const { status, body } = await start();
    expect(status).toBe(201);
    expect(body.rollout.state).toBe("completed");
    expect(body.rollout.reason).toBe("nothing to do: every host is already at 2.0.0");
    expect(body.rollout.hosts.map((h: any) => h.reason)).toEqual(["already at 2.0.0", "already at 2.0.0"]);
    // Completed, it blocks no later rollout.
    expect((await start()).status).toBe(201);
  });
});
