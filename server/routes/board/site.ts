// GET / and GET /assets/:file: the status board's page, stylesheet and script, embedded into
// fleetd when it is built (site/bundle.ts runs as a macro), never read from disk at run time.
// They hold no fleet data, so they are public; the page fetches /api/v1/board for that.
import { createHash } from "node:crypto";
import type { Context } from "hono";
import { siteFiles } from "../../../site/bundle.ts" with { type: "macro" };
import type { AppEnv } from "../../context.ts";
import { notFound } from "../../errors.ts";
import { sendVersioned } from "../conditional.ts";
import type { RouteHandler } from "../define.ts";

const SITE = siteFiles();

interface Asset {
  body: string;
  type: string;
  etag: string;
}

const asset = (body: string, type: string): Asset => ({
  body,
  type,
  etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
});

/** By file name under /assets/; the page links them relatively so a path prefix still works. */
const ASSETS: Record<string, Asset> = {
  "board.css": asset(SITE.css, "text/css; charset=utf-8"),
  "board.js": asset(SITE.js, "text/javascript; charset=utf-8"),
};
const PAGE = asset(SITE.html, "text/html; charset=utf-8");

/** Only our own script and styles; data only from our own API; no framing (clickjacking). */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(c: Context<AppEnv>, file: Asset): Response {
  c.header("X-Content-Type-Options", "nosniff");
  return sendVersioned(c, file.etag, file.type, () => file.body);
}

export const boardPageRoute: RouteHandler<"boardPage"> = (c) => {
  c.header("Content-Security-Policy", CSP);
  c.header("Referrer-Policy", "no-referrer");
  return send(c, PAGE);
};

export const boardAssetRoute: RouteHandler<"boardAsset"> = (c, { params }) => {
  const name = params.file;
  const file = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
  if (!file) throw notFound(`no board asset "${name.slice(0, 80)}"`);
  return send(c, file);
};
