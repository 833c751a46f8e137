// The operations a runner can perform, by name: every op fleetd can send, `restart` included,
// so there is one way a job runs. The table is total; a new op does not compile until it is here.
import type { ArgsOf, JobResult, Operation as OpName } from "../../../protocol/index.ts";
import type { OpContext, Operation } from "./context.ts";
import { deploy } from "./deploy.ts";
import { pull } from "./pull.ts";
import { restart } from "./restart.ts";
import { rollback } from "./rollback.ts";
import { switchOp } from "./switch.ts";
import { testOp } from "./test.ts";
import { update } from "./update.ts";

type Registry = { [Op in OpName]: Operation<Op> };

export const OPERATIONS: Registry = {
  pull,
  switch: switchOp,
  test: testOp,
  restart,
  update,
  deploy,
  rollback,
};

/** Runs `op` with its args; each op gets the args its own schema types. */
export function runOperation<Op extends OpName>(
  op: Op,
  args: ArgsOf<Op>,
  ctx: Omit<OpContext, "args">,
): Promise<JobResult> {
  const run: Operation<Op> = OPERATIONS[op];
  return run({ ...ctx, args });
}
