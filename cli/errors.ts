// fleetctl's typed errors: every failure the operator sees is one of these, with a message
// that says what to do next; the command wrapper prints it and sets the exit code.

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

/** fleetd answered with the error envelope, or could not be reached, or answered nonsense. */
export class ApiError extends CliError {
  override name = "ApiError";
  constructor(
    message: string,
    /** The envelope's code, or "unreachable" / "bad_response" for failures on our side of the wire. */
    readonly code: string,
    /** HTTP status, or null when there was no response. */
    readonly status: number | null,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const TOKEN_HINT = "set FLEET_TOKEN (the admin token is in <data>/admin-token on the fleetd machine)";

/** The operator-facing text for anything thrown out of a command. */
export function errorMessage(err: unknown): string {
  if (err instanceof CliError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
