// `fleet-agent run`: the service entry point.
import { defineCommand } from "citty";
import { runAgent } from "../loop.ts";
import { pathsFrom, stateDirArg } from "./shared.ts";

/** The whole command; agent/main.ts calls it without citty for the argv a service manager gives. */
export async function runService(stateDir: string | undefined): Promise<void> {
  process.exitCode = await runAgent(pathsFrom({ "state-dir": stateDir }));
}

export default defineCommand({
  meta: {
    name: "run",
    description: "Run the agent (what the service manager starts). Example: fleet-agent run",
  },
  args: { ...stateDirArg },
  async run({ args }) {
    await runService(args["state-dir"]);
  },
});
