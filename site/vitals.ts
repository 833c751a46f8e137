// A host's vitals in its row: CPU, memory and the fullest disk of its last sample, and a small
// inline SVG of its CPU over the last hour (no library). Every number passes through esc too:
// the document is fleetd's, but the board trusts nothing it prints.
import type { BoardVitals } from "../protocol/board.ts";
import { esc } from "./dom.ts";

const SPARK_WIDTH = 24;
const SPARK_HEIGHT = 11;
/** A disk this full is shown as a warning before fleetd's disk_full (its default limit is 90 %). */
const DISK_WARN_PERCENT = 80;

export function vitalsCell(vitals: BoardVitals | null): string {
  if (!vitals) return `<span class="vitals"><span class="muted">no vitals</span></span>`;
  const percent = (label: string, value: number | null, cls = "") =>
    `<span class="vital${cls}">${label} ${value === null ? "–" : `${esc(value)}%`}</span>`;
  const diskWarn = vitals.diskPercent !== null && vitals.diskPercent >= DISK_WARN_PERCENT ? " warn-text" : "";
  // Three short lines, no taller than a row's other cells (board.css .col-vitals).
  return (
    `<span class="vitals" title="${esc(`sampled ${vitals.at}`)}">` +
    `<span class="vital-line">${percent("CPU", vitals.cpuPercent)}${sparkline(vitals.cpu)}</span>` +
    `<span class="vital-line">${percent("MEM", vitals.memoryPercent)}</span>` +
    `<span class="vital-line">${percent("DISK", vitals.diskPercent, diskWarn)}</span></span>`
  );
}

/** The series (0–100, oldest first) as a polyline; nothing for fewer than two points. */
export function sparkline(values: readonly number[]): string {
  if (values.length < 2) return "";
  const step = SPARK_WIDTH / (values.length - 1);
  const points = values
    .map((v, i) => {
      const y = SPARK_HEIGHT - (Math.min(100, Math.max(0, Number(v) || 0)) / 100) * SPARK_HEIGHT;
      return `${(i * step).toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
  const label = `CPU over the last hour: ${values.map((v) => `${Number(v) || 0}%`).join(", ")}`;
  return (
    `<svg class="spark" role="img" aria-label="${esc(label)}" width="${SPARK_WIDTH}" height="${SPARK_HEIGHT}" ` +
    `viewBox="0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}"><polyline points="${esc(points)}" fill="none" ` +
    `stroke="currentColor" stroke-width="1.5"/></svg>`
  );
}
