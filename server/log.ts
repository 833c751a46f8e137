// fleetd's log: one "[fleetd] ℹ message" line per event, the layout consola's own reporter gives,
// without its layout work (string widths, locale timestamps, boxes). That cost ~0.1 ms a line, and
// 10,000 hosts enrolling or saying hello make 20,000 lines: seconds of fleetd's CPU (bench/).
import { formatWithOptions } from "node:util";
import { type ConsolaInstance, createConsola, LogLevels } from "consola";

const ICONS: Record<string, string> = {
  info: "ℹ",
  box: "ℹ",
  success: "✔",
  ready: "✔",
  start: "◐",
  warn: "⚠",
  error: "✖",
  fail: "✖",
  debug: "⚙",
  trace: "→",
};

export function createServerLog(): ConsolaInstance {
  return createConsola({
    // Explicit: consola goes quiet under NODE_ENV=test or CI, which would hide where the admin token is.
    level: LogLevels.info,
    reporters: [
      {
        log: (event) => {
          const text = formatWithOptions({ colors: false }, ...event.args);
          const prefix = ICONS[event.type] ? `[fleetd] ${ICONS[event.type]} ` : "[fleetd] ";
          // Warnings and errors to stderr, the rest to stdout, as consola does.
          const stream = event.level <= LogLevels.warn ? process.stderr : process.stdout;
          stream.write(`${prefix}${text}\n`);
        },
      },
    ],
  });
}
