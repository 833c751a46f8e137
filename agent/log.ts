// The agent's log: one plain "[level] message" line per event on stderr, whatever the terminal.
// The journal, launchd's log file and install.sh (which reads enroll errors) all want lines,
// not a layout. Written with console.error, Bun's native console: consola, process.stderr and
// node:util load Node's stream, tty and inspection modules, ~8 MB of resident memory in an agent
// that idles at ~35 MB (bench/RESULTS.md, "Agent RSS").

export type LogLevel = "info" | "success" | "warn" | "error";

let _quiet = false;

function _write(level: LogLevel, message: string): void {
  // One argument: console.error reads format specifiers (%s, %d) only when given more.
  if (!_quiet) console.error(`[${level}] ${message}`);
}

export const log = {
  info: (message: string) => _write("info", message),
  success: (message: string) => _write("success", message),
  warn: (message: string) => _write("warn", message),
  error: (message: string) => _write("error", message),
};

/** For tests that provoke failures on purpose: no log lines until turned off again. */
export function setLogQuiet(quiet: boolean): void {
  _quiet = quiet;
}
