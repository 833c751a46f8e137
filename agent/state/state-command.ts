// The active generation on a host that has no Nix profile to read (generic Linux): the operator's
// `system.stateCommand` says it. Its stdout is
//   line 1: the generation number (decimal digits, at most 1000000)
//   line 2: optionally, an absolute path naming what is active (a store path, a release dir)
// and nothing else (blank lines aside). Anything else, a non-zero exit or running past the
// timeout reads as "not known" (null), with the reason logged: never a guessed generation.
import type { SystemState } from "../../protocol/config-state.ts";
import { type CaptureLimits, capture } from "./capture.ts";

/** How long a stateCommand may take: it is meant to print two lines, not to build anything. */
export const STATE_COMMAND_TIMEOUT_SECONDS = 30;

const MAX_GENERATION = 1_000_000;
const MAX_PATH = 1_000;

export async function runStateCommand(
  argv: string[],
  limits: CaptureLimits,
  log: (reason: string) => void,
): Promise<SystemState | null> {
  const out = await capture(argv, limits);
  if (!out.ok) {
    log(`system.stateCommand: ${out.reason}`);
    return null;
  }
  const parsed = parseStateOutput(out.stdout);
  if ("error" in parsed) {
    log(`system.stateCommand: ${parsed.error}`);
    return null;
  }
  return { ...parsed, needsReboot: null };
}

export function parseStateOutput(
  stdout: string,
): { generation: number; path: string | null } | { error: string } {
  const lines = stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const [first, second, ...rest] = lines;
  if (first === undefined) return { error: "printed nothing (expected a generation number)" };
  if (!/^\d{1,7}$/.test(first) || Number(first) > MAX_GENERATION) {
    return { error: `line 1 is not a generation number up to ${MAX_GENERATION}: ${_quote(first)}` };
  }
  if (second !== undefined && (!second.startsWith("/") || second.length > MAX_PATH)) {
    return { error: `line 2 is not an absolute path of at most ${MAX_PATH} characters: ${_quote(second)}` };
  }
  if (rest.length > 0) return { error: `printed ${lines.length} lines (expected at most 2)` };
  return { generation: Number(first), path: second ?? null };
}

function _quote(line: string): string {
  return JSON.stringify(line.length > 80 ? `${line.slice(0, 80)}…` : line);
}
