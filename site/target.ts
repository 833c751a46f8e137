// The header's config target: what every host's Config compartment was compared with, and where
// it came from (the config repo's branch, a pin, or the newest commit a host fetched).
import type { Board } from "../protocol/board.ts";
import { shortSha } from "./compartments.ts";
import { byId, esc, patch, relTime } from "./dom.ts";

export function renderTarget(board: Board): void {
  const target = board.target;
  const repo = board.configRepo;
  if (!target) {
    const why = repo
      ? `not read from ${esc(repo.branch)} of ${esc(repo.url)} yet`
      : "none: no config repo, no pin, and no host reported a fetch";
    patch(byId("target"), `Config target <span class="muted">${why}</span>`);
    return;
  }
  const subject = target.subject ? ` <span class="target-subject">${esc(target.subject)}</span>` : "";
  const age = target.committedAt
    ? ` <span class="muted">committed ${relTime(target.committedAt)}</span>`
    : "";
  const from =
    target.source === "pin"
      ? `pinned ${relTime(target.checkedAt)}`
      : target.source === "repo"
        ? `from ${repo ? `${esc(repo.branch)} of ${esc(repo.url)}` : "the config repo"}, read ${relTime(target.checkedAt)}`
        : `newest commit a host fetched, ${relTime(target.checkedAt)}`;
  patch(
    byId("target"),
    `Config target <code class="target-commit" title="${esc(target.commit)}">${shortSha(target.commit)}</code>` +
      `${subject}${age} <span class="muted target-source" data-source="${target.source}">(${from})</span>`,
  );
}
