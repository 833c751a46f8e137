// fleetctl's typed errors: every failure the operator sees is a CliError or fleetd's ApiError
// (in fleetctl's words, cli/api.ts), with a message that says what to do next; the command
// wrapper prints it and sets the exit code.
import { ApiError } from "../protocol/errors.ts";

/** A failure fleetctl explains itself (bad input, unknown host, job not succeeded). */
export class CliError extends Error {
  override name = "CliError";
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export const TOKEN_HINT = "set FLEET_TOKEN (the admin token is in <data>/admin-token on the fleetd machine)";

/** A failure whose message is written for the operator: printed as it is, without a stack. */
export const isExplained = (err: unknown): err is CliError | ApiError =>
  err instanceof CliError || err instanceof ApiError;

/** The exit code a failure ends fleetctl with. */
export const exitCodeOf = (err: unknown): number => (err instanceof CliError ? err.exitCode : 1);

/** The operator-facing text for anything thrown out of a command. */
export function errorMessage(err: unknown): string {
  if (isExplained(err)) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
