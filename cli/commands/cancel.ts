// `fleetctl cancel <job>`: stop a queued job, or ask the host's agent to stop a running one.
import { isTerminal } from "../../protocol/index.ts";
import { defineFleetCommand } from "../command.ts";
import { clientFromArgs, connectionArgs, jsonArg } from "../config.ts";
import { paintState } from "../format/jobs.ts";
import { printJson, printText } from "../output.ts";

export default defineFleetCommand({
  meta: { name: "cancel", description: "Cancel a job (queued ones at once, running ones via the agent)" },
  args: {
    id: { type: "positional", description: "job id", required: true },
    ...jsonArg,
    ...connectionArgs,
  },
  examples: ["fleetctl cancel j_abc123"],
  async run({ args }) {
    const res = await clientFromArgs(args).call("cancelJob", { params: { id: args.id } });
    if (args.json) return printJson(res);
    const { job } = res;
    const pending = job.cancelRequested && !isTerminal(job.state);
    printText(
      `job ${job.id}: ${paintState(job.state)}${pending ? " (cancel requested; the agent stops it on its next poll)" : ""}`,
    );
  },
});
