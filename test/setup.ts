// Loaded before test files (bunfig.toml [test] preload). e2e tests start real
// processes and compile real binaries; Bun's 5 s default per test is far too short, and
// bunfig's own `timeout` key is not honoured by this Bun version. In a run of several files
// Bun applies this only to the first one, so `npm test` also passes --timeout.
import { afterAll, setDefaultTimeout } from "bun:test";
import { removeTempDirs } from "./harness/temp-dir.ts";

setDefaultTimeout(120_000);

// Every fleetd the tests start as a child (in-process ones get it from testConfig) checks each answer against the route
// table's declared response (server/routes/define.ts): a handler that drifts fails its test.
process.env.FLEET_CHECK_RESPONSES = "1";

// Temp dirs (data dirs, built artifacts, wine prefixes: some hundreds of MB each) go when the
// whole run ends. The harness's own exit handler does not run under bun test, and a full run
// otherwise leaves gigabytes behind in /tmp.
afterAll(removeTempDirs);
