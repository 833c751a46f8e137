// Admin mode: with the admin token entered (kept in sessionStorage only) the board grows
// per-host actions and rollout controls; without it they do not exist in the page at all.
// Every action is a call to fleetd's ordinary admin API; the board adds no powers of its own.
import { ApiError } from "../protocol/errors.ts";
import { adminApi } from "./api.ts";
import { byId, esc, patch } from "./dom.ts";
import { JOB_OPS } from "./hosts.ts";
import { readSizes } from "./rollout-sizes.ts";
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

/** An admin call as it goes out; a 401 means this token is no longer accepted: admin mode ends. */
export async function adminCall<T>(request: Promise<T>): Promise<T> {
  try {
    return await request;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      signOut("fleetd no longer accepts this admin token; enter it again");
      throw new Error("admin token rejected");
    }
    throw err;
  }
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
    await adminCall(adminApi.call("listAlerts"));
  } catch (err) {
    setAdminToken(null);
    notify(`Not signed in: ${_messageOf(err)}`, "bad");
    return;
  }
  state.admin = true;
  byId<HTMLInputElement>("admin-token").value = "";
  byId("admin-form").hidden = true;
  hooks.changed();
  notify("Admin mode: actions are shown. The token is kept in this tab only.");
}

/** The rollout buttons' verbs (rollout.ts), the route each calls and what the notice says. */
const ROLLOUT_VERBS = {
  pause: { route: "pauseRollout", done: "paused" },
  resume: { route: "resumeRollout", done: "resumed" },
  cancel: { route: "cancelRollout", done: "cancelled" },
} as const;

async function act(el: HTMLElement, form?: HTMLFormElement): Promise<void> {
  const { action = "", op = "", host = "", name = "", rollout = "" } = el.dataset;
  try {
    if (action === "job") {
      const known = JOB_OPS.find((o) => o === op);
      if (!known) throw new Error(`unknown operation "${op}"`);
      const { job } = await adminCall(
        adminApi.call("createJob", { params: { id: host }, body: { op: known } }),
      );
      notify(`Queued ${op} on ${name} (job ${job.id}).`);
    } else if (action === "update") {
      await adminCall(adminApi.call("updateHost", { params: { id: host }, body: {} }));
      notify(`Queued an agent update on ${name}.`);
    } else if (action === "rollout-start" && form) {
      await adminCall(adminApi.call("startRollout", { body: readSizes(form) }));
      notify("Rollout started.");
    } else if (action.startsWith("rollout-")) {
      const verb = action.slice("rollout-".length);
      const known = Object.entries(ROLLOUT_VERBS).find(([v]) => v === verb)?.[1];
      if (!known) throw new Error(`unknown rollout action "${verb}"`);
      await adminCall(adminApi.call(known.route, { params: { id: rollout } }));
      notify(`Rollout ${known.done}.`);
    }
  } catch (err) {
    notify(`${action.replace("-", " ")} failed: ${_messageOf(err)}`, "bad");
  }
  hooks.refresh();
}

const _messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

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
