// GET /api/v1/artifacts/manifest.json, /api/v1/artifacts/:file and
// /api/v1/artifacts/sha256/:hash/:file: the build manifest and the binaries it lists, from the
// artifacts dir (compressed copies from the data dir, see serve.ts). Nothing else in that dir is reachable.
import { notFound } from "../../errors.ts";
import type { RouteHandler, RouteHandlers } from "../define.ts";
import { serveArtifact } from "./serve.ts";

const manifestRoute: RouteHandler<"manifest"> = (c) => {
  const manifest = c.get("fleet").artifacts.manifest();
  if (!manifest) throw notFound("fleetd serves no artifacts (start it with --artifacts DIR)");
  return manifest;
};

const artifactRoute: RouteHandler<"artifact"> = (c, { params }) => serveArtifact(c, params.file, null);

const artifactBySha256Route: RouteHandler<"artifactBySha256"> = (c, { params }) =>
  serveArtifact(c, params.file, params.hash);

// The manifest first: its static path must win over :file.
export const artifactRoutes = {
  manifest: manifestRoute,
  artifact: artifactRoute,
  artifactBySha256: artifactBySha256Route,
} satisfies RouteHandlers;
