// The repository contract (repository-contract/) against the repository over the JSON store,
// on a fresh data directory each time; a PostgreSQL repository would be listed beside it.
import { afterAll } from "bun:test";
import { JsonRepository } from "../../server/repository/json.ts";
import { openJsonStore } from "../../server/store/json-store.ts";
import { removeTempDirs, silentLog, tempDir } from "./helpers.ts";
import { type RepositoryUnderTest, repositoryContract } from "./repository-contract/index.ts";

afterAll(removeTempDirs);

async function openJson(): Promise<RepositoryUnderTest> {
  const store = openJsonStore({
    dataDir: tempDir(),
    lazyFlushMs: 60_000,
    auditMaxBytes: 1 << 20,
    log: silentLog,
  });
  return {
    repo: new JsonRepository(store, silentLog),
    seed: {
      token: (token) => store.putEnrollToken(token),
      host: (host) => store.putHost(host),
      job: (job) => store.putJob(job),
      rollout: (rollout) => store.putRollout(rollout),
      alert: (alert) => store.putAlert(alert),
    },
    read: {
      token: (tokenHash) => store.getEnrollToken(tokenHash),
      hosts: () => store.listHosts(),
      job: (id) => store.getJob(id),
      output: (jobId) => store.readOutput(jobId),
      rollouts: () => store.listRollouts(),
      alerts: () => store.listAlerts(),
      silences: () => store.listAlertSilences(),
      channels: () => store.listChannels(),
      delivery: (id) => store.getDelivery(id),
    },
    removeChannel: (id) => store.deleteChannel(id),
    close: () => store.close(),
  };
}

repositoryContract("JSON", openJson);
