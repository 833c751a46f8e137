// GET /api/v1/board and GET /api/v1/board/hosts/:id: the board's read-only documents.
import { boardHostDetail, currentBoard } from "../../services/board.ts";
import type { RouteHandler } from "../define.ts";
import { idParam } from "../params.ts";
import { sendVersioned } from "./conditional.ts";

const JSON_TYPE = "application/json; charset=utf-8";

export const boardRoute: RouteHandler = (c) => {
  const { doc, etag } = currentBoard(c.var.fleet);
  return sendVersioned(c, etag, JSON_TYPE, () => JSON.stringify(doc));
};

export const boardHostRoute: RouteHandler = (c) => {
  const { doc, etag } = boardHostDetail(c.var.fleet, idParam(c, "host"));
  return sendVersioned(c, etag, JSON_TYPE, () => JSON.stringify(doc));
};
