// Recent audit events: who did what to which host, newest first. Host ids are shown as names.
import type { AuditEntry } from "../protocol/audit.ts";
import type { Board } from "../protocol/board.ts";
import { byId, esc, patch, relTime } from "./dom.ts";

function describe(entry: AuditEntry, names: Map<string, string>): string {
  const target = entry.target ? (names.get(entry.target) ?? entry.target) : "";
  const d = entry.details ?? {};
  const host = typeof d.hostId === "string" ? names.get(d.hostId) : undefined;
  const extra = [
    typeof d.op === "string" ? d.op : null,
    host ? `on ${host}` : null,
    typeof d.version === "string" ? d.version : null,
    typeof d.targetVersion === "string" ? `to ${d.targetVersion}` : null,
    typeof d.state === "string" ? d.state : null,
    typeof d.reason === "string" ? d.reason : null,
  ].filter(Boolean);
  return `<span class="action">${esc(entry.action)}</span> ${esc(target)}${extra.length ? ` <span class="muted">${esc(extra.join(" · "))}</span>` : ""}`;
}

/** "host:h_123" reads as the host's name; "admin", "fleetd" and "rollout:r_1" stay as they are. */
function actorName(actor: string, names: Map<string, string>): string {
  const host = actor.startsWith("host:") ? names.get(actor.slice(5)) : undefined;
  return host ? `host ${host}` : actor;
}

export function renderActivity(board: Board): void {
  const names = new Map(board.hosts.map((h) => [h.id, h.name]));
  const items = board.audit.map(
    (e) =>
      `<li>${relTime(e.ts)} <span class="actor">${esc(actorName(e.actor, names))}</span> ${describe(e, names)}</li>`,
  );
  patch(byId("audit"), items.join("") || `<li class="muted">Nothing yet.</li>`);
}
