-- GPU capacity next to use: per GPU node and collection, what it has, what its running pods
-- hold, what reports metrics and what sits idle (cluster data, not any tenant's); and per
-- namespace the pods waiting for GPUs the scheduler cannot find.

create table gpu_node_state (
    collection_id bigint not null references collection on delete cascade,
    collected_at  timestamptz not null,
    node          text not null,
    capacity      double precision not null,
    allocatable   double precision not null,
    allocated     double precision not null,
    metered       double precision not null,
    idle          double precision not null,
    primary key (collection_id, node, collected_at)
) partition by range (collected_at);

select rampart_ensure_partition('gpu_node_state', d)
from (select distinct (started_at at time zone 'UTC')::date as d from collection) days;

alter table namespace_state add column gpu_pending_pods integer not null default 0,
                            add column gpu_pending double precision not null default 0;
