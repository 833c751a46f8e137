// "Deploy <commit> to all hosts": the board's way to start a config deploy rollout. The button
// shows when fleetd knows a config target and some host's system is not built from it; it opens
// a modal dialog naming the commit, its subject and the hosts, with the canary and batch sizes
// (growing batches unless a fixed size is chosen) and the plan they make of those hosts.
// Only the dialog's Deploy button posts, with the commit the dialog named, even if the target
// moved while it was open. fleetd plans the rollout itself (hosts already on the commit skipped).
import type { Board, BoardHost } from "../protocol/board.ts";
import { adminCall, notify } from "./admin.ts";
import { adminApi } from "./api.ts";
import { shortSha } from "./compartments.ts";
import { byId, esc } from "./dom.ts";
import { readSizes, sizesHtml, syncSizes } from "./rollout-sizes.ts";
import { state } from "./state.ts";

/** Hosts named one by one in the dialog; beyond this, "and N more". */
const NAMED_HOSTS = 8;

/** The commit the open dialog names; null when it is closed. */
let _asked: { commit: string } | null = null;

/** Hosts whose running system was not built from `commit`: the ones a deploy of it changes. */
const _hostsToDeploy = (board: Board, commit: string): BoardHost[] =>
  board.hosts.filter((h) => h.config.builtFrom !== commit);

/** The control under the rollout panel when no rollout is active. */
export function deployControl(board: Board): string {
  const target = board.target;
  if (!target || board.hosts.length === 0) return "";
  const short = shortSha(target.commit);
  if (_hostsToDeploy(board, target.commit).length === 0)
    return `<p class="muted" data-all-deployed>Every host runs config ${esc(short)}: nothing to deploy.</p>`;
  return (
    `<p class="rollout-deploy"><button type="button" class="act" data-deploy="${esc(target.commit)}">` +
    `Deploy ${esc(short)} to all hosts</button></p>`
  );
}

/** "web1, web2 and db1", or "web1, …, web8 and 12 more". */
function _hostsPhrase(names: string[]): string {
  const shown = names.slice(0, NAMED_HOSTS);
  const rest = names.length - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${rest} more`;
  return shown.length > 1 ? `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}` : (shown[0] ?? "");
}

/** Opens the dialog for the commit on the button the admin clicked. */
function _open(commit: string): void {
  const board = state.board;
  if (!board || !commit) return;
  const subject = board.target?.commit === commit ? board.target.subject : null;
  const hosts = _hostsToDeploy(board, commit);
  _asked = { commit };
  const count = `${hosts.length} host${hosts.length === 1 ? "" : "s"}`;
  byId("deploy-title").textContent = `Deploy config ${shortSha(commit)} to ${count}?`;
  byId("deploy-commit").innerHTML =
    `Commit <code>${esc(commit)}</code>` +
    (subject ? ` <strong class="deploy-subject">${esc(subject)}</strong>` : "");
  byId("deploy-hosts").textContent = `Deployed to ${count}: ${_hostsPhrase(hosts.map((h) => h.name))}.`;
  byId("deploy-yes").textContent = `Deploy to ${count}`;
  // Each opening asks afresh: the default sizes, the plan of these hosts.
  const form = byId<HTMLFormElement>("deploy-form");
  form.reset();
  form.dataset.hosts = String(hosts.length);
  syncSizes(form);
  const dialog = byId<HTMLDialogElement>("deploy-dialog");
  dialog.returnValue = "";
  dialog.showModal();
}

async function _start(form: HTMLFormElement): Promise<void> {
  const asked = _asked;
  _asked = null;
  byId<HTMLDialogElement>("deploy-dialog").close();
  if (!asked) return;
  const body = { kind: "deploy" as const, commit: asked.commit, ...readSizes(form) };
  try {
    const { rollout } = await adminCall(adminApi.call("startRollout", { body }));
    notify(`Deploy of ${shortSha(asked.commit)} started (rollout ${rollout.id}).`);
  } catch (err) {
    notify(`deploy failed: ${err instanceof Error ? err.message : String(err)}`, "bad");
  }
}

export function setupDeploy(refresh: () => void): void {
  const dialog = byId<HTMLDialogElement>("deploy-dialog");
  const form = byId<HTMLFormElement>("deploy-form");
  byId("deploy-sizes").innerHTML = sizesHtml(0);
  document.addEventListener("click", (e) => {
    const button = (e.target as Element).closest<HTMLButtonElement>("button[data-deploy]");
    if (button && state.admin) _open(button.dataset.deploy ?? "");
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    void _start(form).finally(refresh);
  });
  byId("deploy-no").addEventListener("click", () => dialog.close("cancel"));
  // Escape closes a modal dialog with "cancel"; so does the Cancel button.
  dialog.addEventListener("cancel", (e) => {
    e.preventDefault();
    dialog.close("cancel");
  });
  dialog.addEventListener("close", () => {
    if (dialog.returnValue !== "cancel") return;
    dialog.returnValue = "";
    _asked = null;
    notify("Cancelled: nothing was deployed.");
  });
}
