// Shared helpers for tests that use real binaries, real processes and real directories.

export { freePort } from "../../lib/free-port.ts";
export { type ArtifactsDir, addBrokenAgent, copyArtifacts, readManifest, sign } from "./artifacts.ts";
export { type Binaries, ensureBinaries, sourceHash } from "./binaries.ts";
export {
  type ConfigRepo,
  createConfigRepo,
  createSwitchStubs,
  git,
  type Stubs,
  writeExecutable,
} from "./config-repo.ts";
export { spawnLogged, TestAgent, TestFleet } from "./fleet.ts";
export {
  BUILD_FAILS,
  configFlake,
  createNixConfigRepo,
  NIX_TEST_CONFIG,
  type NixConfigRepo,
  nix,
  nixEnv,
  nixSystem,
  SWITCH_STANDIN,
  switchWithStandin,
} from "./nix.ts";
export { type RunOptions, type RunResult, runToEnd } from "./run-to-end.ts";
export { removeTempDirs, tempDir } from "./temp-dir.ts";
export {
  DEFAULT_WAIT_INTERVAL_MS,
  DEFAULT_WAIT_TIMEOUT_MS,
  type WaitForOptions,
  waitFor,
} from "./wait-for.ts";
