// A tiny column formatter for fleetctl's human output: no dependency, ANSI-colour aware,
// no trailing spaces (so output diffs and greps cleanly).

export interface Column {
  header: string;
  align?: "left" | "right";
}

const ANSI_PATTERN = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

export function stripAnsi(text: string): string {
  return text.replace(ANSI_PATTERN, "");
}

/** The width a string takes on a terminal, ignoring colour escapes. */
export function visibleWidth(text: string): number {
  return stripAnsi(text).length;
}

/** Renders `rows` under `columns` with two spaces between columns. */
export function formatTable(
  columns: readonly (string | Column)[],
  rows: readonly (readonly string[])[],
): string {
  const cols: Column[] = columns.map((c) => (typeof c === "string" ? { header: c } : c));
  const lines = rows.map((row) => cols.map((_, i) => _singleLine(row[i] ?? "")));
  const widths = cols.map((col, i) =>
    Math.max(col.header.length, ...lines.map((line) => visibleWidth(line[i]!))),
  );
  const render = (line: readonly string[]) =>
    cols
      .map((col, i) => {
        const cell = line[i]!;
        const pad = " ".repeat(widths[i]! - visibleWidth(cell));
        if (col.align === "right") return pad + cell;
        return i === cols.length - 1 ? cell : cell + pad;
      })
      .join("  ")
      .trimEnd();
  return [render(cols.map((c) => c.header)), ...lines.map(render)].join("\n");
}

/** Key/value lines with the keys padded to one width, for detail views. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...fields.map(([key]) => key.length));
  return fields.map(([key, value]) => `${`${key}:`.padEnd(width + 1)} ${_singleLine(value)}`).join("\n");
}

/** A newline inside a cell would break every column below it. */
function _singleLine(text: string): string {
  return text.replace(/\r?\n/g, " ⏎ ");
}
