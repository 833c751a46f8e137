// The repository contract on claiming, requeueing, finishing and cancelling jobs:
// every outcome, and the races two replicas can start.
import { describe, expect, test } from "bun:test";
import type { JobRecord } from "../../../server/store/records/job.ts";
import { HOUR, host, isoAt, job, NOW, type OpenRepository, usingRepo } from "./fixtures.ts";

export function jobsContract(name: string, open: OpenRepository): void {
  const withRepo = usingRepo(open);
  describe(`the ${name} repository: jobs`, () => {
    test(
      "a job is created only for a host that exists and is not revoked, under a new id",
      withRepo(async (r) => {
        await r.seed.host(host("h_one"));
        await r.seed.host({ ...host("h_two"), revokedAt: NOW.toISOString() });
        expect(await r.repo.createJob(job("j_1"))).toEqual({ kind: "created", job: job("j_1") });
        expect(await r.repo.createJob(job("j_2", { hostId: "h_none" }))).toEqual({ kind: "host_unknown" });
        expect(await r.repo.createJob(job("j_3", { hostId: "h_two" }))).toMatchObject({
          kind: "host_revoked",
          host: { id: "h_two" },
        });
        expect([r.read.job("j_2"), r.read.job("j_3")]).toEqual([undefined, undefined]);
        const [a, b] = await Promise.all([
          r.repo.createJob(job("j_4", { op: "test", args: {} } as Partial<JobRecord>)),
          r.repo.createJob(job("j_4")),
        ]);
        expect([a.kind, b.kind].sort()).toEqual(["created", "id_taken"]);
        const created = [a, b].find((o) => o.kind === "created");
        expect(r.read.job("j_4")).toEqual(created?.kind === "created" ? created.job : undefined);
      }),
    );

    test(
      "a claim dispatches the host's oldest unexpired queued job",
      withRepo(async (r) => {
        await r.seed.job(job("j_expired", { createdAt: isoAt(-3 * HOUR), expiresAt: isoAt(-1) }));
        await r.seed.job(job("j_older", { createdAt: isoAt(-2 * HOUR) }));
        await r.seed.job(job("j_newer"));
        await r.seed.job(job("j_other_host", { hostId: "h_two", createdAt: isoAt(-4 * HOUR) }));
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
        await r.seed.job(job("j_1", { createdAt: isoAt(-2 * HOUR) }));
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
        const stale = { ...claim.job, dispatchedAt: isoAt(-1) };
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
      "a job its agent does not hold: requeued if it never started, else ended; at once, once",
      withRepo(async (r) => {
        const sent = { state: "dispatched" as const, dispatchedAt: NOW.toISOString() };
        await r.seed.job(job("j_sent", sent));
        await r.seed.job(job("j_cancelled", { ...sent, hostId: "h_two", cancelRequested: true }));
        await r.seed.job(job("j_running", { state: "running", hostId: "h_three" }));
        await r.seed.job(job("j_queued", { hostId: "h_four" }));
        const reasons = { cancelled: "cancelled before it started", lost: "agent forgot it" };
        const settle = (id: string) => r.repo.settleUnheldJob(id, reasons, NOW);
        const [a, b] = await Promise.all([settle("j_sent"), settle("j_sent")]);
        expect([a.kind, b.kind].sort()).toEqual(["not_in_flight", "requeued"]);
        expect(r.read.job("j_sent")).toMatchObject({ state: "queued" });
        expect(await settle("j_cancelled")).toMatchObject({
          kind: "ended",
          job: { state: "cancelled", reason: "cancelled before it started", finishedAt: NOW.toISOString() },
        });
        expect(await settle("j_running")).toMatchObject({
          kind: "ended",
          job: { state: "lost", reason: "agent forgot it" },
        });
        expect(await settle("j_queued")).toEqual({ kind: "not_in_flight" });
        expect(await settle("j_none")).toEqual({ kind: "not_in_flight" });
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
}
