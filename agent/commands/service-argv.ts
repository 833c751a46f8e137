// The argv a service manager starts the agent with, recognised without citty (agent/main.ts).
/** `run`, `run --state-dir DIR`, `run --state-dir=DIR`; anything else (help, typos) goes to citty. */
export function serviceRunArgs(args: readonly string[]): { stateDir: string | undefined } | null {
  if (args[0] !== "run") return null;
  if (args.length === 1) return { stateDir: undefined };
  const value =
    args.length === 2
      ? /^--state-dir=(.+)$/.exec(args[1]!)?.[1]
      : args[1] === "--state-dir"
        ? args[2]
        : undefined;
  if (args.length > 3 || value === undefined || value.startsWith("-")) return null;
  return { stateDir: value };
}
