// The route table without its schemas, for the board: imported `with { type: "macro" }`, so
// it runs while the board is bundled and only methods and paths reach the page, not zod.
import { ROUTES, type RouteName } from "./routes.ts";

/** Keyed by every route name, so it is what createClient's `routes` asks for. */
export type RouteTable = Record<RouteName, { method: string; path: string }>;

export function routeTable(): RouteTable {
  // fromEntries forgets the keys; they are ROUTES' own, every one of them.
  return Object.fromEntries(
    Object.entries(ROUTES).map(([name, { method, path }]) => [name, { method, path }]),
  ) as RouteTable;
}
