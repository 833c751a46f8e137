// The operations a runner can perform, by name. `restart` is not here: it is the agent
// exiting, handled by the agent itself, never by a runner.
import type { Operation as OpName } from "../../../protocol/index.ts";
import type { Operation } from "./context.ts";
import { pull } from "./pull.ts";
import { switchOp } from "./switch.ts";
import { testOp } from "./test.ts";
import { update } from "./update.ts";

export const OPERATIONS: Partial<Record<OpName, Operation>> = {
  pull,
  switch: switchOp,
  test: testOp,
  update,
};
