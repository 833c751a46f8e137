// fleet-agent's entry wrapper: citty's runMain, but errors are printed as one clear line
// (the stack only with FLEET_DEBUG=1) and the exit code is non-zero.
import { type ArgsDef, type CommandDef, runCommand, runMain } from "citty";
import { failCommand } from "./command-failure.ts";

export async function runCli(main: CommandDef<ArgsDef>, version: string): Promise<void> {
  const rawArgs = process.argv.slice(2);
  if (rawArgs.length === 1 && (rawArgs[0] === "--version" || rawArgs[0] === "-v")) {
    console.log(version);
    return;
  }
  // Help and usage errors are what runMain does well.
  if (rawArgs.length === 0 || rawArgs.some((a) => a === "--help" || a === "-h")) return runMain(main);
  try {
    await runCommand(main, { rawArgs });
  } catch (err) {
    if ((err as { name?: string }).name === "CLIError") return runMain(main);
    failCommand(err);
  }
}
