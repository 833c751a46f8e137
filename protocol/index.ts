// The wire contract shared by fleetd, fleet-agent and fleetctl: zod schemas and their types.
export * from "./agent.ts";
export * from "./alerts.ts";
export * from "./artifacts.ts";
export * from "./audit.ts";
export * from "./board.ts";
export * from "./build-info.ts";
export * from "./common.ts";
export * from "./config-state.ts";
export * from "./config-target.ts";
export * from "./enroll.ts";
export * from "./errors.ts";
export * from "./hosts.ts";
export * from "./jobs.ts";
export * from "./queries.ts";
export * from "./rollouts.ts";
export * from "./routes.ts";
export * from "./updates.ts";
