// Asking before something that cannot be undone. Only a person at a terminal can answer; a
// script or a pipe must say --yes, so nothing destructive ever happens because stdin was empty.
import { createInterface } from "node:readline/promises";
import { CliError } from "./errors.ts";

export interface ConfirmIo {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream;
}

/** Resolves when the operator answered yes; throws a CliError otherwise. */
export async function confirmOrRefuse(
  question: string,
  opts: { yes: boolean; what: string },
  io: ConfirmIo = { input: process.stdin, output: process.stderr },
): Promise<void> {
  if (opts.yes) return;
  if (!io.input.isTTY) {
    throw new CliError(`refusing to ${opts.what} without confirmation: stdin is not a terminal; pass --yes`);
  }
  const rl = createInterface({ input: io.input, output: io.output });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError(`did not ${opts.what}`);
  } finally {
    rl.close();
  }
}
