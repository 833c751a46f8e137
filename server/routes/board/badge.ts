// GET /api/v1/board/badge.svg: fleet health as a small flat badge for READMEs and wikis,
// from the same cached document as the board. The worst condition wins the colour. Its access is
// the board's: a README embeds it as .../badge.svg?token=<board token>, or without one when fleetd
// runs with --public-board (the badge holds counts only, nothing to redact).
import type { BoardSummary } from "../../../protocol/board.ts";
import { currentBoard } from "../../services/board.ts";
import { sendVersioned } from "../conditional.ts";
import type { RouteHandler } from "../define.ts";

const COLOURS = { red: "#c0392b", orange: "#b35900", yellow: "#8a6d00", green: "#2e7d32", grey: "#555" };

export function badgeMessage(s: BoardSummary): { text: string; colour: string } {
  if (s.hosts === 0) return { text: "no hosts", colour: COLOURS.grey };
  if (s.failing > 0) return { text: `${s.failing} failing`, colour: COLOURS.red };
  if (s.offline > 0) return { text: `${s.offline} offline`, colour: COLOURS.orange };
  if (s.outdated > 0) return { text: `${s.outdated} outdated`, colour: COLOURS.yellow };
  return { text: `${s.hosts}/${s.hosts} healthy`, colour: COLOURS.green };
}

/** Roughly Verdana 11px; a badge only needs to be close enough that the text fits. */
const textWidth = (text: string) => [...text].reduce((w, ch) => w + (/[ il.,:;/|!1]/.test(ch) ? 4 : 7), 10);

export function renderBadge(label: string, message: string, colour: string): string {
  const left = textWidth(label);
  const right = textWidth(message);
  const total = left + right;
  const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="20" role="img" aria-label="${esc(label)}: ${esc(message)}">
<title>${esc(label)}: ${esc(message)}</title>
<rect width="${left}" height="20" fill="#555"/><rect x="${left}" width="${right}" height="20" fill="${colour}"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="${left / 2}" y="14">${esc(label)}</text><text x="${left + right / 2}" y="14">${esc(message)}</text>
</g></svg>`;
}

export const boardBadgeRoute: RouteHandler<"boardBadge"> = (c) => {
  const { doc, etag } = currentBoard(c.get("fleet"));
  const { text, colour } = badgeMessage(doc.summary);
  return sendVersioned(c, etag, "image/svg+xml; charset=utf-8", () => renderBadge("fleet", text, colour));
};
