// Loaded before every test file (bunfig.toml [test] preload). e2e tests start real
// processes and compile real binaries; Bun's 5 s default per test is far too short, and
// bunfig's own `timeout` key is not honoured by this Bun version.
import { setDefaultTimeout } from "bun:test";

setDefaultTimeout(120_000);
