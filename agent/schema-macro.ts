// The JSON Schemas of what the agent reads, made from their zod schemas while the agent is built:
// imported `with { type: "macro" }`, so jsonSchema("HelloResponse") is replaced by the schema as a
// literal and zod never loads in `fleet-agent run`. Building and checking zod schemas cost the
// idle agent ~10 MB of resident memory; the JSON Schemas and lib/json-schema-check.ts cost none
// measurable (bench/RESULTS.md, "Agent RSS"). test/agent/schema-checks.test.ts holds each one to
// its zod schema.
import type { z } from "zod";
import type { JsonSchemaOf } from "../lib/json-schema-check.ts";
import { HelloResponse, JobEventsAck, JobResult, PollResponse, RunCommand } from "../protocol/agent.ts";
import { Ok } from "../protocol/common.ts";
import { CheckoutState, HostState, SystemState } from "../protocol/config-state.ts";
import { EnrollResponse } from "../protocol/enroll.ts";
import { jsonSchemaOf } from "../protocol/json-schema.ts";
import {
  AgentConfig,
  Credentials,
  HealthNote,
  SpoolEvent,
  SwitchFile,
  SwitchOutcome,
  TestFile,
  TestOutcome,
} from "./file-schemas.ts";

/** Every schema the agent checks with its JSON Schema, by name. */
export const CHECKED_SCHEMAS = {
  HelloResponse,
  PollResponse,
  JobEventsAck,
  Ok,
  EnrollResponse,
  RunCommand,
  JobResult,
  CheckoutState,
  SystemState,
  HostState,
  AgentConfig,
  Credentials,
  HealthNote,
  SpoolEvent,
  SwitchFile,
  TestFile,
  SwitchOutcome,
  TestOutcome,
} as const;

export type CheckedName = keyof typeof CHECKED_SCHEMAS;

export function jsonSchema<N extends CheckedName>(
  name: N,
): JsonSchemaOf<z.output<(typeof CHECKED_SCHEMAS)[N]>> {
  return jsonSchemaOf(CHECKED_SCHEMAS[name]);
}
