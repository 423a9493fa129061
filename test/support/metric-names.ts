/**
 * The metric names Gatehouse serves on METRICS_PORT (docs/metrics.md), which the Grafana
 * dashboard and the Prometheus configuration in deploy/ may use, with their types.
 */
export const GATEHOUSE_METRICS: Readonly<Record<string, 'counter' | 'gauge' | 'histogram'>> = {
  gatehouse_http_requests_total: 'counter',
  gatehouse_http_request_duration_seconds: 'histogram',
  gatehouse_tokens_issued_total: 'counter',
  gatehouse_client_auth_failures_total: 'counter',
  gatehouse_access_decisions_total: 'counter',
  gatehouse_access_decision_duration_seconds: 'histogram',
  gatehouse_bcrypt_queue_depth: 'gauge',
  gatehouse_bcrypt_wait_seconds: 'histogram',
  gatehouse_db_pool_connections: 'gauge',
  gatehouse_db_pool_wait_seconds: 'histogram',
  gatehouse_change_bus_lag_seconds: 'histogram',
  gatehouse_change_bus_reloads_total: 'counter',
  gatehouse_cache_requests_total: 'counter',
  gatehouse_rate_limit_rejections_total: 'counter',
  gatehouse_signing_key_age_seconds: 'gauge',
  gatehouse_readiness: 'gauge',
};

/** prom-client 15's collectDefaultMetrics with the prefix `gatehouse_`: process and Node. */
export const PROCESS_METRICS: Readonly<Record<string, 'counter' | 'gauge' | 'histogram'>> = {
  gatehouse_process_cpu_user_seconds_total: 'counter',
  gatehouse_process_cpu_system_seconds_total: 'counter',
  gatehouse_process_cpu_seconds_total: 'counter',
  gatehouse_process_start_time_seconds: 'gauge',
  gatehouse_process_resident_memory_bytes: 'gauge',
  gatehouse_process_virtual_memory_bytes: 'gauge',
  gatehouse_process_heap_bytes: 'gauge',
  gatehouse_process_open_fds: 'gauge',
  gatehouse_process_max_fds: 'gauge',
  gatehouse_nodejs_eventloop_lag_seconds: 'gauge',
  gatehouse_nodejs_eventloop_lag_min_seconds: 'gauge',
  gatehouse_nodejs_eventloop_lag_max_seconds: 'gauge',
  gatehouse_nodejs_eventloop_lag_mean_seconds: 'gauge',
  gatehouse_nodejs_eventloop_lag_stddev_seconds: 'gauge',
  gatehouse_nodejs_eventloop_lag_p50_seconds: 'gauge',
  gatehouse_nodejs_eventloop_lag_p90_seconds: 'gauge',
  gatehouse_nodejs_eventloop_lag_p99_seconds: 'gauge',
  gatehouse_nodejs_active_resources: 'gauge',
  gatehouse_nodejs_active_resources_total: 'gauge',
  gatehouse_nodejs_active_handles: 'gauge',
  gatehouse_nodejs_active_handles_total: 'gauge',
  gatehouse_nodejs_active_requests: 'gauge',
  gatehouse_nodejs_active_requests_total: 'gauge',
  gatehouse_nodejs_heap_size_total_bytes: 'gauge',
  gatehouse_nodejs_heap_size_used_bytes: 'gauge',
  gatehouse_nodejs_external_memory_bytes: 'gauge',
  gatehouse_nodejs_heap_space_size_total_bytes: 'gauge',
  gatehouse_nodejs_heap_space_size_used_bytes: 'gauge',
  gatehouse_nodejs_heap_space_size_available_bytes: 'gauge',
  gatehouse_nodejs_version_info: 'gauge',
  gatehouse_nodejs_gc_duration_seconds: 'histogram',
};

const HISTOGRAM_SERIES = ['_bucket', '_sum', '_count'];

/**
 * The `gatehouse_*` series names in a PromQL expression that Gatehouse does not serve: a name
 * must be a metric above, or a histogram's `_bucket`, `_sum` or `_count` series.
 */
export function unknownMetricNames(expression: string): string[] {
  const known = { ...GATEHOUSE_METRICS, ...PROCESS_METRICS };
  const served = (name: string): boolean =>
    Object.hasOwn(known, name) ||
    HISTOGRAM_SERIES.some(
      (suffix) => name.endsWith(suffix) && known[name.slice(0, -suffix.length)] === 'histogram',
    );
  return [...new Set(expression.match(/\bgatehouse_[a-zA-Z0-9_:]*/g) ?? [])].filter(
    (name) => !served(name),
  );
}
