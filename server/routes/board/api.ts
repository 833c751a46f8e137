// GET /api/v1/board and GET /api/v1/board/hosts/:id: the board's read-only documents. A reader
// without a token (only possible with --public-board) gets them redacted: no output, no paths.
// A host's detail takes its name as well as its id, so a link like #host=db1 works.

import { HostName, Id } from "../../../protocol/common.ts";
import { notFound } from "../../errors.ts";
import { boardHostDetail, currentBoard } from "../../services/board.ts";
import { redactBoard, redactHostDetail } from "../../services/board-redact.ts";
import type { RouteHandler } from "../define.ts";
import { sendVersioned } from "../conditional.ts";

const JSON_TYPE = "application/json; charset=utf-8";

export const boardRoute: RouteHandler = (c) => {
  const full = currentBoard(c.var.fleet);
  const { doc, etag } = c.var.principal.kind === "public" ? redactBoard(full) : full;
  return sendVersioned(c, etag, JSON_TYPE, () => JSON.stringify(doc));
};

export const boardHostRoute: RouteHandler = (c) => {
  const full = boardHostDetail(c.var.fleet, _hostIdOf(c));
  const { doc, etag } = c.var.principal.kind === "public" ? redactHostDetail(full) : full;
  return sendVersioned(c, etag, JSON_TYPE, () => JSON.stringify(doc));
};

/** The id itself when a host has it, else the host of that name; ids win, being unique by birth. */
function _hostIdOf(c: Parameters<RouteHandler>[0]): string {
  const key = c.req.param("id") ?? "";
  const store = c.var.fleet.store;
  if (Id.safeParse(key).success && store.getHost(key)) return key;
  const byName = HostName.safeParse(key).success ? store.findHostByName(key) : undefined;
  if (byName) return byName.id;
  throw notFound(`no host with id or name "${key.slice(0, 80)}"`);
}
