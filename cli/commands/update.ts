// `fleetctl update --all | --tag <tag> | <host>...`: bring hosts' agents to the build fleetd serves with
// a rolling update: canary first, then batches, halting at the first failure beyond
// --max-failures (the failed host rolls itself back) and raising an alert.
import type { StartRolloutRequest } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs } from "../config.ts";
import { commonStartFields, rolloutArgs, startAndFollow } from "../rollout-start.ts";

export default defineFleetCommand({
  meta: { name: "update", description: "Rolling update of hosts' agents to the version fleetd serves" },
  args: {
    ...rolloutArgs("updated", 90),
    "allow-downgrade": { type: "boolean", description: "allow moving hosts to an older version" },
  },
  variadic: true,
  examples: [
    "fleetctl update --all --wait",
    "fleetctl update --all --canary 2 --batch 10 --max-failures 1 --wait",
    "fleetctl update web1 --wait",
    "fleetctl update --tag web --wait",
  ],
  async run({ args }) {
    const client = clientFromArgs(args);
    const request: StartRolloutRequest = {
      kind: "update",
      ...(await commonStartFields(client, args)),
      allowDowngrade: args["allow-downgrade"] === true ? true : undefined,
    };
    return startAndFollow(client, request, args);
  },
});
