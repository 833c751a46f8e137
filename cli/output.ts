// Where fleetctl writes: results (tables, JSON, tokens) go to stdout, everything else
// (progress notes, warnings, errors) to stderr, so `--json | jq` and pipes stay clean.
import { createConsola, LogLevels } from "consola";

// An explicit level: consola would drop info under NODE_ENV=test, hiding e.g. how a followed job ended.
export const logger = createConsola({
  level: process.env.FLEET_DEBUG ? LogLevels.debug : LogLevels.info,
  stdout: process.stderr,
  stderr: process.stderr,
});

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printText(text: string): void {
  if (text) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

export const stdoutIsTty = (): boolean => process.stdout.isTTY === true;

/** Colour only for a human at a terminal; NO_COLOR (no-color.org) always wins. */
const _useColor = (): boolean =>
  !process.env.NO_COLOR && (process.env.FORCE_COLOR ? process.env.FORCE_COLOR !== "0" : stdoutIsTty());

const _paint =
  (open: number, close = 39) =>
  (text: string): string =>
    _useColor() ? `\u001b[${open}m${text}\u001b[${close}m` : text;

export const paint = {
  green: _paint(32),
  red: _paint(31),
  yellow: _paint(33),
  gray: _paint(90),
  bold: _paint(1, 22),
};
