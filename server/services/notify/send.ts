// One HTTP attempt: POST with a timeout, 2xx is delivered, anything else is a failure with a reason
// an operator can act on. Redirects are followed only within the same origin (a few, by hand):
// one to another host could carry the signed body, or the Slack URL's credential, anywhere.
import type { OutgoingRequest } from "./render.ts";

/** Same-origin redirects followed before giving up. */
const MAX_REDIRECTS = 3;
/** Of a refusing receiver's answer, this much goes into lastError. */
const ERROR_BODY_CHARS = 200;

export type SendResult = { ok: true; status: number } | { ok: false; error: string };

export async function sendRequest(
  url: string,
  request: OutgoingRequest,
  timeoutMs: number,
): Promise<SendResult> {
  const signal = AbortSignal.timeout(timeoutMs);
  let target = new URL(url);
  try {
    for (let hop = 0; ; hop++) {
      const res = await fetch(target, {
        method: "POST",
        headers: request.headers,
        body: request.body,
        redirect: "manual",
        signal,
      });
      if (res.status >= 200 && res.status < 300) {
        await res.body?.cancel();
        return { ok: true, status: res.status };
      }
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        const next = new URL(location, target);
        if (next.origin !== target.origin)
          return {
            ok: false,
            error: `HTTP ${res.status} redirect to ${next.origin}, another host: not followed`,
          };
        if (hop >= MAX_REDIRECTS) return { ok: false, error: `more than ${MAX_REDIRECTS} redirects` };
        target = next;
        continue;
      }
      const text = (await res.text().catch(() => "")).replace(/\s+/g, " ").trim();
      return { ok: false, error: `HTTP ${res.status}${text ? `: ${text.slice(0, ERROR_BODY_CHARS)}` : ""}` };
    }
  } catch (err) {
    if (signal.aborted) return { ok: false, error: `no answer within ${timeoutMs / 1000} s` };
    const cause = (err as { cause?: unknown }).cause;
    const message = cause instanceof Error ? cause.message : (err as Error).message;
    return { ok: false, error: `cannot reach ${target.origin}: ${message}` };
  }
}
