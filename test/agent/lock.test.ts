// The single-instance lock: held across processes, released by the kernel on SIGKILL.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isLocked, tryLock } from "../../agent/lock.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function lockPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "fleet-lock-"));
  dirs.push(dir);
  return join(dir, "agent.lock");
}

const HOLDER = `
import { tryLock } from "${join(import.meta.dir, "../../agent/lock.ts")}";
const r = tryLock(process.argv[2]);
console.log(r.ok ? "held" : "refused");
await Bun.sleep(60_000);
`;

describe("tryLock", () => {
  test("a second taker is refused and told the holder's pid; a SIGKILLed holder frees it", async () => {
    const path = lockPath();
    const script = join(tmpdir(), `fleet-lock-holder-${process.pid}.ts`);
    await Bun.write(script, HOLDER);
    const holder = Bun.spawn([process.execPath, script, path], { stdout: "pipe" });
    const reader = holder.stdout.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first.trim()).toBe("held");

    const second = tryLock(path);
    expect(second.ok).toBe(false);
    if (!second.ok) expect(second.holderPid).toBe(holder.pid);
    expect(isLocked(path)).toBe(true);

    holder.kill("SIGKILL");
    await holder.exited;
    const third = tryLock(path);
    expect(third.ok).toBe(true);
    if (third.ok) third.lock.release();
    rmSync(script);
  });

  test("release lets the next taker in", () => {
    const path = lockPath();
    const a = tryLock(path);
    expect(a.ok).toBe(true);
    if (a.ok) a.lock.release();
    const b = tryLock(path);
    expect(b.ok).toBe(true);
    if (b.ok) b.lock.release();
  });
});
