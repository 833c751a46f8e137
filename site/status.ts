// "Is what I see current?": the time of the last answer from fleetd, and a visible warning
// while fleetd cannot be reached (the last data stays on screen, marked stale). Screen readers
// hear only the changes of state, not every second's tick.
import { ApiError } from "../protocol/errors.ts";
import { ago, byId, esc, patch, setText } from "./dom.ts";

let lastOkAt: number | null = null;
let failingSince: number | null = null;
let failure: { reason: string; retryAt: number } | null = null;

export function renderConnection(
  event?: { ok: true } | { ok: false; err: unknown; retryInMs: number },
): void {
  const now = Date.now();
  if (event?.ok) {
    lastOkAt = now;
    failingSince = null;
    failure = null;
  } else if (event) {
    failingSince ??= now;
    failure = { reason: describe(event.err), retryAt: now + event.retryInMs };
  }
  const updated = byId("updated");
  if (lastOkAt !== null) {
    const clock = new Date(lastOkAt).toLocaleTimeString();
    setText(updated, `Last updated ${clock} (${ago(now - lastOkAt)})`);
  }
  const down = failure !== null;
  document.body.classList.toggle("stale", down);
  const banner = byId("conn");
  banner.hidden = !down;
  if (failure && failingSince !== null) {
    const retry = Math.max(0, Math.ceil((failure.retryAt - now) / 1000));
    // The live region's text changes only when the reason does; the countdown sits outside it.
    patch(byId("conn-reason"), esc(failure.reason));
    setText(
      byId("conn-detail"),
      `Since ${new Date(failingSince).toLocaleTimeString()}; retrying in ${retry} s. ` +
        (lastOkAt ? "The data below is from the last update." : "No data yet."),
    );
  }
}

function describe(err: unknown): string {
  if (err instanceof ApiError && err.code !== "unreachable") {
    if (err.tokenRefused) return `fleetd refused the board token: ${err.message}`;
    return `fleetd answered with an error: ${err.message}`;
  }
  return "fleetd is unreachable.";
}

/** Asks for a token, saying why (fleetd's refusal says how to get one); null: asked for by hand. */
export function showTokenForm(message: string | null): void {
  const section = byId("token-section");
  const why = message ?? "A token shows job output and paths, which the public board leaves out.";
  // fleetd's messages start lower-case, to read well after "401:"; here it is a sentence.
  setText(byId("token-why"), `${why[0]?.toUpperCase() ?? ""}${why.slice(1)}${why.endsWith(".") ? "" : "."}`);
  if (!section.hidden) return;
  section.hidden = false;
  byId("board-token").focus();
}

export function hideTokenForm(): void {
  byId("token-section").hidden = true;
}

/** On a public board (--public-board, no token): what is left out, and a way in. */
export function renderRedactedNote(redacted: boolean): void {
  byId("redacted-note").hidden = !redacted;
}

export function renderSnapshotNote(generatedAt: string): void {
  const when = new Date(generatedAt);
  patch(
    byId("updated"),
    `Snapshot of ${esc(when.toLocaleString())} <span class="muted">(static export, not live; times are relative to it)</span>`,
  );
}
