// update: replace this agent with exactly the build the job pins (args.version and args.sha256),
// as fleetd serves it for this target, verified, staged, health-gated and rolled back
// automatically; a manifest that no longer serves that build is refused. Runs in the detached runner, i.e.
// from the current binary, which is what watches the new one (see docs/update.md).
import { existsSync, rmSync } from "node:fs";
import type { JobResult } from "../../../protocol/agent.ts";
import { type Artifact, targetOf } from "../../../protocol/artifacts.ts";
import { VERSION } from "../../../protocol/build-info.ts";
import type { Arch, Platform } from "../../../protocol/common.ts";
import { selfSha256 } from "../../identity.ts";
import { readHolderPid } from "../../lock.ts";
import { statePaths } from "../../paths.ts";
import { detectServiceManager } from "../../service.ts";
import { ArtifactDownload } from "../../update/artifact-download.ts";
import { fetchManifest } from "../../update/download.ts";
import { UpdateRefused } from "../../update/errors.ts";
import { requestAgentRestart } from "../../update/health.ts";
import { withRetry } from "../../update/retry.ts";
import { newPath, rollBack, startWindowsSwap, swapInNew } from "../../update/swap.ts";
import { TRUSTED_KEYS } from "../../update/trusted-keys.ts";
import { checkFile, checkRuns, checkSignature } from "../../update/verify.ts";
import { compareVersions } from "../../update/versions.ts";
import { awaitHealthy, restartAgentService } from "../../update/watch.ts";
import { kickstart } from "../after-switch.ts";
import type { OpContext, Operation } from "./context.ts";

/** How long the restored agent may take to say hello again before the result says it did not. */
export const ROLLBACK_CONFIRM_MS = 30_000;

export const update: Operation<"update"> = async (ctx) => {
  const bin = ctx.config.service.binary ?? process.execPath;
  const say = (line: string) => ctx.line("agent", line);
  const pinned = { version: ctx.args.version, sha256: ctx.args.sha256 };
  if (pinned.version === VERSION && pinned.sha256 === selfSha256()) {
    return {
      state: "skipped",
      exitCode: 0,
      reason: `already at ${VERSION}`,
      outcome: { op: "update", kind: "already_current", version: VERSION },
    };
  }
  let entry: Artifact;
  let version: string;
  try {
    const manifest = await withRetry(
      "fetching the manifest",
      () => fetchManifest(ctx.config.server, ctx.signal),
      say,
      ctx.signal,
    );
    version = manifest.version;
    const target = targetOf(process.platform as Platform, process.arch as Arch);
    const found = manifest.artifacts.find((a) => a.program === "fleet-agent" && a.target === target);
    if (!found) throw new UpdateRefused(`fleetd serves no fleet-agent for ${target}`);
    entry = found;
    // The target was pinned when the update was asked for; a manifest that moved on since (a
    // new build deployed mid-rollout) is not what the operator chose to install.
    if (version !== pinned.version || entry.sha256 !== pinned.sha256) {
      throw new UpdateRefused(
        `fleetd no longer serves the build this update is pinned to: asked for ${_build(pinned)}, ` +
          `fleetd serves ${_build({ version, sha256: entry.sha256 })}`,
      );
    }
    const order = compareVersions(version, VERSION);
    if (order === -1 && !ctx.args.allowDowngrade) {
      throw new UpdateRefused(
        `refusing to downgrade ${VERSION} → ${version} (allow it with --allow-downgrade)`,
      );
    }
    // Not known to be older (same build number, another commit; or a version of no known shape):
    // the operator asked for what fleetd serves, so go ahead, but say that no order was seen.
    if (order === null)
      say(`${VERSION} and ${version} have no order (see docs/update.md); updating as asked`);
    await checkSignature(entry, version, TRUSTED_KEYS);
    say(`downloading ${entry.file} (${version}, ${(entry.size / 1e6).toFixed(1)} MB) to ${newPath(bin)}`);
    await _download(ctx, entry, newPath(bin));
    await checkFile(newPath(bin), entry);
    await checkRuns(newPath(bin), version);
    say(`verified: size, SHA-256, signature and --version all match ${version}`);
  } catch (err) {
    rmSync(newPath(bin), { force: true });
    const reason = err instanceof UpdateRefused ? err.message : `update failed: ${(err as Error).message}`;
    return { state: "failed", exitCode: null, reason, outcome: { op: "update", kind: "failed_before_swap" } };
  }
  return _swapAndWatch(ctx, bin, version, entry);
};

/** Into `dest`, resuming after a cut connection rather than starting over (see artifact-download.ts). */
async function _download(ctx: OpContext<"update">, entry: Artifact, dest: string): Promise<void> {
  const say = (line: string) => ctx.line("agent", line);
  const progress = (bytes: number) =>
    ctx.progress({
      current: Math.round(bytes / 1024),
      total: Math.round(entry.size / 1024),
      unit: "KiB",
      // An older board reads the unit from the label.
      label: "KiB",
    });
  const download = new ArtifactDownload(ctx.config.server, entry, dest, { onProgress: progress, say });
  try {
    const got = await withRetry("downloading", () => download.attempt(ctx.signal), say, ctx.signal, {
      progress: () => download.furthestReached,
    });
    const resumed = got.resumes > 0 ? `, resumed ${got.resumes}×` : "";
    say(`downloaded ${_mb(got.bytes)} as ${got.encoding}: ${_mb(got.wireBytes)} on the wire${resumed}`);
  } finally {
    download.close();
  }
}

const _mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

const _build = (b: { version: string; sha256: string }) => `${b.version} (sha256 ${b.sha256.slice(0, 12)})`;

async function _swapAndWatch(
  ctx: OpContext<"update">,
  bin: string,
  version: string,
  entry: Artifact,
): Promise<JobResult> {
  const say = (line: string) => ctx.line("agent", line);
  const manager = detectServiceManager(ctx.config);
  const agentPid = readHolderPid(statePaths(ctx.stateDir).lock);
  const swappedAt = Date.now();
  if (process.platform === "win32") {
    startWindowsSwap(ctx.stateDir, bin, agentPid ?? 0, ctx.config.update.windowsRestart);
    if (agentPid) requestAgentRestart(ctx.stateDir, agentPid, `update to ${version}`);
    say("update.cmd started; it swaps the binary once the agent has exited");
  } else {
    swapInNew(bin);
    say(`swapped: ${bin} is ${version}, ${bin}.old is ${VERSION}`);
    if (manager === "launchd") await kickstart(ctx.config, say);
    else if (agentPid) requestAgentRestart(ctx.stateDir, agentPid, `update to ${version}`);
  }
  const { healthGraceSeconds, soakSeconds } = ctx.config.update;
  const unhealthy = await awaitHealthy(
    ctx.stateDir,
    { version, sha256: entry.sha256, after: swappedAt },
    healthGraceSeconds * 1000,
    soakSeconds * 1000,
    say,
  );
  if (!unhealthy) {
    return {
      state: "succeeded",
      exitCode: 0,
      reason: `updated ${VERSION} → ${version}`,
      outcome: { op: "update", kind: "updated", version },
    };
  }

  say(`rolling back: ${unhealthy}`);
  if (process.platform !== "win32" && existsSync(`${bin}.old`)) rollBack(bin);
  await restartAgentService(ctx.config, ctx.stateDir, say);
  // However short the grace for the new binary, the old one gets a fair time to come back.
  const back = await awaitHealthy(
    ctx.stateDir,
    { version: VERSION, sha256: selfSha256(), after: Date.now() },
    Math.max(healthGraceSeconds * 1000, ROLLBACK_CONFIRM_MS),
    0,
    say,
  );
  const after = back ? `; the previous agent has not come back either: ${back}` : `; back on ${VERSION}`;
  return {
    state: "failed",
    exitCode: null,
    reason: `rolled back: ${unhealthy}${after}`,
    outcome: { op: "update", kind: "rolled_back", reason: unhealthy.slice(0, 2000), restored: back === null },
  };
}
