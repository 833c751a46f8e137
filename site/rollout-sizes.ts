// The sizes a rollout starts with, the same for the update form and the deploy dialog: the canary
// count, and batches growing (fleetd's default, as for `fleetctl update --all` without --batch) or
// of a fixed size. Beside them, the plan those sizes make of the hosts the board sees, kept current
// as the sizes change; fleetd makes the real plan when the rollout starts.
import { batchSizes } from "../protocol/rollout-batches.ts";
import { GROWING_BATCH_PERCENTS } from "../protocol/rollouts.ts";
import { esc } from "./dom.ts";

/** What the start request carries: no batch means fleetd's growing batches. */
export interface RolloutSizes {
  canary: number;
  batch?: number;
}

const GROWING_WORDS = `growing: ${GROWING_BATCH_PERCENTS.map((p) => `${p} %`).join(", ")}, then the rest`;
/** What the size field offers when fixed batches are chosen. */
const FIXED_DEFAULT = 10;

/** "1, 1, 3 and 6", or beyond six batches "20 of 50 (the last of 49)". */
function _batchesWords(sizes: number[]): string {
  if (sizes.length === 1) return `1 batch of ${sizes[0]}`;
  if (sizes.length <= 6)
    return `${sizes.length} batches: ${sizes.slice(0, -1).join(", ")} and ${sizes.at(-1)}`;
  const first = sizes[0]!;
  const last = sizes.at(-1)!;
  return `${sizes.length} batches of ${first}${last === first ? "" : ` (the last of ${last})`}`;
}

/** "1 canary, then 4 batches: 1, 1, 3 and 6": the order `count` hosts take with these sizes. */
export function orderWords(canary: number, sizes: number[]): string {
  const canaries = canary === 0 ? "no canary" : `${canary} ${canary === 1 ? "canary" : "canaries"}`;
  if (sizes.length === 0) return canaries;
  return `${canaries}, then ${_batchesWords(sizes)}`;
}

/** The plan of `count` hosts: the canary first (fewer when there are fewer hosts), then batches. */
export function planWords(count: number, sizes: RolloutSizes): string {
  const canary = Math.min(sizes.canary, count);
  const hosts = `${count} host${count === 1 ? "" : "s"}`;
  return `Plan for ${hosts}: ${orderWords(canary, batchSizes(count - canary, sizes.batch))}.`;
}

/** The fields, for a form whose `data-hosts` says how many hosts the plan line counts. */
export function sizesHtml(count: number): string {
  return (
    `<label>Canary hosts <input name="canary" type="number" min="0" value="1" required inputmode="numeric"></label>` +
    `<label>Batches <select name="batches"><option value="growing" selected>${esc(GROWING_WORDS)}</option>` +
    `<option value="fixed">fixed size</option></select></label>` +
    // Hidden and disabled while growing: then it is neither shown, sent nor checked.
    `<label hidden>Batch size <input name="batch" type="number" min="1" value="${FIXED_DEFAULT}" required inputmode="numeric" disabled></label>` +
    `<output class="rollout-plan" data-plan>${esc(planWords(count, { canary: 1 }))}</output>`
  );
}

/** The sizes as the form holds them (its browser validation has already passed). */
export function readSizes(form: HTMLFormElement): RolloutSizes {
  const data = new FormData(form);
  const canary = Number(data.get("canary"));
  return data.get("batches") === "fixed" ? { canary, batch: Number(data.get("batch")) } : { canary };
}

/** After any change (or a reset): the size field there only for fixed batches, the plan line redone. */
export function syncSizes(form: HTMLFormElement): void {
  const fixed = form.querySelector<HTMLSelectElement>('select[name="batches"]')?.value === "fixed";
  const batch = form.querySelector<HTMLInputElement>('input[name="batch"]');
  if (batch) {
    batch.disabled = !fixed;
    const label = batch.closest("label");
    if (label) label.hidden = !fixed;
  }
  const plan = form.querySelector<HTMLOutputElement>("[data-plan]");
  const count = Number(form.dataset.hosts ?? 0);
  const canary = Number(form.querySelector<HTMLInputElement>('input[name="canary"]')?.value);
  const size = Number(batch?.value);
  // Until the fields hold sizes the browser would send, the plan line says what it last could.
  if (!plan || !Number.isInteger(canary) || canary < 0 || (fixed && !(Number.isInteger(size) && size >= 1)))
    return;
  plan.textContent = planWords(count, fixed ? { canary, batch: size } : { canary });
}

/** Keeps every form with sizes in step, including ones rendered later (one listener on `root`). */
export function wireSizes(root: Document | HTMLElement): void {
  const onChange = (e: Event) => {
    const form = (e.target as Element).closest<HTMLFormElement>("form[data-hosts]");
    if (form) syncSizes(form);
  };
  root.addEventListener("input", onChange);
  root.addEventListener("change", onChange);
}
