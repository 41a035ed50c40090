-- GPU idle time and MIG. Each GPU sample carries the hours of its collection's window that the
-- device sat idle while allocated (from Prometheus' query_range, or held from one scrape), the
-- profiling metric DCGM_FI_PROF_GR_ENGINE_ACTIVE when the exporter reports it, and the MIG
-- profile of a MIG instance. Workloads' GPU requests and devices become GPU equivalents, so a
-- 1g.10gb MIG instance counts as 1/7 of a GPU, not as a whole one.
alter table gpu_sample add column idle_hours double precision not null default 0,
                       add column engine_active_pct double precision,
                       add column mig_profile text;
create index gpu_sample_collected_tenant_idx on gpu_sample (collected_at, tenant);

alter table workload_state alter column gpus_requested type double precision,
                           alter column gpus_in_use type double precision;
