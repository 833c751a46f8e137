// Whether a channel URL would send fleetd's notifications to fleetd itself: its public URL, the
// address the request came in on, or its listen port on any of this machine's own addresses.
// Such a channel would only ever fail (or worse, call fleetd's API with fleetd's own bodies).
// A DNS name that resolves to this machine is not caught; redirects are not followed (send.ts).
import { networkInterfaces } from "node:os";
import type { ServerContext } from "../../context.ts";

const LOOPBACK_NAMES = new Set(["localhost", "0.0.0.0", "[::]", "[::1]", "[::ffff:127.0.0.1]"]);

const effectivePort = (url: URL): number =>
  url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;

function isThisMachine(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  if (LOOPBACK_NAMES.has(name) || name.endsWith(".localhost") || /^127\.\d+\.\d+\.\d+$/.test(name))
    return true;
  for (const addresses of Object.values(networkInterfaces()))
    for (const a of addresses ?? [])
      if ((a.family === "IPv6" ? `[${a.address.toLowerCase()}]` : a.address) === name) return true;
  return false;
}

export function pointsAtFleetd(target: URL, ctx: ServerContext, requestUrl: string): boolean {
  const request = new URL(requestUrl);
  const origins = [new URL(ctx.publicUrl), request];
  if (origins.some((o) => o.origin === target.origin)) return true;
  const ports = new Set<number>();
  if (ctx.config.port) ports.add(ctx.config.port);
  // Without --public-url, ctx.publicUrl is the listen address (with the port picked for port 0).
  if (!ctx.config.publicUrl) ports.add(effectivePort(origins[0]!));
  if (isThisMachine(request.hostname)) ports.add(effectivePort(request));
  return ports.has(effectivePort(target)) && isThisMachine(target.hostname);
}
