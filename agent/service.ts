// Which service manager runs this agent, decided once: launchd on macOS, systemd when the
// agent was started by a unit (systemd sets INVOCATION_ID), none otherwise (a terminal,
// a test harness).
import type { AgentConfig } from "./config.ts";

export type ServiceManager = "systemd" | "launchd" | "none";

export function detectServiceManager(
  config: AgentConfig,
  env: Record<string, string | undefined> = process.env,
  platform: NodeJS.Platform = process.platform,
): ServiceManager {
  if (config.service.manager !== "auto") return config.service.manager;
  if (platform === "darwin") return "launchd";
  if (platform === "linux" && env.INVOCATION_ID) return "systemd";
  return "none";
}

export function launchdDomain(config: AgentConfig): string {
  return config.service.domain ?? `gui/${process.getuid?.() ?? 0}`;
}
