// GET /api/v1/artifacts/:file: the build manifest ("manifest.json") and the binaries it
// lists, streamed from the artifacts dir. Nothing else in that dir is reachable.
import { notFound } from "../../errors.ts";
import type { RouteHandler, RouteHandlers } from "../define.ts";

const artifactRoute: RouteHandler = (c) => {
  const name = c.req.param("file") ?? "";
  const artifacts = c.var.fleet.artifacts;
  if (name === "manifest.json") {
    const manifest = artifacts.manifest();
    if (!manifest) throw notFound("fleetd serves no artifacts (start it with --artifacts DIR)");
    return c.json(manifest);
  }
  const path = artifacts.fileOf(name);
  if (!path) throw notFound(`no artifact named "${name.slice(0, 100)}" in the manifest`);
  const file = Bun.file(path);
  return new Response(file, {
    headers: {
      "content-type": "application/octet-stream",
      "content-length": String(file.size),
      "content-disposition": `attachment; filename="${name}"`,
    },
  });
};

export const artifactRoutes = { artifact: artifactRoute } satisfies RouteHandlers;
