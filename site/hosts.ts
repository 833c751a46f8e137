// The hosts table: one row per host, filtered and sorted by the controls above it. Rows are
// keyed by host id and patched cell by cell, so a refresh never rebuilds what did not change.
import type { Board, BoardHost } from "../protocol/board.ts";
import type { Operation } from "../protocol/job-ops.ts";
import { type Against, CONFIG_TONES, compartmentDots, compartments, configWord } from "./compartments.ts";
import { byId, esc, patch, relTime } from "./dom.ts";
import {
  alertQuietText,
  badge,
  hostState,
  lastResult,
  platformText,
  runningJob,
  STATE_RANK,
} from "./format.ts";
import { boardNow, type SortKey, state } from "./state.ts";
import { vitalsCell } from "./vitals.ts";

interface Column {
  id: string;
  label: string;
  sort?: SortKey;
  cell(h: BoardHost, against: Against): string;
}

const OPS = ["pull", "switch", "test", "update", "restart"] as const satisfies readonly Operation[];
/** The operations queued as plain jobs; "update" has its own route (admin.ts). */
export const JOB_OPS = OPS.filter((op) => op !== "update");

const COLUMNS: Column[] = [
  {
    id: "name",
    label: "Host",
    sort: "name",
    cell: (h) =>
      `<a class="host-link" href="#host=${encodeURIComponent(h.id)}">${esc(h.name)}</a>${tagList(h.tags)}`,
  },
  { id: "platform", label: "Platform", sort: "platform", cell: (h) => esc(platformText(h)) },
  {
    id: "agent",
    label: "Agent",
    sort: "version",
    cell: (h) =>
      `<span class="version">${esc(h.version ?? "unknown")}</span>${h.outdated ? ` ${badge("outdated", "warn")}` : ""}`,
  },
  { id: "config", label: "Config", sort: "config", cell: configCell },
  { id: "state", label: "State", sort: "state", cell: stateCell },
  { id: "vitals", label: "Vitals", cell: (h) => vitalsCell(state.vitals?.hosts[h.id] ?? null) },
  { id: "pull", label: "Last pull", cell: (h) => lastResult(h.last.pull) },
  { id: "switch", label: "Last switch", cell: (h) => lastResult(h.last.switch) },
  { id: "test", label: "Last test", cell: (h) => lastResult(h.last.test, h.last.switch?.finishedAt) },
  { id: "running", label: "Running", cell: (h) => runningJob(h.running, h.queued) },
  { id: "alerts", label: "Alerts", cell: alertsCell },
];

const ACTIONS: Column = { id: "actions", label: "Actions", cell: (h) => hostActions(h) };

function stateCell(h: BoardHost): string {
  const online = h.online ? badge("online", "ok") : badge("offline", "bad");
  const failing = h.failing ? ` ${badge("failing", "bad")}` : "";
  return `${online}${failing}<span class="seen">seen ${relTime(h.lastSeen)}</span>`;
}

const _configCells = new WeakMap<BoardHost, { key: string; html: string }>();

/**
 * The five dots, then the config in words; only a failed config is red. Kept per host object
 * (a filter or sort change renders the same objects again) while the target, the agent version
 * and the minute (the lock's age) stay.
 */
function configCell(h: BoardHost, against: Against): string {
  const key = `${against.target?.commit}/${against.agentVersion}/${Math.floor(against.now / 60_000)}`;
  const hit = _configCells.get(h);
  if (hit?.key === key) return hit.html;
  const tone = CONFIG_TONES[h.config.state];
  // The commit is in the Config dot's tooltip: the column has room for the state only.
  const words = `<span class="config-words${tone === "bad" ? " bad-text" : ""}">${esc(configWord(h))}</span>`;
  const html = `${compartmentDots(compartments(h, against))}${words}`;
  _configCells.set(h, { key, html });
  return html;
}

export function tagList(tags: readonly string[]): string {
  if (tags.length === 0) return "";
  return `<span class="tags" aria-label="tags">${tags.map((t) => `<span class="tag">${esc(t)}</span>`).join("")}</span>`;
}

function alertsCell(h: BoardHost): string {
  if (h.alerts.length === 0) return `<span class="muted">none</span>`;
  const item = (a: BoardHost["alerts"][number]) => {
    const quiet = alertQuietText(a);
    return (
      `<li data-alert-kind="${esc(a.kind)}"${quiet ? ` class="quiet"` : ""} title="${esc(a.message)}">` +
      `${esc(a.message)}${quiet ? ` <span class="muted">(${esc(quiet)})</span>` : ""}</li>`
    );
  };
  return `<ul class="alerts-in-row">${h.alerts.map(item).join("")}</ul>`;
}

/** The admin's buttons for one host; each names the host for screen readers. */
export function hostActions(h: Pick<BoardHost, "id" | "name">): string {
  return `<div class="actions">${OPS.map(
    (op) =>
      `<button type="button" class="act" data-action="${op === "update" ? "update" : "job"}" data-op="${op}" ` +
      `data-host="${esc(h.id)}" data-name="${esc(h.name)}" aria-label="${esc(`${op} ${h.name}`)}">${op[0]!.toUpperCase()}${op.slice(1)}</button>`,
  ).join("")}</div>`;
}

const columns = () => (state.admin ? [...COLUMNS, ACTIONS] : COLUMNS);

function compare(a: BoardHost, b: BoardHost, key: SortKey): number {
  switch (key) {
    case "state":
      return STATE_RANK[hostState(a)] - STATE_RANK[hostState(b)];
    case "config":
      return CONFIG_RANK[a.config.state] - CONFIG_RANK[b.config.state];
    case "platform":
      return platformText(a).localeCompare(platformText(b));
    case "lastSeen":
      return (b.lastSeen ?? "").localeCompare(a.lastSeen ?? "");
    case "version":
      return (a.version ?? "").localeCompare(b.version ?? "", undefined, { numeric: true });
    default:
      return 0;
  }
}

/** Worst first, as the state sort: what needs a look before what is merely on its way. */
const CONFIG_RANK: Record<BoardHost["config"]["state"], number> = {
  failed: 0,
  dirty: 1,
  behind: 2,
  pulled: 3,
  untested: 4,
  unknown: 5,
  current: 6,
};

export function visibleHosts(hosts: readonly BoardHost[]): BoardHost[] {
  const { name, state: wanted, platform, config, tag, sort, descending } = state.view;
  const needle = name.trim().toLowerCase();
  return hosts
    .filter((h) => !needle || h.name.toLowerCase().includes(needle))
    .filter((h) => platform === "all" || h.platform === platform)
    .filter((h) => config === "all" || h.config.state === config)
    .filter((h) => !tag || h.tags.includes(tag))
    .filter((h) => {
      if (wanted === "all") return true;
      if (wanted === "offline") return !h.online;
      if (wanted === "failing") return h.failing;
      if (wanted === "outdated") return h.outdated;
      if (wanted === "running") return h.running !== null;
      return hostState(h) === "ok";
    })
    .sort((a, b) => {
      const order = compare(a, b, sort) || a.name.localeCompare(b.name);
      return descending ? -order : order;
    });
}

const _rows = new Map<string, HTMLTableRowElement>();
let _signature = "";

export function renderHosts(board: Board): void {
  const hosts = board.hosts;
  const against: Against = { target: board.target, agentVersion: board.agentVersion, now: boardNow() };
  const table = byId<HTMLTableElement>("hosts");
  const tbody = table.tBodies[0]!;
  const cols = columns();
  const signature = cols.map((c) => c.id).join();
  if (signature !== _signature) {
    _signature = signature;
    tbody.textContent = "";
    _rows.clear();
  }
  patch(table.tHead!, `<tr>${cols.map(headerCell).join("")}</tr>`);
  const sortSelect = byId<HTMLSelectElement>("f-sort");
  if (sortSelect.value !== state.view.sort) sortSelect.value = state.view.sort;
  renderPlatformOptions(hosts);
  renderTagOptions(hosts);

  const visible = visibleHosts(hosts);
  const shown = new Set(visible.map((h) => h.id));
  for (const [id, row] of _rows) {
    if (shown.has(id)) continue;
    row.remove();
    _rows.delete(id);
  }
  let previous: HTMLTableRowElement | null = null;
  for (const host of visible) {
    const row = _rows.get(host.id) ?? newRow(host.id, cols);
    cols.forEach((col, i) => {
      // One wrapper per cell, so the phone layout's label + value grid always has two items.
      patch(row.cells[i]!, `<div class="v">${col.cell(host, against)}</div>`);
    });
    row.dataset.state = hostState(host);
    // Move a row only when it is out of place: moving the row that holds focus would drop it.
    const expected: Element | null = previous ? previous.nextElementSibling : tbody.firstElementChild;
    if (expected !== row) tbody.insertBefore(row, expected);
    previous = row;
  }
  const empty = byId("hosts-empty");
  empty.hidden = visible.length > 0;
  patch(empty, hosts.length === 0 ? firstHostSteps() : "<p>No hosts match the filters.</p>");
  byId("hosts-count").textContent = `${visible.length} of ${hosts.length}`;
}

/** The empty fleet's one hint: the two steps to a first host, with this fleetd's own URL. */
function firstHostSteps(): string {
  const install = state.board?.installCommand ?? "";
  return (
    `<p>No hosts enrolled yet. To add the first one:</p><ol class="first-host">` +
    `<li>with FLEET_TOKEN set to the admin token, make an enroll token: <code>fleetctl enroll-token create</code> ` +
    `(in a source checkout: <code>npm run fleetctl -- enroll-token create</code>)</li>` +
    `<li>on the new host, run the line it prints: <code>${esc(install)}</code></li></ol>`
  );
}

function newRow(id: string, cols: Column[]): HTMLTableRowElement {
  const row = document.createElement("tr");
  row.dataset.id = id;
  for (const col of cols) {
    const cell = document.createElement(col.id === "name" ? "th" : "td");
    if (col.id === "name") cell.setAttribute("scope", "row");
    cell.dataset.label = col.label;
    cell.className = `col-${col.id}`;
    row.append(cell);
  }
  _rows.set(id, row);
  return row;
}

function headerCell(col: Column): string {
  if (!col.sort) return `<th scope="col" class="col-${col.id}">${esc(col.label)}</th>`;
  const active = state.view.sort === col.sort;
  const dir = state.view.descending ? "descending" : "ascending";
  const arrow = active ? (state.view.descending ? "▼" : "▲") : "";
  return (
    `<th scope="col" class="col-${col.id}"${active ? ` aria-sort="${dir}"` : ""}>` +
    `<button type="button" class="sort" data-sort="${col.sort}">${esc(col.label)}` +
    `<span class="arrow" aria-hidden="true">${arrow}</span></button></th>`
  );
}

function renderPlatformOptions(hosts: readonly BoardHost[]): void {
  const select = byId<HTMLSelectElement>("f-platform");
  const platforms = [...new Set(hosts.map((h) => h.platform).filter((p) => p !== null))].sort();
  const options = ["all", ...platforms]
    .map((p) => `<option value="${esc(p)}">${p === "all" ? "All" : esc(p)}</option>`)
    .join("");
  if (patch(select, options))
    select.value = platforms.includes(state.view.platform as never) ? state.view.platform : "all";
}

function renderTagOptions(hosts: readonly BoardHost[]): void {
  const select = byId<HTMLSelectElement>("f-tag");
  const tags = [...new Set(hosts.flatMap((h) => h.tags))].sort();
  const options = ["", ...tags]
    .map((t) => `<option value="${esc(t)}">${t ? esc(t) : "Any"}</option>`)
    .join("");
  if (patch(select, options)) select.value = tags.includes(state.view.tag) ? state.view.tag : "";
}
