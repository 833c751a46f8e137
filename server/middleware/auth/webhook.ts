// Webhook access (auth "webhook" in the route table): the admin token as usual, or the config
// webhook secret (--config-webhook-secret) in the X-Fleet-Webhook-Secret header, so a forge's
// push hook can ask fleetd to read the config repo without holding the admin token. Only the
// secret's hash is kept, and it is compared in constant time. An Authorization header, when
// sent, decides alone: a mistyped admin token is refused, not saved by a secret beside it.
import type { MiddlewareHandler } from "hono";
import { WEBHOOK_SECRET_HEADER } from "../../../protocol/routes.ts";
import type { AppEnv } from "../../context.ts";
import { unauthorized } from "../../errors.ts";
import { hashesEqual, hashToken } from "../../services/tokens.ts";

const SECRET = /^[A-Za-z0-9_-]{1,512}$/;

export function requireAdminOrWebhook(admin: MiddlewareHandler<AppEnv>): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const secret = c.req.header(WEBHOOK_SECRET_HEADER);
    if (secret === undefined || c.req.header("authorization") !== undefined) return admin(c, next);
    const stored = c.get("fleet").config.configWebhookSecretHash;
    if (!stored)
      throw unauthorized(
        "fleetd takes no webhook secret (start it with --config-webhook-secret); send the admin token",
      );
    if (!SECRET.test(secret) || !hashesEqual(stored, hashToken(secret)))
      throw unauthorized(`invalid webhook secret in ${WEBHOOK_SECRET_HEADER}`);
    c.set("principal", { kind: "webhook" });
    await next();
  };
}
