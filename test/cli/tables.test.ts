// What `fleetctl hosts`, `jobs` and `audit` print for a human.
import { beforeAll, expect, test } from "bun:test";
import { formatAuditTable } from "../../cli/commands/audit.ts";
import { formatEnrollToken } from "../../cli/commands/enroll-token.ts";
import { formatJobDetail } from "../../cli/commands/job.ts";
import { formatRolloutsTable } from "../../cli/commands/rollout.ts";
import { formatHostsTable, formatRunning, formatVitals, formatVitalsFields } from "../../cli/format/hosts.ts";
import { formatJobsTable, formatOutputLine } from "../../cli/format/jobs.ts";
import { RolloutOptions } from "../../protocol/index.ts";
import { makeHost, makeJob, NOW, secondsAgo } from "./fixtures.ts";

beforeAll(() => {
  process.env.NO_COLOR = "1";
});

test("hosts table: sorted by name, online/offline, outdated marker, relative last seen, running op, failing", () => {
  const hosts = [
    makeHost({
      id: "h_2",
      name: "web2",
      online: false,
      lastSeen: secondsAgo(300),
      outdated: true,
      runningJobId: "j_7",
      running: { ...makeJob({ id: "j_7", op: "switch", state: "running" }), startedAt: secondsAgo(125) },
      failing: true,
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
    "NAME  ID   STATUS   VERSION           CONFIG     GEN  LAST SEEN  RUNNING      FAILING",
    "mac1  h_1  online   1.0.0             - unknown  -    3s ago     -            -",
    "new   h_3  offline  -                 - unknown  -    never      -            -",
    "web2  h_2  offline  1.0.0 (outdated)  - unknown  -    5m ago     switch (2m)  yes",
  ]);
});

test("hosts table -o wide: platform, vitals, queue and the latest pull/switch/test, as the board shows them", () => {
  const pulled = makeJob({ id: "j_1", op: "pull", state: "succeeded", finishedAt: secondsAgo(300) });
  const tested = makeJob({ id: "j_2", op: "test", state: "failed", finishedAt: secondsAgo(7200) });
  const host = makeHost({ last: { pull: pulled, switch: null, test: tested }, queued: 2, failing: true });
  expect(formatHostsTable([host], NOW, "wide").split("\n")).toEqual([
    "NAME  ID   STATUS  VERSION  CONFIG     GEN  BUILT FROM  LOCK  NEEDS REBOOT  PLATFORM   CPU  MEM  DISK  LAST SEEN  RUNNING  QUEUED  LAST PULL         LAST SWITCH  LAST TEST      FAILING  TAGS",
    "web1  h_1  online  1.0.0    - unknown  -    -           -     -             linux/x64  -    -    -     3s ago     -        2       succeeded 5m ago  -            failed 2h ago  yes      -",
  ]);
});

test("hosts table -o wide: CPU and memory of the last vitals, and the fullest disk with its path", () => {
  const disk = (path: string, used: number, available: number) => ({
    path,
    totalBytes: used + available,
    usedBytes: used,
    availableBytes: available,
  });
  const vitals = {
    at: secondsAgo(30),
    load: [0.1, 0.1, 0.1] as [number, number, number],
    cpuPercent: 7.4,
    memory: { totalBytes: 1000, availableBytes: 250 },
    swap: null,
    disks: { root: disk("/", 40, 60), nix: disk("/nix", 93, 7), state: null },
    uptimeSeconds: 100,
    bootedAt: null,
  };
  expect(formatVitals(makeHost({ vitals }))).toEqual(["7%", "75%", "93% /nix"]);
  expect(formatVitalsFields(makeHost({ vitals }), NOW)).toEqual([
    ["Vitals", "CPU 7%, MEM 75% (30s ago)"],
    ["Disks", "/ 40%, /nix 93%"],
    ["Load", "0.10 0.10 0.10"],
    ["Booted", "-"],
  ]);
  expect(formatVitalsFields(makeHost(), NOW)).toEqual([["Vitals", "none sent yet"]]);
  expect(
    formatVitals(
      makeHost({
        vitals: { ...vitals, cpuPercent: null, memory: null, disks: { root: null, nix: null, state: null } },
      }),
    ),
  ).toEqual(["-", "-", "-"]);
});

test("running job: the op with its progress and how long it has run, not the job id", () => {
  const job = makeJob({
    op: "test",
    state: "running",
    startedAt: secondsAgo(45),
    progress: { current: 3, total: 10 },
  });
  expect(formatRunning(job, NOW)).toBe("test 3/10 (45s)");
  expect(formatRunning(makeJob({ op: "pull", state: "dispatched" }), NOW)).toBe("pull (dispatched)");
  expect(formatRunning({ ...job, progress: undefined, startedAt: secondsAgo(3900) }, NOW)).toBe(
    "test (1h05m)",
  );
  expect(formatRunning(null, NOW)).toBe("-");
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

test("output lines: control characters escaped visibly, tabs kept, bidi overrides shown", () => {
  const ts = new Date(NOW).toISOString();
  const line = (data: string) => formatOutputLine({ seq: 0, ts, stream: "stdout", data });
  expect(line("\u001b]52;c;eA==\u0007")).toBe("\\x1b]52;c;eA==\\x07");
  expect(line("a\tb\rc\u007f\u009b")).toBe("a\tb\\x0dc\\x7f\\x9b");
  expect(line("abc\u202edef")).toBe("abc\\u202edef");
  expect(line("plain ünïcödé ✓")).toBe("plain ünïcödé ✓");
});

test("audit table: hosts by name, details whole as key=value, whatever their length", () => {
  const names = new Map([["h_1", "web1"]]);
  const long = "x".repeat(200);
  const text = formatAuditTable(
    [
      {
        ts: secondsAgo(0),
        actor: "admin",
        action: "job.created",
        target: "j_1",
        details: { hostId: "h_1", op: "pull" },
      },
      {
        ts: secondsAgo(0),
        actor: "host:h_1",
        action: "host.enrolled",
        target: "h_1",
        details: { note: long },
      },
      {
        ts: secondsAgo(0),
        actor: "admin",
        action: "host.deleted",
        target: "h_gone",
        details: { name: "old" },
      },
    ],
    names,
  );
  const lines = text.split("\n");
  expect(lines[1]).toEndWith("admin      job.created    j_1     host=web1 op=pull");
  expect(lines[2]).toContain(`host:web1  host.enrolled  web1    note=${long}`);
  expect(lines[3]).toEndWith("host.deleted   h_gone  name=old");
  expect(text).not.toContain("…");
});

test("enroll token output puts the token and the one-liner each on its own line", () => {
  const text = formatEnrollToken({
    id: "et_1",
    token: "et_abc",
    expiresAt: "2026-01-02T04:04:05.000Z",
    installCommand: "curl -fsSL http://fleet:8080/install.sh | sh -s -- --token et_abc",
  });
  expect(text.split("\n")).toContain("  et_abc");
  expect(text.split("\n")).toContain("  curl -fsSL http://fleet:8080/install.sh | sh -s -- --token et_abc");
});

test("job detail names the host, and says so when it is no longer enrolled", () => {
  expect(formatJobDetail(makeJob(), NOW, "web1")).toContain("Host:      web1 (h_1)");
  expect(formatJobDetail(makeJob(), NOW)).toContain("Host:      h_1 (no longer enrolled)");
});

test("job detail names the rollout that made the job, and how to see it", () => {
  expect(formatJobDetail(makeJob({ rolloutId: "r_1a2b3c" }), NOW)).toContain(
    "Rollout:   r_1a2b3c (fleetctl rollout status r_1a2b3c)",
  );
  expect(formatJobDetail(makeJob(), NOW)).not.toContain("Rollout");
});

test("job detail shows an update's outcome beside its reason", () => {
  const job = makeJob({
    op: "update",
    args: { version: "2.0.0", sha256: "b".repeat(64), allowDowngrade: false },
    state: "failed",
    reason: "rolled back: new agent exited; back on 1.0.0",
    outcome: { op: "update", kind: "rolled_back", reason: "new agent exited", restored: true },
  });
  const text = formatJobDetail(job, NOW, "web1");
  expect(text).toContain("Reason:    rolled back: new agent exited; back on 1.0.0");
  expect(text).toContain("Outcome:   rolled_back (the previous agent is back)");
  expect(formatJobDetail(makeJob(), NOW, "web1")).not.toContain("Outcome");
});

test("rollouts table: one line each, hosts done of total, why it stopped", () => {
  const host = { hostId: "h_1", name: "web1", phase: "canary" as const, group: 0 };
  const base = {
    target: { kind: "update" as const, version: "1.2.0", sha256: {}, allowDowngrade: false },
    options: RolloutOptions.parse({}),
    createdAt: secondsAgo(600),
    createdBy: "admin",
  };
  const text = formatRolloutsTable(
    [
      {
        ...base,
        id: "r_2",
        state: "running",
        hosts: [
          { ...host, state: "done" },
          { ...host, state: "pending" },
        ],
      },
      { ...base, id: "r_1", state: "halted", reason: "web1 failed", hosts: [{ ...host, state: "failed" }] },
    ],
    NOW,
  );
  expect(text.split("\n")).toEqual([
    "ID   STATE    KIND    TARGET  HOSTS               STARTED  BY     REASON",
    "r_2  running  update  1.2.0   1/2 done            10m ago  admin",
    "r_1  halted   update  1.2.0   0/1 done, 1 failed  10m ago  admin  web1 failed",
  ]);
});
