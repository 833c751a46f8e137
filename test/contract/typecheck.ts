// Compile-time half of the contract (checked by tsc, which .ci/run runs; never executed): each
// expect-error directive below marks something the route table must refuse to compile. Should
// any of them start compiling, tsc fails on the unused directive.
import { createClient } from "../../protocol/client.ts";
import { ROUTES } from "../../protocol/routes.ts";
import type { RouteHandler } from "../../server/routes/define.ts";

// @ts-expect-error: health answers { ok: true, version: string }, not a number version.
export const wrongAnswer: RouteHandler<"health"> = () => ({ ok: true as const, version: 7 });

// @ts-expect-error: a JSON route cannot hand back an arbitrary Response.
export const rawAnswer: RouteHandler<"listHosts"> = () => new Response("{}");

export const rightAnswer: RouteHandler<"health"> = () => ({ ok: true as const, version: "1" });

const client = createClient({ server: "http://127.0.0.1:1", routes: ROUTES });

export async function wrongCalls() {
  // @ts-expect-error: createJob needs the host's id.
  await client.call("createJob", { body: { op: "pull" } });
  // @ts-expect-error: "deploy" is not an operation.
  await client.call("createJob", { params: { id: "h1" }, body: { op: "deploy" } });
  // @ts-expect-error: the board page is not JSON; open() it instead.
  await client.call("boardPage");
  const hosts = await client.call("listHosts");
  // @ts-expect-error: a host has no field "colour".
  return hosts.hosts[0]?.colour;
}
