// The repository contract on appending job output:
// every outcome, and the races two replicas can start.
import { describe, expect, test } from "bun:test";
import { job, lineAt, NOW, type OpenRepository, usingRepo } from "./fixtures.ts";

export function outputContract(name: string, open: OpenRepository): void {
  const withRepo = usingRepo(open);
  describe(`the ${name} repository: output`, () => {
    const append = (expectedSeq: number, seqs: number[], extra: { started?: boolean } = {}) => ({
      expectedSeq,
      lines: seqs.map(lineAt),
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
}
