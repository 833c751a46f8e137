// `fleet-agent runner --job ID`: internal; the detached process that runs one job.
import { defineCommand } from "citty";
import { runJob } from "../jobs/runner.ts";
import { pathsFrom, stateDirArg } from "./shared.ts";

export default defineCommand({
  meta: { name: "runner", description: "(internal) run one spooled job to completion", hidden: true },
  args: { ...stateDirArg, job: { type: "string", required: true, description: "job id" } },
  async run({ args }) {
    process.exitCode = await runJob(pathsFrom(args), args.job);
  },
});
