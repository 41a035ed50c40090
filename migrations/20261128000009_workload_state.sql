-- Per-collection workload samples for the namespace and workload pages: requests, images, pod
-- health, why pods are unwell, and GPU use. Daily partitions like the other samples.

create table workload_state (
    collection_id       bigint not null references collection on delete cascade,
    collected_at        timestamptz not null,
    tenant              text not null,
    namespace           text not null,
    kind                text not null,
    name                text not null,
    images              text[] not null,
    cpu_request_millis  integer not null,
    memory_request_mib  integer not null,
    gpus_requested      integer not null,
    pods                integer not null,
    ready               integer not null,
    running             integer not null,
    pending             integer not null,
    failed              integer not null,
    crash_looping       integer not null,
    oom_killed          integer not null,
    restarts            integer not null,
    problems            text[] not null,
    gpus_in_use         integer not null,
    gpu_utilisation_pct double precision,
    primary key (collection_id, namespace, kind, name, collected_at)
) partition by range (collected_at);
create index workload_state_collection_tenant_idx on workload_state (collection_id, tenant, namespace);

select rampart_ensure_partition('workload_state', d)
from (select distinct (started_at at time zone 'UTC')::date as d from collection) days;
