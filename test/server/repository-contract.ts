// One contract for every repository (server/repository/types.ts): each intent's every outcome,
// that a refusal changes nothing, and the races two replicas can start at once, each asked twice
// concurrently. An implementation runs it by handing repositoryContract a way to open a fresh one.
import { describe, expect, test } from "bun:test";
import type { OutputLine } from "../../protocol/jobs.ts";
import type { Repository } from "../../server/repository/types.ts";
import type { EnrollTokenRecord } from "../../server/store/records/enroll-token.ts";
import { type HostRecord, newHostRecord } from "../../server/store/records/host.ts";
import type { JobRecord } from "../../server/store/records/job.ts";
import type { RolloutRecord } from "../../server/store/records/rollout.ts";

export interface RepositoryUnderTest {
  repo: Repository;
  /** Stores records as given, past the intents: the state a test starts from. */
  seed: {
    token(token: EnrollTokenRecord): Promise<void>;
    host(host: HostRecord): Promise<void>;
    job(job: JobRecord): Promise<void>;
    rollout(rollout: RolloutRecord): Promise<void>;
  };
  /** What is stored now. */
  read: {
    token(tokenHash: string): Readonly<EnrollTokenRecord> | undefined;
    hosts(): readonly Readonly<HostRecord>[];
    job(id: string): Readonly<JobRecord> | undefined;
    output(jobId: string): OutputLine[];
    rollouts(): readonly Readonly<RolloutRecord>[];
  };
  close(): Promise<void>;
}

export const NOW = new Date("2026-03-04T05:06:07.000Z");
const _at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
const HOUR = 3600_000;

export const token = (n: number, extra: Partial<EnrollTokenRecord> = {}): EnrollTokenRecord => ({
  tokenHash: n.toString(16).padStart(64, "0"),
  createdAt: _at(-HOUR),
  expiresAt: _at(HOUR),
  ...extra,
});

export const host = (id: string, name = id): HostRecord =>
  newHostRecord(id, name, "e".repeat(64), NOW.toISOString());

export const job = (id: string, extra: Partial<JobRecord> = {}): JobRecord =>
  ({
    id,
    hostId: "h_one",
    op: "pull",
    args: {},
    state: "queued",
    createdAt: _at(-HOUR),
    expiresAt: _at(HOUR),
    nextSeq: 0,
    outputBytes: 0,
    outputTruncated: false,
    ...extra,
  }) as JobRecord;

export const rollout = (id: string, state: RolloutRecord["state"] = "running"): RolloutRecord => ({
  id,
  state,
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
  createdAt: NOW.toISOString(),
  createdBy: "admin",
});

const _line = (seq: number): OutputLine => ({
  seq,
  ts: NOW.toISOString(),
  stream: "stdout",
  data: `line ${seq}`,
});

export function repositoryContract(name: string, open: () => Promise<RepositoryUnderTest>): void {
  const withRepo = (body: (r: RepositoryUnderTest) => Promise<void>) => async () => {
    const r = await open();
    try {
      await body(r);
    } finally {
      await r.close();
    }
  };

  describe(`the ${name} repository: enroll`, () => {
    const enroll = (r: RepositoryUnderTest, n: number, id: string, at = NOW) =>
      r.repo.enroll({ tokenHash: token(n).tokenHash, host: host(id, `${id}-name`), at });

    test(
      "uses the token and creates the host in one step",
      withRepo(async (r) => {
        await r.seed.token(token(1));
        expect(await enroll(r, 1, "h_new")).toEqual({ kind: "enrolled", host: host("h_new", "h_new-name") });
        expect(r.read.token(token(1).tokenHash)).toMatchObject({
          usedAt: NOW.toISOString(),
          usedByHostId: "h_new",
        });
        expect(r.read.hosts().map((h) => h.id)).toEqual(["h_new"]);
      }),
    );

    test(
      "refuses an unknown, used, revoked or expired token, and creates no host",
      withRepo(async (r) => {
        await r.seed.token(token(2, { usedAt: NOW.toISOString(), usedByHostId: "h_old" }));
        await r.seed.token(token(3, { revokedAt: NOW.toISOString() }));
        await r.seed.token(token(4, { expiresAt: NOW.toISOString() }));
        const kinds = [];
        for (const n of [1, 2, 3, 4]) kinds.push((await enroll(r, n, `h_${n}`)).kind);
        expect(kinds).toEqual(["token_unknown", "token_used", "token_revoked", "token_expired"]);
        expect(r.read.hosts()).toEqual([]);
        expect(r.read.token(token(4).tokenHash)).toEqual(token(4, { expiresAt: NOW.toISOString() }));
      }),
    );

    test(
      "a taken name is refused with the host that has it, and the token stays unused",
      withRepo(async (r) => {
        await r.seed.token(token(1));
        await r.seed.host(host("h_old", "web"));
        const outcome = await r.repo.enroll({
          tokenHash: token(1).tokenHash,
          host: host("h_new", "web"),
          at: NOW,
        });
        expect(outcome).toEqual({ kind: "name_taken", hostId: "h_old" });
        expect(r.read.token(token(1).tokenHash)).toEqual(token(1));
        expect(r.read.hosts().map((h) => h.id)).toEqual(["h_old"]);
      }),
    );

    test(
      "a host id already taken is answered as such, and the token stays unused",
      withRepo(async (r) => {
        await r.seed.token(token(1));
        await r.seed.host(host("h_old", "web"));
        const outcome = await r.repo.enroll({
          tokenHash: token(1).tokenHash,
          host: host("h_old", "db"),
          at: NOW,
        });
        expect(outcome).toEqual({ kind: "host_id_taken" });
        expect(r.read.token(token(1).tokenHash)).toEqual(token(1));
      }),
    );

    test(
      "two enrolls with one token at once: exactly one host is enrolled",
      withRepo(async (r) => {
        await r.seed.token(token(1));
        const outcomes = await Promise.all([enroll(r, 1, "h_a"), enroll(r, 1, "h_b")]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(["enrolled", "token_used"]);
        expect(r.read.hosts()).toHaveLength(1);
      }),
    );

    test(
      "revoking: only an unused token; a revoke and an enroll at once, exactly one wins",
      withRepo(async (r) => {
        await r.seed.token(token(1));
        await r.seed.token(token(2, { usedAt: NOW.toISOString(), usedByHostId: "h_old" }));
        expect(await r.repo.revokeEnrollToken(token(9).tokenHash, NOW)).toEqual({ kind: "unknown" });
        expect(await r.repo.revokeEnrollToken(token(2).tokenHash, NOW)).toMatchObject({ kind: "not_unused" });
        const revoked = await r.repo.revokeEnrollToken(token(1).tokenHash, NOW);
        expect(revoked).toEqual({ kind: "revoked", token: token(1, { revokedAt: NOW.toISOString() }) });

        await r.seed.token(token(3));
        const [use, revoke] = await Promise.all([
          enroll(r, 3, "h_c"),
          r.repo.revokeEnrollToken(token(3).tokenHash, NOW),
        ]);
        expect([use.kind === "enrolled", revoke.kind === "revoked"].filter(Boolean)).toHaveLength(1);
      }),
    );
  });

  describe(`the ${name} repository: jobs`, () => {
    test(
      "a claim dispatches the host's oldest unexpired queued job",
      withRepo(async (r) => {
        await r.seed.job(job("j_expired", { createdAt: _at(-3 * HOUR), expiresAt: _at(-1) }));
        await r.seed.job(job("j_older", { createdAt: _at(-2 * HOUR) }));
        await r.seed.job(job("j_newer"));
        await r.seed.job(job("j_other_host", { hostId: "h_two", createdAt: _at(-4 * HOUR) }));
        const claim = await r.repo.claimNextJob("h_one", NOW);
        expect(claim).toMatchObject({ kind: "claimed", job: { id: "j_older", state: "dispatched" } });
        expect(r.read.job("j_older")).toMatchObject({ state: "dispatched", dispatchedAt: NOW.toISOString() });
      }),
    );

    test(
      "nothing is claimed while a job is in flight, nor when nothing is queued",
      withRepo(async (r) => {
        expect(await r.repo.claimNextJob("h_one", NOW)).toEqual({ kind: "nothing_queued" });
        await r.seed.job(job("j_running", { state: "running", startedAt: NOW.toISOString() }));
        await r.seed.job(job("j_waiting"));
        expect(await r.repo.claimNextJob("h_one", NOW)).toMatchObject({
          kind: "busy",
          inFlight: { id: "j_running" },
        });
        expect(r.read.job("j_waiting")?.state).toBe("queued");
      }),
    );

    test(
      "two claims for one host at once: at most one job is dispatched",
      withRepo(async (r) => {
        await r.seed.job(job("j_1", { createdAt: _at(-2 * HOUR) }));
        await r.seed.job(job("j_2"));
        const claims = await Promise.all([
          r.repo.claimNextJob("h_one", NOW),
          r.repo.claimNextJob("h_one", NOW),
        ]);
        expect(claims.map((c) => c.kind).sort()).toEqual(["busy", "claimed"]);
        expect([r.read.job("j_1")?.state, r.read.job("j_2")?.state]).toEqual(["dispatched", "queued"]);
      }),
    );

    test(
      "a dispatched job goes back to the queue only if it is still the same dispatch",
      withRepo(async (r) => {
        await r.seed.job(job("j_1"));
        const claim = await r.repo.claimNextJob("h_one", NOW);
        if (claim.kind !== "claimed") throw new Error(`not claimed: ${claim.kind}`);
        const stale = { ...claim.job, dispatchedAt: _at(-1) };
        expect(await r.repo.requeueDispatched(stale)).toMatchObject({
          kind: "moved_on",
          job: { state: "dispatched" },
        });
        const back = await r.repo.requeueDispatched(claim.job);
        expect(back).toMatchObject({ kind: "requeued", job: { state: "queued" } });
        expect(r.read.job("j_1")?.dispatchedAt).toBeUndefined();
        expect(await r.repo.requeueDispatched(claim.job)).toMatchObject({ kind: "moved_on" });
        expect(await r.repo.requeueDispatched(job("j_none", { state: "dispatched" }))).toEqual({
          kind: "moved_on",
          job: undefined,
        });
      }),
    );

    test(
      "finishing: once; a second ending answers the first; an unknown job is unknown",
      withRepo(async (r) => {
        await r.seed.job(job("j_1", { state: "running", startedAt: NOW.toISOString() }));
        const [first, second] = await Promise.all([
          r.repo.finishJob("j_1", { state: "succeeded", exitCode: 0 }, NOW),
          r.repo.finishJob("j_1", { state: "lost", reason: "host was deleted" }, NOW),
        ]);
        const ended = { state: "succeeded", exitCode: 0, finishedAt: NOW.toISOString() };
        expect(first).toMatchObject({ kind: "finished", job: ended });
        expect(second).toMatchObject({ kind: "already_ended", job: ended });
        expect(r.read.job("j_1")).toMatchObject(ended);
        expect(await r.repo.finishJob("j_none", { state: "failed" }, NOW)).toEqual({ kind: "unknown" });
      }),
    );

    test(
      "cancelling: a queued job ends, an in-flight one is flagged once, an ended one stays",
      withRepo(async (r) => {
        await r.seed.job(job("j_queued"));
        await r.seed.job(job("j_running", { state: "running", startedAt: NOW.toISOString() }));
        await r.seed.job(job("j_done", { state: "failed", finishedAt: NOW.toISOString() }));
        expect(await r.repo.cancelJob("j_queued", "by test", NOW)).toMatchObject({
          kind: "cancelled",
          job: { state: "cancelled", reason: "by test", finishedAt: NOW.toISOString() },
        });
        const flag = () => r.repo.cancelJob("j_running", "by test", NOW);
        const [a, b] = await Promise.all([flag(), flag()]);
        expect([a.kind, b.kind].sort()).toEqual(["already_requested", "cancel_requested"]);
        expect(r.read.job("j_running")).toMatchObject({ state: "running", cancelRequested: true });
        expect(await r.repo.cancelJob("j_done", "by test", NOW)).toMatchObject({
          kind: "already_ended",
          job: { state: "failed" },
        });
        expect(await r.repo.cancelJob("j_none", "by test", NOW)).toEqual({ kind: "unknown" });
      }),
    );
  });

  describe(`the ${name} repository: output`, () => {
    const append = (expectedSeq: number, seqs: number[], extra: { started?: boolean } = {}) => ({
      expectedSeq,
      lines: seqs.map(_line),
      nextSeq: (seqs.at(-1) ?? expectedSeq - 1) + 1,
      outputBytes: seqs.length * 10,
      outputTruncated: false,
      started: extra.started ?? false,
      at: NOW,
    });

    test(
      "appends at the expected seq, moves the counters, and a start makes the job running",
      withRepo(async (r) => {
        await r.seed.job(job("j_1", { state: "dispatched", dispatchedAt: NOW.toISOString() }));
        const outcome = await r.repo.appendOutput("j_1", append(0, [0, 1], { started: true }));
        expect(outcome).toMatchObject({
          kind: "appended",
          before: { state: "dispatched", nextSeq: 0 },
          job: { state: "running", startedAt: NOW.toISOString(), nextSeq: 2, outputBytes: 20 },
        });
        expect(r.read.output("j_1").map((l) => l.seq)).toEqual([0, 1]);
        expect(r.read.job("j_1")).toMatchObject({ nextSeq: 2, state: "running" });
      }),
    );

    test(
      "a stale seq, an ended job and an unknown one append nothing",
      withRepo(async (r) => {
        await r.seed.job(job("j_1", { state: "running", nextSeq: 3 }));
        await r.seed.job(job("j_done", { state: "succeeded", finishedAt: NOW.toISOString(), nextSeq: 1 }));
        expect(await r.repo.appendOutput("j_1", append(1, [1, 2]))).toMatchObject({
          kind: "seq_moved",
          job: { nextSeq: 3 },
        });
        expect(await r.repo.appendOutput("j_done", append(1, [1]))).toMatchObject({ kind: "ended" });
        expect(await r.repo.appendOutput("j_none", append(0, [0]))).toEqual({ kind: "unknown" });
        expect([r.read.output("j_1"), r.read.output("j_done")]).toEqual([[], []]);
      }),
    );

    test(
      "two appends at one seq at once: one lands, the other hears the seq moved",
      withRepo(async (r) => {
        await r.seed.job(job("j_1", { state: "running" }));
        const outcomes = await Promise.all([
          r.repo.appendOutput("j_1", append(0, [0, 1])),
          r.repo.appendOutput("j_1", append(0, [0, 1])),
        ]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(["appended", "seq_moved"]);
        expect(r.read.output("j_1").map((l) => l.seq)).toEqual([0, 1]);
        expect(r.read.job("j_1")?.nextSeq).toBe(2);
      }),
    );
  });

  describe(`the ${name} repository: rollouts`, () => {
    test(
      "starts a rollout unless one is running or paused, and names the active one",
      withRepo(async (r) => {
        await r.seed.rollout(rollout("r_done", "completed"));
        expect(await r.repo.startRollout(rollout("r_1"))).toEqual({
          kind: "started",
          rollout: rollout("r_1"),
        });
        expect(await r.repo.startRollout(rollout("r_2"))).toMatchObject({
          kind: "already_active",
          active: { id: "r_1", state: "running" },
        });
        expect(r.read.rollouts().map((x) => x.id)).toEqual(["r_done", "r_1"]);
      }),
    );

    test(
      "a paused rollout is active too",
      withRepo(async (r) => {
        await r.seed.rollout(rollout("r_paused", "paused"));
        expect(await r.repo.startRollout(rollout("r_2"))).toMatchObject({
          kind: "already_active",
          active: { id: "r_paused", state: "paused" },
        });
      }),
    );

    test(
      "an update lands only on the record it was decided from",
      withRepo(async (r) => {
        const started = await r.repo.startRollout(rollout("r_1"));
        if (started.kind !== "started") throw new Error(`not started: ${started.kind}`);
        const paused = { ...started.rollout, state: "paused" as const };
        const first = await r.repo.updateRollout(started.rollout, paused);
        expect(first).toMatchObject({ kind: "updated", rollout: { state: "paused" } });
        const stale = await r.repo.updateRollout(started.rollout, { ...started.rollout, state: "cancelled" });
        expect(stale).toMatchObject({ kind: "changed_meanwhile", current: { state: "paused" } });
        if (first.kind !== "updated") return;
        const resumed = await r.repo.updateRollout(first.rollout, { ...first.rollout, state: "running" });
        expect(resumed).toMatchObject({ kind: "updated", rollout: { state: "running" } });
        expect(r.read.rollouts().map((x) => x.state)).toEqual(["running"]);
      }),
    );

    test(
      "two updates from one record at once: one lands, the other hears it changed",
      withRepo(async (r) => {
        const started = await r.repo.startRollout(rollout("r_1"));
        if (started.kind !== "started") throw new Error(`not started: ${started.kind}`);
        const outcomes = await Promise.all([
          r.repo.updateRollout(started.rollout, { ...started.rollout, state: "paused" }),
          r.repo.updateRollout(started.rollout, { ...started.rollout, state: "cancelled" }),
        ]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(["changed_meanwhile", "updated"]);
        const landed = outcomes.flatMap((o) => (o.kind === "updated" ? [o.rollout.state] : []));
        expect(r.read.rollouts().map((x) => x.state)).toEqual(landed);
      }),
    );

    test(
      "two starts at once: one starts",
      withRepo(async (r) => {
        const outcomes = await Promise.all([
          r.repo.startRollout(rollout("r_a")),
          r.repo.startRollout(rollout("r_b")),
        ]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(["already_active", "started"]);
        expect(r.read.rollouts()).toHaveLength(1);
      }),
    );
  });
}
