// The wire protocol's version, apart from the schemas: the idle agent says it in every hello
// without loading zod (docs/agent.md, "Memory").

/** Bumped when a message changes incompatibly; agent and server compare it in hello. */
export const PROTOCOL_VERSION = 1;
