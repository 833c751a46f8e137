// Every process the benchmark starts, so that a failed run still ends them all (by pid, one by one).
import type { Subprocess } from "bun";

const live = new Set<Subprocess>();

export function track<T extends Subprocess>(proc: T): T {
  live.add(proc);
  void proc.exited.then(() => live.delete(proc));
  return proc;
}

export async function killAll(): Promise<void> {
  for (const proc of live) proc.kill("SIGKILL");
  await Promise.all([...live].map((p) => p.exited));
}
