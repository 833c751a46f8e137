// Stored records are their own schemas (server/store/records/): a field the API grows does not
// reach the disk unasked, and a record a newer fleetd wrote, with fields this one does not know,
// still loads.
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { Timestamp } from "../../protocol/common.ts";
import { Host, UNKNOWN_HOST_CONFIG } from "../../protocol/hosts.ts";
import { JobSpec } from "../../protocol/job-ops.ts";
import { JobFields } from "../../protocol/jobs.ts";
import { openJsonStore } from "../../server/store/json-store.ts";
import { hostToWire, newHostRecord } from "../../server/store/records/host.ts";
import type { JobRecord } from "../../server/store/records/job.ts";
import type { RolloutRecord } from "../../server/store/records/rollout.ts";
import { removeTempDirs, silentLog, startTestApp, tempDir } from "./helpers.ts";

afterEach(removeTempDirs);

const _openStore = (dataDir: string) =>
  openJsonStore({ dataDir, lazyFlushMs: 60_000, auditMaxBytes: 1 << 20, log: silentLog });

const TOKEN_HASH = "f".repeat(64);
const T0 = "2026-01-02T03:04:05.000Z";

const _job = (): JobRecord => ({
  id: "j_one",
  hostId: "h_one",
  op: "test",
  args: {},
  state: "failed",
  createdAt: T0,
  expiresAt: T0,
  finishedAt: T0,
  exitCode: 1,
  reason: "1 of 2 tests failed",
  nextSeq: 2,
  outputBytes: 20,
  outputTruncated: false,
});

/** Every file of the data dir a store leaves after `write`, as text. */
async function _diskAfter(write: (store: ReturnType<typeof _openStore>) => Promise<void>) {
  const dir = tempDir();
  const store = _openStore(dir);
  await write(store);
  await store.close();
  const files = ["hosts.json", "jobs.json", "alerts.json", "rollouts.json", "audit.jsonl"];
  return Object.fromEntries(files.map((f) => [f, _readOrNull(join(dir, f))]));
}

const _readOrNull = (path: string) => {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
};

describe("a field added to the API", () => {
  test("does not change the job written to disk", async () => {
    // The API's Job grown by a field, as a later change to protocol/jobs.ts might grow it.
    const WiderJob = z.intersection(JobFields.extend({ etaAt: Timestamp }), JobSpec);
    const wide = WiderJob.parse({ ..._job(), etaAt: T0 });
    expect(wide.etaAt).toBe(T0);

    const plain = await _diskAfter((store) => store.putJob(_job()));
    const grown = await _diskAfter((store) => store.putJob(wide));
    expect(grown).toEqual(plain);
    expect(grown["jobs.json"]).toContain('"id":"j_one"');
    expect(grown["jobs.json"]).not.toContain("etaAt");
  });

  test("does not change the host written to disk, and live fields are never stored", async () => {
    const record = { ...newHostRecord("h_one", "web-1", TOKEN_HASH, T0), version: "1.2.3" };
    const WiderHost = Host.extend({ rack: z.string() });
    const live = {
      online: true,
      outdated: false,
      runningJobId: null,
      last: { pull: null, switch: null, test: null },
      running: null,
      queued: 0,
      failing: false,
      config: UNKNOWN_HOST_CONFIG,
      system: { generation: 3, path: "/nix/store/x-system", needsReboot: false },
      vitals: null,
    };
    // What a service would hand back after building the API's answer: the wire host and more.
    const wire = WiderHost.parse({ ...hostToWire(record, live), rack: "b7" });
    expect(wire).not.toHaveProperty("tokenHash");

    const plain = await _diskAfter((store) => store.putHost(record));
    const grown = await _diskAfter((store) => store.putHost({ ...wire, tokenHash: TOKEN_HASH }));
    expect(grown).toEqual(plain);
    for (const field of [
      "rack",
      "online",
      "outdated",
      "runningJobId",
      "failing",
      "queued",
      "config",
      "system",
    ])
      expect(grown["hosts.json"]).not.toContain(`"${field}"`);
    expect(grown["hosts.json"]).toContain(`"tokenHash":"${TOKEN_HASH}"`);
  });

  test("does not change alerts, rollouts or audit entries written to disk", async () => {
    const alert = { id: "a_1", kind: "update_failed", subject: "h_one", message: "m", raisedAt: T0 } as const;
    const rollout: RolloutRecord = {
      id: "r_1",
      state: "cancelled",
      target: { kind: "update", version: "1.3.0", sha256: {}, allowDowngrade: false },
      options: {
        canary: 1,
        batch: 1,
        maxFailures: 0,
        timeoutSeconds: 90,
        soakSeconds: 0,
        includeOffline: "skip",
      },
      hosts: [],
      createdAt: T0,
      createdBy: "admin",
    };
    const entry = { ts: T0, actor: "admin", action: "job.created", target: "j_one" };
    const write = (extra: object) => async (store: ReturnType<typeof _openStore>) => {
      await store.putAlert({ ...alert, ...extra });
      await store.putRollout({ ...rollout, ...extra });
      await store.appendAudit({ ...entry, ...extra });
    };
    const plain = await _diskAfter(write({}));
    const grown = await _diskAfter(write({ shownAs: "banner" }));
    expect(grown).toEqual(plain);
    expect(grown["audit.jsonl"]).toContain('"action":"job.created"');
  });
});

describe("a data dir written by a newer fleetd", () => {
  test("loads, passing over the fields this fleetd does not know", async () => {
    const dir = tempDir();
    const host = { ...newHostRecord("h_one", "web-1", TOKEN_HASH, T0), rack: "b7" };
    const newer = { fromTheFuture: { nested: true } };
    const line = (record: object) => `${JSON.stringify(record)}\n`;
    writeFileSync(join(dir, "hosts.json"), line({ seq: 1, hosts: [host] }));
    writeFileSync(join(dir, "jobs.json"), line({ seq: 0, jobs: [] }));
    writeFileSync(
      join(dir, "jobs.journal.jsonl"),
      line({ seq: 1, put: { ..._job(), hostId: "h_one", ...newer } }),
    );
    writeFileSync(
      join(dir, "enroll-tokens.json"),
      line({ seq: 1, tokens: [{ tokenHash: TOKEN_HASH, createdAt: T0, expiresAt: T0, ...newer }] }),
    );
    writeFileSync(
      join(dir, "alerts.json"),
      line({
        alerts: [
          { id: "a_1", kind: "update_failed", subject: "h_one", message: "m", raisedAt: T0, ...newer },
        ],
      }),
    );
    writeFileSync(
      join(dir, "audit.jsonl"),
      line({ ts: T0, actor: "admin", action: "job.created", ...newer }),
    );

    const app = await startTestApp({ sweepIntervalMs: 3_600_000 }, dir);
    try {
      const get = async (path: string) => {
        const reply = await app.call("GET", path, { token: app.adminToken });
        expect(reply.status).toBe(200);
        return reply.body;
      };
      const { hosts } = await get("/api/v1/hosts");
      expect(hosts).toHaveLength(1);
      expect(hosts[0]).toMatchObject({ id: "h_one", name: "web-1", enrolledAt: T0 });
      expect(hosts[0]).not.toHaveProperty("rack");
      const { jobs } = await get("/api/v1/jobs");
      expect(jobs).toEqual([{ ..._job(), hostId: "h_one" }]);
      const { tokens } = await get("/api/v1/enroll-tokens");
      expect(tokens).toMatchObject([{ createdAt: T0, expiresAt: T0, state: "expired" }]);
      expect(tokens[0]).not.toHaveProperty("fromTheFuture");
      const { alerts } = await get("/api/v1/alerts?all=1");
      expect(alerts).toEqual([
        { id: "a_1", kind: "update_failed", subject: "h_one", message: "m", raisedAt: T0, silenced: false },
      ]);
      const { entries } = await get("/api/v1/audit?action=job.created");
      expect(entries).toEqual([{ ts: T0, actor: "admin", action: "job.created" }]);

      // And a change to such a record is written as this fleetd knows it.
      const revoked = await app.call("POST", "/api/v1/hosts/h_one/revoke", { token: app.adminToken });
      expect(revoked.status).toBe(200);
    } finally {
      await app.close();
    }
    const snapshot = JSON.parse(readFileSync(join(dir, "hosts.json"), "utf8"));
    expect(snapshot.hosts[0]).toMatchObject({ id: "h_one", tokenHash: TOKEN_HASH });
    expect(snapshot.hosts[0].revokedAt).toBeString();
  });
});
