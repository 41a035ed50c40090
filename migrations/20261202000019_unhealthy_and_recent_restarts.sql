-- "Unhealthy" has one definition (domain::health::pod_problems), computed by the collector and
-- stored, so every page, the API and /metrics read the same count. Restarts are cumulative in
-- Kubernetes; restarts_24h holds those since the collection nearest 24 hours earlier (null on
-- a cluster's first collection, when nothing earlier is known).

alter table namespace_state add column unhealthy integer not null default 0,
                            add column restarts_24h integer;
alter table workload_state add column unhealthy integer not null default 0,
                           add column restarts_24h integer;

-- Rows written before the definition: the closest the stored counts allow.
update namespace_state set unhealthy = pending + failed + crash_looping;
update workload_state set unhealthy = pending + failed + crash_looping;
