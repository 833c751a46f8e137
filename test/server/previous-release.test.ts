// Today's fleetd on the data dirs earlier releases wrote (test/fixtures/data-dirs/, see its
// README): every host, job, enroll token, rollout, alert and audit entry that release showed is
// shown again, and a change made afterwards is written and survives a restart.
import { afterEach, describe, expect, test } from "bun:test";
import { cpSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs, startTestApp, type TestApp, tempDir } from "./helpers.ts";

afterEach(removeTempDirs);

/** Add the next release's fixture here once it is made. */
const RELEASES = ["0.1.0-dev.198", "0.1.0-dev.272"];
const FIXTURES = join(import.meta.dir, "../fixtures/data-dirs");
/** No sweeps during the test: the fixture's queued jobs and tokens would expire as time goes by. */
const NO_SWEEPS = { sweepIntervalMs: 3_600_000 };

/** Computed when asked: presence and "outdated" depend on this fleetd, not on the data dir. */
const LIVE_HOST_FIELDS = ["online", "outdated"];

type Answers = Record<string, any>;

async function _get(app: TestApp, path: string) {
  const reply = await app.call("GET", path, { token: app.adminToken });
  expect(reply.status).toBe(200);
  return reply.body;
}

function _without(record: Record<string, unknown>, fields: readonly string[]) {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !fields.includes(key)));
}

/**
 * 0.1.x rollouts as the API answers them since deploys (server/store/records/rollout.ts): the same
 * update, its version and allowDowngrade in `target` (no build pinned), hosts `updating` now
 * `in_progress`.
 */
function _rolloutsSinceDeploys(was: Answers): Answers {
  return {
    rollouts: was.rollouts.map(
      ({ targetVersion, options: { allowDowngrade, ...options }, ...r }: Answers) => ({
        ...r,
        options,
        target: { kind: "update", version: targetVersion, sha256: {}, allowDowngrade },
        hosts: r.hosts.map((h: Answers) => (h.state === "updating" ? { ...h, state: "in_progress" } : h)),
      }),
    ),
  };
}

/** What the release answered, to be answered again from the same data dir. */
async function _expectSameAnswers(app: TestApp, was: Answers, killed: boolean) {
  // A SIGKILL loses the batched lastSeen of hosts first seen just before it (store types.ts).
  const notCompared = killed ? [...LIVE_HOST_FIELDS, "lastSeen"] : LIVE_HOST_FIELDS;
  const { hosts } = await _get(app, "/api/v1/hosts");
  expect(hosts.map((h: { id: string }) => h.id)).toEqual(was.hosts.hosts.map((h: { id: string }) => h.id));
  for (const [i, host] of was.hosts.hosts.entries())
    expect(hosts[i]).toMatchObject(_without(host, notCompared));
  expect(hosts.filter((h: { revokedAt?: string }) => h.revokedAt)).toHaveLength(1);
  await _expectSameReports(app, was);

  expect(await _get(app, "/api/v1/jobs?limit=1000")).toMatchObject(was.jobs);
  for (const [id, detail] of Object.entries(was.jobDetails))
    expect(await _get(app, `/api/v1/jobs/${id}`)).toMatchObject(detail as object);
  const withOutput = Object.values(was.jobDetails).filter((d) => (d as Answers).output.length > 0);
  expect(withOutput).toHaveLength(1);

  // A token's state is derived from the clock: one left unused has expired by now, maybe.
  const { tokens } = await _get(app, "/api/v1/enroll-tokens");
  const expected = was.enrollTokens.tokens.map((t: Answers) =>
    t.state === "unused" && Date.parse(t.expiresAt) <= Date.now() ? { ...t, state: "expired" } : t,
  );
  expect(tokens).toMatchObject(expected);
  expect(tokens.map((t: Answers) => t.state)).toEqual(expect.arrayContaining(["used", "revoked"]));

  expect(await _get(app, "/api/v1/rollouts")).toMatchObject(_rolloutsSinceDeploys(was.rollouts));
  expect(was.rollouts.rollouts).toHaveLength(1);
  expect(await _get(app, "/api/v1/alerts?all=1")).toMatchObject(was.alerts);
  expect(await _get(app, "/api/v1/audit?limit=1000")).toMatchObject(was.audit);
  expect(was.audit.entries.length).toBeGreaterThan(10);
}

/**
 * Releases with config state kept each host's report in its hosts.json record; today's fleetd
 * moves them to host-states.jsonl at open: every report, the config derived from it, and the
 * hosts' target are as that release showed them.
 */
async function _expectSameReports(app: TestApp, was: Answers) {
  if (!was.hostDetails) return;
  const list = await _get(app, "/api/v1/hosts");
  expect(list.target).toEqual(was.hosts.target);
  const reported = Object.values(was.hostDetails).filter((d) => (d as Answers).state !== null);
  expect(reported).toHaveLength(2);
  for (const [id, detail] of Object.entries(was.hostDetails) as [string, Answers][]) {
    const now = await _get(app, `/api/v1/hosts/${id}`);
    expect(now.state).toEqual(detail.state);
    expect({ config: now.host.config, system: now.host.system }).toEqual({
      config: detail.host.config,
      system: detail.host.system,
    });
  }
}

/** What is left of the reports in the hosts collection once they moved: nothing. */
function _reportsInHosts(dir: string): number {
  return readdirSync(dir)
    .filter((name) => name.startsWith("hosts."))
    .reduce((n, name) => n + readFileSync(join(dir, name), "utf8").split('"configState"').length - 1, 0);
}

for (const release of RELEASES) {
  describe(`a data dir written by ${release}`, () => {
    for (const run of ["clean", "killed"] as const) {
      test(`${run === "clean" ? "after a clean stop" : "after a SIGKILL"}: all there, and writable`, async () => {
        const dir = tempDir();
        cpSync(join(FIXTURES, release, run), dir, { recursive: true });
        const was: Answers = JSON.parse(readFileSync(join(FIXTURES, release, `${run}.api.json`), "utf8"));

        const first = await startTestApp(NO_SWEEPS, dir);
        let newHostId: string;
        let newJobId: string;
        try {
          await _expectSameAnswers(first, was, run === "killed");
          // Writes after the upgrade: a new enrollment and a job for a host of the old release.
          const token = await first.call("POST", "/api/v1/enroll-tokens", {
            token: first.adminToken,
            json: {},
          });
          expect(token.status).toBe(201);
          const enrolled = await first.call("POST", "/api/v1/enroll", {
            json: { token: token.body.token, name: "new-1" },
          });
          expect(enrolled.status).toBe(201);
          newHostId = enrolled.body.hostId;
          const oldHost = was.hosts.hosts.find((h: Answers) => h.name === "web-1");
          const job = await first.call("POST", `/api/v1/hosts/${oldHost.id}/jobs`, {
            token: first.adminToken,
            json: { op: "pull" },
          });
          expect(job.status).toBe(201);
          newJobId = job.body.job.id;
        } finally {
          await first.close();
        }

        expect(_reportsInHosts(dir)).toBe(0);
        const second = await startTestApp(NO_SWEEPS, dir);
        try {
          await _expectSameReports(second, was);
          const { hosts } = await _get(second, "/api/v1/hosts");
          expect(hosts.map((h: Answers) => h.name).sort()).toEqual(["db-1", "new-1", "old-1", "web-1"]);
          expect(hosts.find((h: Answers) => h.name === "new-1").id).toBe(newHostId);
          const { job } = await _get(second, `/api/v1/jobs/${newJobId}`);
          expect(job).toMatchObject({ op: "pull", state: "queued" });
          const { jobs } = await _get(second, "/api/v1/jobs?limit=1000");
          expect(jobs).toHaveLength(was.jobs.jobs.length + 1);
          const { entries } = await _get(second, "/api/v1/audit?limit=1000");
          expect(entries.length).toBe(was.audit.entries.length + 3);
        } finally {
          await second.close();
        }
      });
    }
  });
}
