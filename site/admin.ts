// Admin mode: with the admin token entered (kept in sessionStorage only) the board grows
// per-host actions and rollout controls; without it they do not exist in the page at all.
// Every action is a call to fleetd's ordinary admin API; the board adds no powers of its own.
import { byId, esc, patch } from "./dom.ts";
import { adminToken, setAdminToken } from "./session.ts";
import { state } from "./state.ts";

export interface AdminHooks {
  /** Re-render with the new mode. */
  changed(): void;
  /** Something changed on fleetd: poll now. */
  refresh(): void;
}

let hooks: AdminHooks;

/** Says what happened after an action, politely, to screen readers too. */
export function notify(text: string, tone: "ok" | "bad" = "ok"): void {
  const el = byId("notice");
  el.className = `notice ${tone}`;
  el.textContent = text;
  clearTimeout(_clearNotice);
  // The line keeps its height when empty (CSS), so clearing it moves nothing.
  _clearNotice = setTimeout(() => {
    el.textContent = "";
  }, NOTICE_MS);
}

const NOTICE_MS = 20_000;
let _clearNotice: ReturnType<typeof setTimeout> | undefined;

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${adminToken()}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (res.status === 401) {
    signOut("fleetd no longer accepts this admin token; enter it again");
    throw new Error("admin token rejected");
  }
  if (!res.ok) throw new Error(json?.error?.message ?? `HTTP ${res.status}`);
  return json;
}

function signOut(message?: string): void {
  setAdminToken(null);
  state.admin = false;
  hooks.changed();
  if (message) notify(message, "bad");
}

/** Admin tokens have their own prefix (server/services/tokens.ts); board tokens are free-form. */
export const isAdminToken = (token: string) => token.startsWith("fa_") && token.length === 46;

export const signInAsAdmin = (token: string) => signIn(token);

async function signIn(token: string): Promise<void> {
  setAdminToken(token);
  try {
    await call("GET", "api/v1/alerts");
  } catch (err) {
    setAdminToken(null);
    notify(`Not signed in: ${(err as Error).message}`, "bad");
    return;
  }
  state.admin = true;
  byId<HTMLInputElement>("admin-token").value = "";
  byId("admin-form").hidden = true;
  hooks.changed();
  notify("Admin mode: actions are shown. The token is kept in this tab only.");
}

async function act(el: HTMLElement, form?: HTMLFormElement): Promise<void> {
  const { action = "", op = "", host = "", name = "", rollout = "" } = el.dataset;
  const hostPath = `api/v1/hosts/${encodeURIComponent(host)}`;
  const rolloutPath = `api/v1/rollouts/${encodeURIComponent(rollout)}`;
  try {
    if (action === "job") {
      const { job } = (await call("POST", `${hostPath}/jobs`, { op })) as { job: { id: string } };
      notify(`Queued ${op} on ${name} (job ${job.id}).`);
    } else if (action === "update") {
      await call("POST", `${hostPath}/update`, {});
      notify(`Queued an agent update on ${name}.`);
    } else if (action === "rollout-start" && form) {
      const data = new FormData(form);
      const body = { canary: Number(data.get("canary")), batch: Number(data.get("batch")) };
      await call("POST", "api/v1/rollouts", body);
      notify("Rollout started.");
    } else if (action.startsWith("rollout-")) {
      const verb = action.slice("rollout-".length);
      await call("POST", `${rolloutPath}/${verb}`, {});
      notify(`Rollout ${verb === "cancel" ? "cancelled" : verb === "pause" ? "paused" : "resumed"}.`);
    }
  } catch (err) {
    notify(`${action.replace("-", " ")} failed: ${(err as Error).message}`, "bad");
  }
  hooks.refresh();
}

function run(button: HTMLButtonElement): void {
  button.disabled = true; // one click, one request
  void act(button).finally(() => {
    button.disabled = false;
  });
}

/**
 * Operations that change what a host runs or interrupt it: one click only asks, the action
 * happens on the second, in a prompt that names the host. Pull and test only read.
 */
const CONFIRMED_OPS: Record<string, string> = {
  switch: "activates the checked-out configuration on it",
  restart: "restarts its agent",
};

let _pending: HTMLButtonElement | null = null;

function askFirst(button: HTMLButtonElement): void {
  const { op = "", name = "" } = button.dataset;
  _pending = button;
  byId("confirm-text").textContent =
    `${op[0]!.toUpperCase()}${op.slice(1)} ${name} now? This ${CONFIRMED_OPS[op]}.`;
  const yes = byId("confirm-yes");
  yes.textContent = `Yes, ${op} ${name}`;
  byId("confirm").hidden = false;
  yes.focus();
}

function closeConfirm(cancelled: boolean): void {
  const button = _pending;
  _pending = null;
  byId("confirm").hidden = true;
  if (cancelled) {
    notify("Cancelled: nothing was queued.");
    // Back where the person was, if the row is still there after refreshes.
    if (button?.isConnected) button.focus();
  }
}

export function setupAdmin(h: AdminHooks): void {
  hooks = h;
  state.admin = adminToken() !== null;
  const form = byId<HTMLFormElement>("admin-form");
  byId("admin-toggle").addEventListener("click", () => {
    if (state.admin) return signOut();
    form.hidden = !form.hidden;
    if (!form.hidden) byId("admin-token").focus();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const token = byId<HTMLInputElement>("admin-token").value.trim();
    if (token) void signIn(token);
  });
  document.addEventListener("click", (e) => {
    const button = (e.target as Element).closest<HTMLButtonElement>("button[data-action]");
    if (!button || !state.admin) return;
    if (button.dataset.action === "job" && CONFIRMED_OPS[button.dataset.op ?? ""]) return askFirst(button);
    run(button);
  });
  byId("confirm-no").addEventListener("click", () => closeConfirm(true));
  byId("confirm").addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      closeConfirm(true);
    }
  });
  byId("confirm-yes").addEventListener("click", () => {
    const button = _pending;
    closeConfirm(false);
    if (button) run(button);
  });
  document.addEventListener("submit", (e) => {
    const target = e.target as HTMLFormElement;
    if (target.dataset.action !== "rollout-start") return;
    e.preventDefault();
    if (state.admin) void act(target, target);
  });
}

/** The header's admin button names what it will do. */
export function renderAdminToggle(): void {
  const toggle = byId("admin-toggle");
  const text = state.admin ? "Leave admin mode" : "Admin…";
  if (toggle.textContent !== text) toggle.textContent = text;
  toggle.setAttribute("aria-expanded", String(!byId("admin-form").hidden));
  document.body.classList.toggle("admin", state.admin);
  patch(byId("admin-state"), state.admin ? `<span class="badge info">${esc("admin mode")}</span>` : "");
}
