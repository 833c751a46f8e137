// The active system configuration: generation and store path from the platform's Nix profile,
// or the operator's stateCommand where there is none; needsReboot on NixOS. Which profile applies
// follows from the switch command config.json runs (agent/config.ts picks the platform's default),
// so a host reports the profile its switches actually move; `system.profile` overrides it.
import { existsSync, realpathSync } from "node:fs";
import { homedir, userInfo } from "node:os";
import { basename, join } from "node:path";
import type { SystemState } from "../../protocol/config-state.ts";
import { type AgentConfig, defaultSwitchCommand } from "../config.ts";
import type { CaptureLimits } from "./capture.ts";
import { type ProfileGeneration, readProfile } from "./profile.ts";
import { runStateCommand } from "./state-command.ts";

export const SYSTEM_PROFILE = "/nix/var/nix/profiles/system";

export interface SystemOptions {
  /** The Nix profile symlink to read, or null when there is none. */
  profile: string | null;
  /** When set, its output names the generation instead of the profile (generic Linux). */
  stateCommand?: string[];
  /** Compare the booted and current kernel/initrd (NixOS only). */
  nixos: boolean;
  /** Overridable for tests: NixOS's /run/booted-system and /run/current-system. */
  bootedSystem?: string;
  currentSystem?: string;
  limits: CaptureLimits;
  log: (reason: string) => void;
}

export interface SystemReading {
  system: SystemState | null;
  generations: ProfileGeneration[];
}

export async function readSystem(options: SystemOptions): Promise<SystemReading> {
  if (options.stateCommand) {
    return {
      system: await runStateCommand(options.stateCommand, options.limits, options.log),
      generations: [],
    };
  }
  const profile = options.profile ? readProfile(options.profile) : null;
  const needsReboot = options.nixos
    ? readNeedsReboot(
        options.bootedSystem ?? "/run/booted-system",
        options.currentSystem ?? "/run/current-system",
      )
    : null;
  if (!profile && needsReboot === null) return { system: null, generations: [] };
  return {
    system: { generation: profile?.generation ?? null, path: profile?.path ?? null, needsReboot },
    generations: profile?.generations ?? [],
  };
}

/** The booted kernel or initrd is not the current system's; null when either cannot be read. */
export function readNeedsReboot(booted: string, current: string): boolean | null {
  try {
    return ["kernel", "initrd"].some(
      (part) => realpathSync(join(booted, part)) !== realpathSync(join(current, part)),
    );
  } catch {
    return null;
  }
}

/** The profile a host's switches move, from config.json (`system.profile`) or its switch command. */
export function systemProfileFor(
  config: Pick<AgentConfig, "switch" | "system">,
  platform: NodeJS.Platform = process.platform,
): string | null {
  if (config.system.profile) return config.system.profile;
  const tool = basename(config.switch?.[0] ?? defaultSwitchCommand(platform)?.[0] ?? "");
  if (tool === "nixos-rebuild" || tool === "darwin-rebuild") return SYSTEM_PROFILE;
  if (tool === "home-manager") return homeManagerProfile();
  return platform === "linux" && existsSync("/etc/NIXOS") ? SYSTEM_PROFILE : null;
}

/** home-manager's profile: the XDG location (Nix 2.14 and later), else the older per-user one. */
export function homeManagerProfile(
  stateHome = process.env.XDG_STATE_HOME || join(homedir(), ".local", "state"),
  perUser = join("/nix/var/nix/profiles/per-user", userInfo().username, "home-manager"),
): string {
  const xdg = join(stateHome, "nix", "profiles", "home-manager");
  return !existsSync(xdg) && existsSync(perUser) ? perUser : xdg;
}
