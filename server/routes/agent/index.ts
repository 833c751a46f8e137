// The agent API: everything a host token may call.
import type { RouteHandlers } from "../define.ts";
import { agentJobEvents } from "./events.ts";
import { agentHello } from "./hello.ts";
import { agentPoll } from "./poll.ts";
import { agentJobResult } from "./result.ts";
import { agentState } from "./state.ts";
import { agentVitals } from "./vitals.ts";

export const agentRoutes = {
  agentHello,
  agentPoll,
  agentJobEvents,
  agentJobResult,
  agentState,
  agentVitals,
} satisfies RouteHandlers;
