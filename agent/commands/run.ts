// `fleet-agent run`: the service entry point.
import { defineCommand } from "citty";
import { runAgent } from "../loop.ts";
import { pathsFrom, stateDirArg } from "./shared.ts";

export default defineCommand({
  meta: {
    name: "run",
    description: "Run the agent (what the service manager starts). Example: fleet-agent run",
  },
  args: { ...stateDirArg },
  async run({ args }) {
    process.exitCode = await runAgent(pathsFrom(args));
  },
});
