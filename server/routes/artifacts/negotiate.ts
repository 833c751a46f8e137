// Reading what a download asks for: which content codings it accepts (Accept-Encoding), and
// which bytes of the representation it wants (Range, If-Range). Pure functions of the headers.
import { CODINGS, type ContentCoding } from "../../artifact-encodings.ts";

export type Coding = ContentCoding | "identity";

/**
 * The codings the client accepts, best first: by its q-values, ties broken by fleetd's order
 * (zstd, gzip, identity). No header means identity only: RFC 9110 §12.5.3 would allow any
 * coding, but `curl | sh` (curl without --compressed) writes whatever it gets to disk as is.
 * identity stays acceptable unless refused by name or by `*;q=0`; then, with nothing else
 * acceptable either, the caller still sends identity rather than a 406 to a download.
 */
export function acceptedCodings(header: string | undefined): Coding[] {
  if (header === undefined || header.trim() === "") return ["identity"];
  const q = new Map<string, number>();
  for (const part of header.split(",")) {
    const [name = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    if (!name) continue;
    const qParam = params.find((p) => p.startsWith("q="));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0);
  }
  const star = q.get("*");
  const weight = (coding: Coding) => q.get(coding) ?? star ?? (coding === "identity" ? 0.001 : 0);
  const order: Coding[] = [...CODINGS, "identity"];
  return order
    .filter((coding) => weight(coding) > 0)
    .sort((a, b) => weight(b) - weight(a) || order.indexOf(a) - order.indexOf(b));
}

export type RangeAsk =
  | { kind: "whole" }
  | { kind: "part"; start: number; end: number }
  | { kind: "unsatisfiable" };

/**
 * The one byte range a `Range` header asks of a representation of `size` bytes. A header that
 * is not a single well-formed `bytes=` range is ignored (the whole representation is sent, as
 * RFC 9110 §14.2 allows); a well-formed range that starts past the end is unsatisfiable (416).
 */
export function rangeOf(header: string | undefined, size: number): RangeAsk {
  if (header === undefined) return { kind: "whole" };
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return { kind: "whole" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    const suffix = Number(last);
    if (suffix === 0) return { kind: "unsatisfiable" };
    return { kind: "part", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "part", start, end };
}

/** If-Range holds when it names this representation's strong ETag (a date is not accepted). */
export function ifRangeHolds(header: string | undefined, etag: string): boolean {
  return header === undefined || header.trim() === etag;
}
