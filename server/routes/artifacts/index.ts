// GET /api/v1/artifacts/manifest.json and /api/v1/artifacts/:file: the build manifest and the
// binaries it lists, streamed from the artifacts dir. Nothing else in that dir is reachable.
import { notFound } from "../../errors.ts";
import type { RouteHandler, RouteHandlers } from "../define.ts";

const manifestRoute: RouteHandler<"manifest"> = (c) => {
  const manifest = c.var.fleet.artifacts.manifest();
  if (!manifest) throw notFound("fleetd serves no artifacts (start it with --artifacts DIR)");
  return manifest;
};

const artifactRoute: RouteHandler<"artifact"> = (c, { params }) => {
  const name = params.file;
  const path = c.var.fleet.artifacts.fileOf(name);
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

// The manifest first: its static path must win over :file.
export const artifactRoutes = { manifest: manifestRoute, artifact: artifactRoute } satisfies RouteHandlers;
