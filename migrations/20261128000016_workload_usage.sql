-- CPU and memory each workload's pods use, from metrics-server (metrics.k8s.io) when the
-- cluster serves it: null when it does not.
alter table workload_state add column cpu_usage_millis double precision,
                           add column memory_usage_mib double precision;
