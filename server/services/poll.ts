// The agent's long-poll: hold the request until there is a command for the host or the window
// runs out. The held poll is also what keeps the host "online".
import type { Command } from "../../protocol/agent.ts";
import type { ServerContext } from "../context.ts";
import { nextCommand } from "./dispatch.ts";

export async function pollForCommand(
  ctx: ServerContext,
  hostId: string,
  waitMs: number,
  signal?: AbortSignal,
): Promise<Command | null> {
  const ticket = ctx.hub.open(hostId, signal);
  ctx.coordinator.presence.hold(hostId);
  const deadline = Date.now() + waitMs;
  try {
    for (;;) {
      const command = await nextCommand(ctx, hostId, () => ticket.gone);
      if (command) return command;
      const left = deadline - Date.now();
      if (left <= 0 || ticket.gone) return null;
      if ((await ticket.wait(left)) !== "woken") return null;
    }
  } finally {
    ticket.close();
    ctx.coordinator.presence.release(hostId, ticket.ended === "aborted" ? "dropped" : "answered");
  }
}
