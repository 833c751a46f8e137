// The top of the board: the fleet at a glance (counts that answer "is every host online,
// current and green?"), open alerts, and the server's version.
import type { Board } from "../protocol/board.ts";
import type { ConfigStateName } from "../protocol/config-state.ts";
import { CONFIG_TONES } from "./compartments.ts";
import { byId, esc, patch, relTime } from "./dom.ts";
import { alertQuietText, attentionReasons, type Tone } from "./format.ts";

/** Hosts named in the verdict; the rest are counted ("and 3 more"), the Failing filter lists them. */
const NAMED_IN_VERDICT = 5;

interface Tile {
  label: string;
  value: number;
  /** The host filter the tile applies when clicked. */
  filter: string;
  tone: Tone;
}

export function renderSummary(board: Board): void {
  const s = board.summary;
  const tiles: Tile[] = [
    { label: "Hosts", value: s.hosts, filter: "all", tone: "idle" },
    {
      label: "Online",
      value: s.online,
      filter: "all",
      tone: s.hosts && s.online === s.hosts ? "ok" : "idle",
    },
    { label: "Offline", value: s.offline, filter: "offline", tone: s.offline ? "bad" : "idle" },
    { label: "Outdated", value: s.outdated, filter: "outdated", tone: s.outdated ? "warn" : "idle" },
    { label: "Failing", value: s.failing, filter: "failing", tone: s.failing ? "bad" : "idle" },
    { label: "Running", value: s.running, filter: "running", tone: s.running ? "info" : "idle" },
  ];
  patch(
    byId("summary"),
    tiles
      .map(
        (t) =>
          `<li class="tile ${t.tone}"><button type="button" class="tile-btn" data-filter="${t.filter}" ` +
          `aria-label="${t.value} ${esc(t.label.toLowerCase())}: show them"><span class="num">${t.value}</span>` +
          `<span class="lbl">${esc(t.label)}</span></button></li>`,
      )
      .join(""),
  );
  const needing = board.hosts
    .map((h) => ({ name: h.name, reasons: attentionReasons(h) }))
    .filter((h) => h.reasons.length > 0);
  const verdict =
    s.hosts === 0
      ? "No hosts enrolled yet."
      : needing.length
        ? attentionVerdict(needing)
        : "All hosts online, current and green.";
  patch(byId("verdict"), esc(verdict));
  // The tab title answers the glance too, for a board left open in a background tab.
  const problems = needing.length;
  document.title = problems ? `(${problems}) Fleet status: needs attention` : "Fleet status";
  patch(
    byId("versions"),
    `fleetd ${esc(board.serverVersion)}` +
      (board.agentVersion ? ` · serving agent ${esc(board.agentVersion)}` : " · serving no agent builds"),
  );
  renderAlerts(board);
  renderConfigCounts(board);
}

/** Hosts per config state, each a filter; a fleet with no config to compare shows none. */
function renderConfigCounts(board: Board): void {
  const counts = board.summary.config;
  const list = byId("config-summary");
  const compared = counts && (board.target !== null || counts.unknown < board.summary.hosts);
  list.hidden = !compared;
  const states = compared
    ? (Object.keys(CONFIG_TONES) as ConfigStateName[]).filter((name) => counts[name] > 0)
    : [];
  patch(
    list,
    states
      .map((name) => {
        const n = counts?.[name] ?? 0;
        return (
          `<li class="tile ${CONFIG_TONES[name]}" data-config-count="${name}"><button type="button" class="tile-btn" data-config="${name}" ` +
          `aria-label="${n} config ${name}: show them"><span class="num">${n}</span>` +
          `<span class="lbl">Config ${name}</span></button></li>`
        );
      })
      .join(""),
  );
}

/** fleetd's own conditions (a full data disk) first: while one lasts, every change is refused. */
function renderAlerts(board: Board): void {
  const conditions = board.conditions ?? [];
  const section = byId("alerts-section");
  section.hidden = board.alerts.length === 0 && conditions.length === 0;
  patch(
    byId("alerts"),
    conditions
      .map(
        (c) =>
          `<li data-condition="${esc(c.code)}"><span class="badge bad">${esc(c.code.replace("_", " "))}</span> ` +
          `${esc(c.message)} <span class="muted">since ${relTime(c.since)}</span></li>`,
      )
      .join("") +
      board.alerts
        .map((a) => {
          const quiet = alertQuietText(a);
          return (
            `<li data-alert-kind="${esc(a.kind)}"${quiet ? ` class="quiet"` : ""}>` +
            `<span class="badge ${quiet ? "idle" : "bad"}">${esc(a.kind.replaceAll("_", " "))}</span> ${esc(a.message)} ` +
            `<span class="muted">raised ${relTime(a.raisedAt)}${quiet ? `; ${esc(quiet)}` : ""}</span></li>`
          );
        })
        .join(""),
  );
  renderAlertCount(board);
}

/** The header's "3 open alerts": the silenced and acknowledged ones counted apart, as seen to. */
function renderAlertCount(board: Board): void {
  const link = byId("alerts-count");
  const open = board.alerts.length;
  link.hidden = open === 0;
  const quiet = board.alerts.filter((a) => alertQuietText(a) !== "").length;
  const loud = open - quiet;
  link.className = `alerts-count ${loud ? "bad" : "idle"}`;
  patch(
    link,
    `<span class="num">${open}</span> open alert${open === 1 ? "" : "s"}` +
      (quiet ? ` <span class="muted">(${quiet} silenced or acked)</span>` : ""),
  );
}

/** "2 hosts need attention: db1 (test failed), nas (agent outdated)." */
export function attentionVerdict(hosts: { name: string; reasons: string[] }[]): string {
  const named = hosts.slice(0, NAMED_IN_VERDICT).map((h) => `${h.name} (${h.reasons.join(", ")})`);
  const more = hosts.length > NAMED_IN_VERDICT ? `, and ${hosts.length - NAMED_IN_VERDICT} more` : "";
  const count = hosts.length === 1 ? "1 host needs" : `${hosts.length} hosts need`;
  return `${count} attention: ${named.join(", ")}${more}.`;
}
