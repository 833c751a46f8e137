// GET /install.sh: the agent installer for `curl -fsSL <fleetd>/install.sh | sh -s -- --token …`,
// with this fleetd's public URL as its server. Public: it holds no secret (the token is the
// caller's), and operators read it in a browser before piping it to a shell.
import type { RouteHandler, RouteHandlers } from "../define.ts";
import { renderInstallScript } from "./render.ts";

const installScriptRoute: RouteHandler<"installScript"> = (c) => {
  const script = renderInstallScript(c.get("fleet").publicUrl);
  return c.body(script, 200, {
    "content-type": "text/plain; charset=utf-8",
    // It names this fleetd's URL and matches its build: never serve a cached copy of another.
    "cache-control": "no-store",
  });
};

export const installRoutes = { installScript: installScriptRoute } satisfies RouteHandlers;
