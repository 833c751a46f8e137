// Per-op argument schemas and outcomes: each op takes exactly its own args (refused with the
// wording fleetctl and fleetd share), an absent `args` is `{}`, and an outcome names its op.
import { describe, expect, test } from "bun:test";
import {
  CreateJobRequest,
  Job,
  JobOutcome,
  JobResult,
  jobArgsProblem,
  OP_ARGS,
  Operation,
  outcomeProblem,
  RunCommand,
  runCommandFor,
} from "../../protocol/index.ts";

const SHA = "c".repeat(64);
const UPDATE = { version: "2.0.0", sha256: SHA };
const messages = (r: { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } }) =>
  r.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`) ?? [];

describe("each op's args", () => {
  for (const op of ["pull", "switch", "test", "restart"] as const) {
    test(`${op} takes none: absent and {} mean {}, any key is refused naming the op`, () => {
      expect(CreateJobRequest.parse({ op })).toEqual({ op, args: {} });
      expect(CreateJobRequest.parse({ op, args: {} })).toEqual({ op, args: {} });
      const refused = CreateJobRequest.safeParse({ op, args: { suite: "smoke" } });
      expect(messages(refused)).toEqual([
        `args: unknown argument "suite" for ${op} (${op} takes no arguments)`,
      ]);
      expect(jobArgsProblem(op, { suite: "smoke" })).toBe(
        `unknown argument "suite" for ${op} (${op} takes no arguments)`,
      );
    });
  }

  test("update takes UpdateJobArgs: version and sha256 required, allowDowngrade defaults to false", () => {
    expect(CreateJobRequest.parse({ op: "update", args: UPDATE, ttlSeconds: 60 })).toEqual({
      op: "update",
      args: { ...UPDATE, allowDowngrade: false },
      ttlSeconds: 60,
    });
    expect(messages(CreateJobRequest.safeParse({ op: "update" }))).toEqual([
      "args: Invalid input: expected object, received undefined",
    ]);
    expect(messages(CreateJobRequest.safeParse({ op: "update", args: { version: "2.0.0" } }))).toEqual([
      "args.sha256: Invalid input: expected string, received undefined",
    ]);
    expect(
      messages(CreateJobRequest.safeParse({ op: "update", args: { ...UPDATE, timeoutSeconds: "9" } })),
    ).toEqual(["args.timeoutSeconds: Invalid input: expected number, received string"]);
  });

  test("update refuses keys it does not read, with the same message as fleetctl", () => {
    const expected =
      'unknown arguments "force", "rev" for update (update takes: version, sha256, allowDowngrade, timeoutSeconds)';
    expect(
      messages(CreateJobRequest.safeParse({ op: "update", args: { ...UPDATE, force: 1, rev: "x" } })),
    ).toEqual([`args: ${expected}`]);
    expect(jobArgsProblem("update", { force: 1, rev: "x" })).toBe(expected);
    expect(jobArgsProblem("update", { version: "1" })).toBeNull();
  });

  test("an unknown op is refused", () => {
    expect(CreateJobRequest.safeParse({ op: "deploy" }).success).toBe(false);
    expect(Object.keys(OP_ARGS).sort()).toEqual([...Operation.options].sort());
  });
});

describe("jobs and commands carry args typed by op", () => {
  const fields = {
    id: "j_1",
    hostId: "h_1",
    state: "queued",
    createdAt: "2026-01-01T00:00:00.000Z",
    expiresAt: "2026-01-01T01:00:00.000Z",
  };

  test("a stored job without args reads as {} for an op that takes none; an update job needs its args", () => {
    const pull = Job.parse({ ...fields, op: "pull" });
    expect(pull.op === "pull" && pull.args).toEqual({});
    const update = Job.parse({ ...fields, op: "update", args: UPDATE });
    // Narrowing on op is all it takes to read the args: no cast.
    expect(update.op === "update" ? update.args.version : null).toBe("2.0.0");
    expect(Job.safeParse({ ...fields, op: "update" }).success).toBe(false);
    expect(Job.safeParse({ ...fields, op: "test", args: { suite: "x" } }).success).toBe(false);
  });

  test("runCommandFor sends only op and args, and RunCommand parses them back by op", () => {
    const job = Job.parse({ ...fields, op: "update", args: UPDATE, reason: "not for the wire" });
    const command = runCommandFor(job.id, job);
    expect(command).toEqual({
      type: "run",
      jobId: "j_1",
      op: "update",
      args: { ...UPDATE, allowDowngrade: false },
    });
    expect(RunCommand.parse(JSON.parse(JSON.stringify(command)))).toEqual(command);
    expect(RunCommand.parse({ type: "run", jobId: "j_2", op: "restart" })).toEqual({
      type: "run",
      jobId: "j_2",
      op: "restart",
      args: {},
    });
    expect(RunCommand.safeParse({ type: "run", jobId: "j_2", op: "update", args: {} }).success).toBe(false);
  });
});

describe("outcomes", () => {
  test("an update's outcomes parse; one of an unknown kind does not", () => {
    const rolledBack = {
      op: "update",
      kind: "rolled_back",
      reason: "new agent exited",
      restored: true,
    } as const;
    expect(JobOutcome.parse(rolledBack)).toEqual(rolledBack);
    expect(JobResult.parse({ state: "failed", exitCode: null, outcome: rolledBack }).outcome).toEqual(
      rolledBack,
    );
    expect(JobOutcome.safeParse({ op: "update", kind: "exploded" }).success).toBe(false);
    expect(JobOutcome.safeParse({ op: "update", kind: "rolled_back", reason: "x" }).success).toBe(false);
    expect(JobResult.parse({ state: "succeeded", exitCode: 0 }).outcome).toBeUndefined();
  });

  test("an outcome fits only a job of its own op", () => {
    const updated = JobOutcome.parse({ op: "update", kind: "updated", version: "2.0.0" });
    expect(outcomeProblem("update", updated)).toBeNull();
    expect(outcomeProblem("pull", undefined)).toBeNull();
    expect(outcomeProblem("pull", updated)).toBe(
      'outcome "updated" is an outcome of update, not of this pull job',
    );
  });
});
