// The operations a job can run and the arguments each takes: one schema per op, so a job's
// `args` are typed by its `op` everywhere (fleetd, the agent's ops, fleetctl) without casts.
import { z } from "zod";
import { CommitSha } from "./config-state.ts";
import { UpdateJobArgs } from "./updates.ts";

export const Operation = z.enum(["pull", "switch", "test", "restart", "update", "deploy", "rollback"]);
export type Operation = z.infer<typeof Operation>;

/** Why `keys` are not arguments of `op`: the one wording fleetctl and fleetd both give. */
function _unknownArgsMessage(op: Operation, keys: readonly string[]): string {
  const accepted: readonly string[] = OPERATION_ARGS[op];
  const takes = accepted.length ? `${op} takes: ${accepted.join(", ")}` : `${op} takes no arguments`;
  return `unknown argument${keys.length > 1 ? "s" : ""} ${keys.map((k) => `"${k}"`).join(", ")} for ${op} (${takes})`;
}

/**
 * Strict, so an argument no operation looks at is refused instead of stored and silently ignored;
 * the refusal names what the op does take.
 */
function _argsOf<Shape extends z.core.$ZodLooseShape>(op: Operation, shape: Shape) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? _unknownArgsMessage(op, issue.keys) : undefined),
  });
}

export const PullArgs = _argsOf("pull", {});
export const SwitchArgs = _argsOf("switch", {});
export const TestArgs = _argsOf("test", {});
export const RestartArgs = _argsOf("restart", {});
/** `update`'s args: UpdateJobArgs, refusing any other key. */
export const UpdateArgs = _argsOf("update", UpdateJobArgs.shape);

/** The longest a deploy waits for a fresh agent to confirm the new system before rolling back. */
export const MAX_CONFIRM_SECONDS = 3600;

/**
 * `deploy`'s args: pull to exactly `commit`, switch, confirm, test, and roll back by itself when
 * the confirmation or (unless `rollback` is false) the tests fail. The commit is pinned by fleetd
 * when the rollout starts; the agent never deploys anything else.
 */
export const DeployArgs = _argsOf("deploy", {
  commit: CommitSha,
  /** A fresh agent process must reach fleetd and be acknowledged within this after the switch. */
  confirmSeconds: z.number().int().positive().max(MAX_CONFIRM_SECONDS).default(90),
  /** Run the host's tests after the confirmation. */
  test: z.boolean().default(true),
  /** Roll back when the tests fail (a missing confirmation always rolls back). */
  rollback: z.boolean().default(true),
});
export const RollbackArgs = _argsOf("rollback", {});

/** Each op's argument schema. An absent `args` means `{}`, which only an op without arguments takes. */
export const OP_ARGS = {
  pull: PullArgs,
  switch: SwitchArgs,
  test: TestArgs,
  restart: RestartArgs,
  update: UpdateArgs,
  deploy: DeployArgs,
  rollback: RollbackArgs,
} as const satisfies Record<Operation, z.ZodType>;

/** The args of `op`, as the agent's op receives them. */
export type ArgsOf<Op extends Operation> = z.output<(typeof OP_ARGS)[Op]>;

/** The args each operation reads, by name (fleetctl lists them in `run --help`). */
export const OPERATION_ARGS = {
  pull: [],
  switch: [],
  test: [],
  restart: [],
  update: Object.keys(UpdateJobArgs.shape) as (keyof UpdateJobArgs)[],
  deploy: Object.keys(DeployArgs.shape) as (keyof z.input<typeof DeployArgs>)[],
  rollback: [],
} as const satisfies Record<Operation, readonly string[]>;

/** Why `args` do not fit `op` by name, or null when they do (fleetctl checks before sending). */
export function jobArgsProblem(op: Operation, args: Readonly<Record<string, unknown>>): string | null {
  const accepted: readonly string[] = OPERATION_ARGS[op];
  const unknown = Object.keys(args).filter((key) => !accepted.includes(key));
  return unknown.length ? _unknownArgsMessage(op, unknown) : null;
}

/** An op without arguments: `args` may be left out and means `{}`. */
const _noArgsSpec = <Op extends Operation>(op: Op, args: typeof PullArgs) =>
  z.object({ op: z.literal(op), args: args.default({}) });

/**
 * What a job does: its op and that op's args, a union on `op`. Narrowing on `job.op` types
 * `job.args`.
 */
export const JobSpec = z.discriminatedUnion("op", [
  _noArgsSpec("pull", PullArgs),
  _noArgsSpec("switch", SwitchArgs),
  _noArgsSpec("test", TestArgs),
  _noArgsSpec("restart", RestartArgs),
  z.object({ op: z.literal("update"), args: UpdateArgs }),
  z.object({ op: z.literal("deploy"), args: DeployArgs }),
  _noArgsSpec("rollback", RollbackArgs),
]);
export type JobSpec = z.infer<typeof JobSpec>;
