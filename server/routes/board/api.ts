// GET /api/v1/board, /api/v1/board/hosts/:id and /api/v1/board/vitals: the board's read-only
// documents. A reader without a token (only possible with --public-board) gets the first two
// redacted: no output, no paths. Vitals are numbers and times only, the same for everyone.
// A host's detail takes its name as well as its id, so a link like #host=db1 works.

import { HostName, Id } from "../../../protocol/common.ts";
import type { ServerContext } from "../../context.ts";
import { notFound } from "../../errors.ts";
import { boardHostDetail, currentBoard } from "../../services/board.ts";
import { redactBoard, redactHostDetail } from "../../services/board-redact.ts";
import { currentBoardVitals } from "../../services/vitals/board-vitals.ts";
import { type RouteHandler, Versioned } from "../define.ts";

export const boardRoute: RouteHandler<"board"> = (c) => {
  const full = currentBoard(c.get("fleet"));
  const { doc, etag } = c.get("principal").kind === "public" ? redactBoard(full) : full;
  return new Versioned(etag, doc);
};

export const boardHostRoute: RouteHandler<"boardHost"> = (c, { params }) => {
  const full = boardHostDetail(c.get("fleet"), _hostIdOf(c.get("fleet"), params.id));
  const { doc, etag } = c.get("principal").kind === "public" ? redactHostDetail(full) : full;
  return new Versioned(etag, doc);
};

export const boardVitalsRoute: RouteHandler<"boardVitals"> = (c) => {
  const { doc, etag } = currentBoardVitals(c.get("fleet"));
  return new Versioned(etag, doc);
};

/** The id itself when a host has it, else the host of that name; ids win, being unique by birth. */
function _hostIdOf(fleet: ServerContext, key: string): string {
  const store = fleet.store;
  if (Id.safeParse(key).success && store.getHost(key)) return key;
  const byName = HostName.safeParse(key).success ? store.findHostByName(key) : undefined;
  if (byName) return byName.id;
  throw notFound(`no host with id or name "${key.slice(0, 80)}"`);
}
