// Job output is whatever a host's commands printed, so it is untrusted text by the time it
// reaches an operator's terminal: ESC and BEL sequences in it could set the clipboard (OSC 52),
// retitle the window or rewrite what is on screen. fleetctl shows such characters escaped,
// visibly (`\x1b`), on a terminal and in a pipe alike (a pipe often ends in `less -R` or a
// terminal via tee); `--json` carries the exact text for anyone who needs the bytes.

/**
 * C0 controls but tab and newline, DEL, C1 controls (0x9b starts a sequence on some
 * terminals by itself), and the bidi overrides that make text display in another order.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function escapeControls(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
  });
}
