// The route table without its schemas, for the board: imported `with { type: "macro" }`, so
// it runs while the board is bundled and only methods and paths reach the page, not zod.
import { ROUTES } from "./routes.ts";

export function routeTable(): Record<string, { method: string; path: string }> {
  return Object.fromEntries(
    Object.entries(ROUTES).map(([name, { method, path }]) => [name, { method, path }]),
  );
}
