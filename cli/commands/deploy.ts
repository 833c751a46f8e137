// `fleetctl deploy --all | --tag <tag> | <host>... [--commit SHA]`: bring hosts' config to one commit
// (default: the config target) with a rolling deploy: canary first, then batches; each host pulls
// exactly that commit, switches, confirms, tests and rolls itself back on failure; the first
// failure beyond --max-failures halts the rollout and raises alerts. --retry-failed redeploys the
// hosts that failed in the last deploy.
import { CommitSha, type StartRolloutRequest } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs } from "../config.ts";
import { CliError } from "../errors.ts";
import { commonStartFields, countArg, rolloutArgs, startAndFollow } from "../rollout-start.ts";

function _commit(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const parsed = CommitSha.safeParse(raw);
  if (!parsed.success)
    throw new CliError(`--commit "${raw}": a commit is 40 or 64 lowercase hex digits (the full sha)`);
  return parsed.data;
}

export default defineFleetCommand({
  meta: {
    name: "deploy",
    description: "Rolling deploy of hosts' config to a commit (default: the config target)",
  },
  args: {
    ...rolloutArgs("deployed", 900),
    commit: {
      type: "string",
      valueHint: "SHA",
      description: "the full commit to deploy (default: the config target)",
    },
    soak: {
      type: "string",
      description: "seconds a deployed host must stay online and healthy (default 30)",
    },
    "confirm-seconds": {
      type: "string",
      description: "seconds a fresh agent has to confirm the switch (default 90)",
    },
    test: {
      type: "boolean",
      default: true,
      description: "run the host's tests after the switch (--no-test skips them)",
    },
    rollback: {
      type: "boolean",
      default: true,
      description:
        "roll back when the tests fail (--no-rollback keeps the switch; no confirmation always rolls back)",
    },
    "retry-failed": { type: "boolean", description: "only the hosts that failed in the last deploy" },
  },
  variadic: true,
  examples: [
    "fleetctl deploy --all --wait",
    "fleetctl deploy --tag web --canary 2 --batch 10 --soak 60 --wait",
    "fleetctl deploy web1 --commit 1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b --no-test --wait",
    "fleetctl deploy --retry-failed --wait",
  ],
  async run({ args }) {
    const commit = _commit(args.commit);
    const retryFailed = args["retry-failed"] === true;
    const client = clientFromArgs(args);
    const request: StartRolloutRequest = {
      kind: "deploy",
      ...(await commonStartFields(client, args, { selectionOptional: retryFailed })),
      commit,
      soakSeconds: countArg(args.soak, "soak", 0),
      confirmSeconds: countArg(args["confirm-seconds"], "confirm-seconds", 1),
      test: args.test === false ? false : undefined,
      rollback: args.rollback === false ? false : undefined,
      retryFailed: retryFailed || undefined,
    };
    return startAndFollow(client, request, args);
  },
});
