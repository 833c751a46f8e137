// The process's own series, from prom-client's default metrics: one registry per process (there
// is one event loop and one CPU count, however many apps a test starts). Only the defaults that
// are true under Bun are kept: checked under Bun 1.4.5, the event-loop delay histogram caught a
// 200 ms block and CPU, RSS and open fds are read from the OS, while the V8 heap spaces, active
// handles and requests read 0, process_heap_bytes reads the whole address space and the GC
// histogram never fills (Bun runs JavaScriptCore); those would be series that pretend.
import { collectDefaultMetrics, Registry } from "prom-client";

const KEPT = new Set([
  "process_cpu_user_seconds_total",
  "process_cpu_system_seconds_total",
  "process_cpu_seconds_total",
  "process_start_time_seconds",
  "process_resident_memory_bytes",
  "process_open_fds",
  "process_max_fds",
  "nodejs_eventloop_lag_seconds",
  "nodejs_eventloop_lag_min_seconds",
  "nodejs_eventloop_lag_max_seconds",
  "nodejs_eventloop_lag_mean_seconds",
  "nodejs_eventloop_lag_stddev_seconds",
  "nodejs_eventloop_lag_p50_seconds",
  "nodejs_eventloop_lag_p90_seconds",
  "nodejs_eventloop_lag_p99_seconds",
]);

let registry: Registry | null = null;

export function processMetrics(): Registry {
  if (registry) return registry;
  registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  for (const metric of registry.getMetricsAsArray())
    if (!KEPT.has(metric.name)) registry.removeSingleMetric(metric.name);
  return registry;
}
