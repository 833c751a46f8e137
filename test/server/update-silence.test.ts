// What a silent update's failure says, case by case: never acknowledged (frozen agent, or a
// runner that never reported though the agent polls), acknowledged then silent, stuck while
// online, and "too old" only for an agent whose protocol predates the update op.
import { afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeSilentUpdate, type SilentUpdate } from "../../server/services/update-silence.ts";
import {
  enroll,
  helloBody,
  removeTempDirs,
  sleep,
  startTestApp,
  type TestApp,
  tempDir,
  waitFor,
} from "./helpers.ts";

const T = (s: string) => `2026-01-01T20:${s}.000Z`;
const ms = (s: string) => Date.parse(T(s));
const base: SilentUpdate = {
  job: {
    id: "j_1",
    state: "dispatched",
    createdAt: T("43:05"),
    dispatchedAt: T("43:05"),
    args: { version: "2.0.0" },
  },
  timeoutMs: 90_000,
  lastReportAt: null,
  agentProtocol: 1,
  lastHeard: T("42:51"),
  offlineSince: ms("43:16"),
};

describe("describeSilentUpdate", () => {
  test("a frozen agent that never acknowledged: what was seen, and not 'too old'", () => {
    const reason = describeSilentUpdate(base);
    expect(reason).toBe(
      "the agent never acknowledged the update: the command went out on its poll at 20:43:05 UTC and no " +
        "report came for 90 s (nothing heard from the host since, last at 20:42:51 UTC; offline since " +
        "20:43:16 UTC); the agent is hung, stopped or cut off from fleetd",
    );
    expect(reason).not.toContain("too old");
  });

  test("never acknowledged though the agent keeps polling: its runner is the suspect", () => {
    const reason = describeSilentUpdate({ ...base, lastHeard: T("44:30"), offlineSince: null });
    expect(reason).toStartWith("the agent never acknowledged the update within 90 s although it is online");
    expect(reason).toContain("last heard from the host at 20:44:30 UTC");
    expect(reason).toContain("runner");
  });

  test("acknowledged, then silent and offline", () => {
    const reason = describeSilentUpdate({
      ...base,
      job: { ...base.job, state: "running", startedAt: T("43:06") },
      lastReportAt: ms("43:09"),
      lastHeard: T("43:09"),
      offlineSince: ms("43:20"),
    });
    expect(reason).toBe(
      "the agent acknowledged the update, then went silent: it started at 20:43:06 UTC and last reported " +
        "at 20:43:09 UTC, then nothing for 90 s (last heard from the host at 20:43:09 UTC; offline since " +
        "20:43:20 UTC) and no hello on 2.0.0; it is hung, stopped or cut off from fleetd",
    );
  });

  test("acknowledged and stuck while the host stays online", () => {
    const reason = describeSilentUpdate({
      ...base,
      job: { ...base.job, state: "running", startedAt: T("43:06") },
      offlineSince: null,
    });
    expect(reason).toStartWith(
      "no word from the update and no hello on 2.0.0 for 90 s: it started at 20:43:06",
    );
    expect(reason).toContain("still online");
  });

  test("queued for a poll that never came: the update never reached the agent", () => {
    const { dispatchedAt: _, ...queued } = base.job;
    const reason = describeSilentUpdate({ ...base, job: { ...queued, state: "queued" } });
    expect(reason).toBe(
      "the update never reached the agent: it was queued at 20:43:05 UTC for the agent's next poll, " +
        "which did not come within 90 s (last heard from the host at 20:42:51 UTC; offline since " +
        "20:43:16 UTC); the agent is hung, stopped or cut off from fleetd",
    );
  });

  test("'too old' only for an agent whose protocol predates the update op", () => {
    const reason = describeSilentUpdate({ ...base, agentProtocol: 0 });
    expect(reason).toContain("speaks protocol 0, older than the update command (protocol 1)");
    expect(reason).toContain("install.sh");
  });
});

describe("an update queued for the next poll", () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
    removeTempDirs();
  });

  async function start() {
    const artifacts = tempDir();
    const agent = { program: "fleet-agent", target: "linux-x64", platform: "linux", arch: "x64" } as const;
    writeFileSync(
      join(artifacts, "manifest.json"),
      JSON.stringify({
        version: "2.0.0",
        builtAt: new Date().toISOString(),
        artifacts: [{ ...agent, file: "a", size: 1, sha256: "d".repeat(64), signature: "c2ln" }],
      }),
    );
    app = await startTestApp({
      artifactsDir: artifacts,
      offlineGraceMs: 200,
      sweepIntervalMs: 20,
      updateTimeoutMs: 300,
    });
    const host = await enroll(app, "frozen");
    await app.call("POST", "/api/v1/agent/hello", { token: host.hostToken, json: helloBody() });
    const update = () =>
      app!.call("POST", `/api/v1/hosts/${host.hostId}/update`, { token: app!.adminToken, json: {} });
    const job = async (id: string) =>
      (await app!.call("GET", `/api/v1/jobs/${id}`, { token: app!.adminToken })).body.job;
    return { host, update, job };
  }

  test("fails once the host, online when it was queued, went quiet without polling", async () => {
    const { update, job } = await start();
    const created = (await update()).body.job; // online (its hello), but it never polls
    await waitFor(async () => (await job(created.id)).state === "failed", 3000, "the update failed");
    expect((await job(created.id)).reason).toStartWith(
      "the update never reached the agent: it was queued at",
    );
  });

  test("waits (for its TTL) for a host that was already offline when it was queued", async () => {
    const { update, job } = await start();
    await sleep(400); // offline now
    const created = (await update()).body.job;
    await sleep(800);
    expect((await job(created.id)).state).toBe("queued");
  });
});
