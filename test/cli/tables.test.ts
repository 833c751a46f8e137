// What `fleetctl hosts`, `jobs` and `audit` print for a human.
import { beforeAll, expect, test } from "bun:test";
import { formatAuditTable } from "../../cli/commands/audit.ts";
import { formatEnrollToken } from "../../cli/commands/enroll-token.ts";
import { formatHostsTable } from "../../cli/commands/hosts.ts";
import { formatJobsTable, formatOutputLine } from "../../cli/format/jobs.ts";
import { makeHost, makeJob, NOW, secondsAgo } from "./fixtures.ts";

beforeAll(() => {
  process.env.NO_COLOR = "1";
});

test("hosts table: sorted by name, online/offline, outdated marker, platform, relative last seen", () => {
  const hosts = [
    makeHost({
      id: "h_2",
      name: "web2",
      online: false,
      lastSeen: secondsAgo(300),
      outdated: true,
      runningJobId: "j_7",
    }),
    makeHost({ id: "h_1", name: "mac1", platform: "darwin", arch: "arm64" }),
    makeHost({
      id: "h_3",
      name: "new",
      lastSeen: null,
      version: null,
      platform: null,
      arch: null,
      online: false,
    }),
  ];
  expect(formatHostsTable(hosts, NOW).split("\n")).toEqual([
    "NAME  ID   STATUS   VERSION           PLATFORM      LAST SEEN  RUNNING JOB",
    "mac1  h_1  online   1.0.0             darwin/arm64  3s ago     -",
    "new   h_3  offline  -                 -             never      -",
    "web2  h_2  offline  1.0.0 (outdated)  linux/x64     5m ago     j_7",
  ]);
});

test("hosts table: a revoked host says so instead of online/offline", () => {
  const revoked = makeHost({ id: "h_9", name: "lost", online: true, revokedAt: secondsAgo(60) });
  expect(formatHostsTable([revoked], NOW)).toContain("h_9  revoked");
});

test("jobs table: host names instead of ids, duration, exit code right-aligned", () => {
  const jobs = [
    makeJob({
      id: "j_2",
      state: "failed",
      startedAt: secondsAgo(50),
      finishedAt: secondsAgo(38),
      exitCode: 2,
    }),
    makeJob({ id: "j_1", hostId: "h_gone", op: "switch", state: "queued" }),
  ];
  expect(formatJobsTable(jobs, new Map([["h_1", "web1"]]), NOW).split("\n")).toEqual([
    "ID   HOST    OP      STATE   CREATED  DURATION  EXIT",
    "j_2  web1    pull    failed  1m ago   12.0s        2",
    "j_1  h_gone  switch  queued  1m ago",
  ]);
});

test("output lines: the op's own output verbatim, agent notes marked", () => {
  const ts = secondsAgo(0);
  expect(formatOutputLine({ seq: 0, ts, stream: "stdout", data: "building\n" })).toBe("building");
  expect(formatOutputLine({ seq: 1, ts, stream: "agent", data: "runner started" })).toBe(
    "[agent] runner started",
  );
});

test("audit table truncates long details", () => {
  const text = formatAuditTable([
    {
      ts: secondsAgo(0),
      actor: "admin",
      action: "job.create",
      target: "h_1",
      details: { note: "x".repeat(200) },
    },
  ]);
  expect(text.split("\n")[1]!.length).toBeLessThan(200);
  expect(text).toContain("…");
});

test("enroll token output puts the token and the one-liner each on its own line", () => {
  const text = formatEnrollToken({
    token: "et_abc",
    expiresAt: "2026-01-02T04:04:05.000Z",
    installCommand: "curl -fsSL http://fleet:8080/install.sh | sh -s -- --token et_abc",
  });
  expect(text.split("\n")).toContain("  et_abc");
  expect(text.split("\n")).toContain("  curl -fsSL http://fleet:8080/install.sh | sh -s -- --token et_abc");
});
