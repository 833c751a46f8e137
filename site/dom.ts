// Small DOM helpers. Rendering builds HTML strings (every value through esc) and patches an
// element only when its string changed, so a refresh with the same data touches nothing:
// no layout jump, no lost focus, no collapsed <details>, and screen readers are not re-read.

const _last = new WeakMap<Element, string>();

export function esc(value: unknown): string {
  return String(value ?? "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Sets innerHTML when `html` differs from what this helper last put there; true when it did. */
export function patch(el: Element, html: string): boolean {
  if (_last.get(el) === html) return false;
  _last.set(el, html);
  el.innerHTML = html;
  return true;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`board page has no #${id}`);
  return el as T;
}

export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** `<time>` whose text the ticker keeps as "5 s ago"; the absolute time is its tooltip. */
export function relTime(iso: string | null | undefined, empty = "never"): string {
  if (!iso) return `<span class="muted">${esc(empty)}</span>`;
  const abs = new Date(iso).toLocaleString();
  return `<time datetime="${esc(iso)}" title="${esc(abs)}" data-rel></time>`;
}

/** "now", "42 s ago", "5 min ago", "3 h ago", "2 d ago". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** Refreshes every relative time under `root` against `now` (the server's clock, estimated). */
export function tickTimes(root: ParentNode, now: number): void {
  root.querySelectorAll<HTMLTimeElement>("time[data-rel]").forEach((el) => {
    setText(el, ago(now - Date.parse(el.dateTime)));
  });
}
