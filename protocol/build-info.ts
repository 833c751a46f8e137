// The one version string of a build. `scripts/build.ts` injects it into all three
// programs with `--define`; running from source reports a dev version.
declare const FLEET_BUILD_VERSION: string | undefined;

export const VERSION: string = typeof FLEET_BUILD_VERSION === "string" ? FLEET_BUILD_VERSION : "0.0.0-dev";

/** Running from the source tree (`bun server/main.ts`, `npm start`), not a compiled build. */
export const FROM_SOURCE: boolean = typeof FLEET_BUILD_VERSION !== "string";
