// The status board: its page and assets (public, they hold no data), the board document, a
// host's detail and the health badge (a token unless --public-board: server/middleware/auth/board.ts).
import type { RouteHandlers } from "../define.ts";
import { boardHostRoute, boardRoute } from "./api.ts";
import { boardBadgeRoute } from "./badge.ts";
import { boardAssetRoute, boardPageRoute } from "./site.ts";

export const boardRoutes = {
  boardPage: boardPageRoute,
  boardAsset: boardAssetRoute,
  board: boardRoute,
  boardHost: boardHostRoute,
  boardBadge: boardBadgeRoute,
} satisfies RouteHandlers;
