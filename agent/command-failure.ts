// How a failed command ends: one clear line (the stack only with FLEET_DEBUG=1), exit code 2.
import { log } from "./log.ts";

export function failCommand(err: unknown): void {
  log.error(err instanceof Error ? err.message : String(err));
  if (process.env.FLEET_DEBUG && err instanceof Error) console.error(err.stack);
  process.exitCode = process.exitCode || 2;
}
