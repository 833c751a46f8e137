// The status board: its page and assets (public, they hold no data), the board document, a
// host's detail, the hosts' vitals and the health badge (a token unless --public-board: server/middleware/auth/board.ts).
import type { RouteHandlers } from "../define.ts";
import { boardHostRoute, boardRoute, boardVitalsRoute } from "./api.ts";
import { boardBadgeRoute } from "./badge.ts";
import { boardAssetRoute, boardPageRoute } from "./site.ts";

export const boardRoutes = {
  boardPage: boardPageRoute,
  boardAsset: boardAssetRoute,
  board: boardRoute,
  boardHost: boardHostRoute,
  boardVitals: boardVitalsRoute,
  boardBadge: boardBadgeRoute,
} satisfies RouteHandlers;
