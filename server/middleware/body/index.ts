// Request bodies: a hard size limit checked against Content-Length up front and against the bytes
// actually read (the header may lie or be absent), then JSON parsing and zod validation.
import type { Context, MiddlewareHandler } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../../context.ts";
import { ApiError, badRequest, payloadTooLarge, validationFailed } from "../../errors.ts";

/** Rejects a declared oversize body before anything reads it; applies to every path. */
export function limitDeclaredBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const declared = c.req.header("content-length");
    if (declared !== undefined && Number(declared) > maxBytes) throw payloadTooLarge(maxBytes);
    await next();
  };
}

/** Reads the whole body (for methods that have one) into c.get("body"), stopping past the limit. */
export function readBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const stream = c.req.method === "GET" || c.req.method === "HEAD" ? null : c.req.raw.body;
    c.set("body", stream ? await readLimited(stream, maxBytes) : null);
    await next();
  };
}

async function readLimited(stream: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    // A client that stalls mid-body is cut off by the server's idle timeout; that is its failure,
    // answered like bad input, not a 500 with a stack in the log.
    const { done, value } = await reader.read().catch((err: Error) => {
      throw badRequest(`the request body was not received completely (${err.message})`);
    });
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw payloadTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}

/** Parses the JSON body read by readBody, without validating it. */
export function jsonBody(c: Context<AppEnv>): unknown {
  const bytes = c.get("body");
  if (!bytes || bytes.byteLength === 0)
    throw new ApiError(400, "invalid_json", "request body is empty; expected JSON");
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    throw new ApiError(400, "invalid_json", `request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function validate<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
  const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ");
  throw validationFailed(`invalid ${what}: ${summary}`, details);
}

export function parseBody<T extends z.ZodType>(c: Context<AppEnv>, schema: T): z.infer<T> {
  return validate(schema, jsonBody(c), "request body");
}

export function parseQuery<T extends z.ZodType>(c: Context<AppEnv>, schema: T): z.infer<T> {
  return validate(schema, c.req.query(), "query");
}
