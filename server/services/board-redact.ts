// What a reader without a token sees on a --public-board fleetd. Job output can hold anything a
// script printed (hostnames, keys, customer data), and paths tell a stranger how the hosts are
// laid out (checkouts, state and spool directories, home directories). So the public principal
// gets the same documents with every output line dropped and every path-like piece of text
// (in reasons, alert messages, audit details) replaced by PATH_PLACEHOLDER, marked
// `redacted: true` so the page can say that a token shows the rest.
import type { Board, BoardHostDetail } from "../../protocol/board.ts";
import type { Versioned } from "./versioned-doc.ts";

export const PATH_PLACEHOLDER = "[path]";

/**
 * An absolute or home-relative POSIX path, a Windows drive or UNC path, or a URL: anything that
 * starts a word with "/", "~/", "C:\" or "\\" (so "2/3 passed" and "1.0 → 1.1" stay as they are).
 */
const PATH_LIKE = /(^|[\s("'`=:,[])((?:~?\/|[A-Za-z]:[\\/]|\\\\)[^\s"'`),;\]]*)/g;
const URL_LIKE = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`),;\]]+/gi;

export function scrubPaths(text: string): string {
  return text
    .replace(URL_LIKE, PATH_PLACEHOLDER)
    .replace(PATH_LIKE, (match, lead: string, path: string) =>
      path === "/" || path === PATH_PLACEHOLDER ? match : `${lead}${PATH_PLACEHOLDER}`,
    );
}

/** Every string in `value`, however deep, with paths scrubbed; keys and other values unchanged. */
function scrubDeep<T>(value: T): T {
  if (typeof value === "string") return scrubPaths(value) as T;
  if (Array.isArray(value)) return value.map(scrubDeep) as T;
  if (value && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubDeep(v)])) as T;
  return value;
}

const _boards = new WeakMap<Versioned<Board>, Versioned<Board>>();

/** The public board, worked out once per cached board; its own ETag, so no 304 crosses over. */
export function redactBoard(full: Versioned<Board>): Versioned<Board> {
  const hit = _boards.get(full);
  if (hit) return hit;
  const { generatedAt, installCommand, configRepo } = full.doc;
  // An scp-style repo ("git@forge:ops/config.git") starts no word with "/": replaced whole.
  const repo = configRepo && { ...configRepo, url: PATH_PLACEHOLDER };
  const doc: Board = {
    ...scrubDeep(full.doc),
    generatedAt,
    installCommand,
    configRepo: repo,
    redacted: true,
  };
  const value = { doc, etag: _publicEtag(full.etag) };
  _boards.set(full, value);
  return value;
}

export function redactHostDetail(full: Versioned<BoardHostDetail>): Versioned<BoardHostDetail> {
  const scrubbed = scrubDeep(full.doc);
  const jobs = scrubbed.jobs.map((job) => ({ ...job, output: [], outputClipped: false }));
  return {
    doc: { ...scrubbed, generatedAt: full.doc.generatedAt, jobs, redacted: true },
    etag: _publicEtag(full.etag),
  };
}

/** Same content version, told apart from the full document's. */
const _publicEtag = (etag: string) => `${etag.slice(0, -1)}-public"`;
