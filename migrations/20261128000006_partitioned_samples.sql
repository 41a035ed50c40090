-- Samples over time on daily partitions, with hourly and daily rollups.
--
-- The per-collection samples (pod health, quota usage, GPU utilisation, tenant scores) move to
-- tables range-partitioned by the collection's start time, one partition a day, so that raw
-- retention drops whole partitions. Hourly and daily rollups keep the history beyond it.

create function rampart_ensure_partition(parent text, day date) returns void
language plpgsql as $$
begin
    execute format('create table if not exists %I partition of %I for values from (%L) to (%L)',
                   parent || '_' || to_char(day, 'YYYYMMDD'), parent,
                   day::timestamp at time zone 'UTC', (day + 1)::timestamp at time zone 'UTC');
end $$;

-- namespace_state
alter table namespace_state rename to namespace_state_unpartitioned;
create table namespace_state (like namespace_state_unpartitioned including defaults including constraints,
                              collected_at timestamptz not null,
                              primary key (collection_id, namespace, collected_at),
                              foreign key (collection_id) references collection on delete cascade)
    partition by range (collected_at);
create index namespace_state_collection_tenant_idx on namespace_state (collection_id, tenant);

-- quota_usage
alter table quota_usage rename to quota_usage_unpartitioned;
create table quota_usage (like quota_usage_unpartitioned including defaults including constraints,
                          collected_at timestamptz not null,
                          primary key (collection_id, namespace, quota, resource, collected_at),
                          foreign key (collection_id) references collection on delete cascade)
    partition by range (collected_at);

-- gpu_sample
alter table gpu_sample rename to gpu_sample_unpartitioned;
create table gpu_sample (like gpu_sample_unpartitioned including defaults including constraints,
                         collected_at timestamptz not null,
                         foreign key (collection_id) references collection on delete cascade)
    partition by range (collected_at);
create index gpu_sample_collection_tenant_idx on gpu_sample (collection_id, tenant);

-- tenant_score
alter table tenant_score rename to tenant_score_unpartitioned;
create table tenant_score (like tenant_score_unpartitioned including defaults including constraints,
                           collected_at timestamptz not null,
                           primary key (collection_id, tenant, collected_at),
                           foreign key (collection_id) references collection on delete cascade)
    partition by range (collected_at);

select rampart_ensure_partition(t, d)
from (values ('namespace_state'), ('quota_usage'), ('gpu_sample'), ('tenant_score')) tables(t),
     (select distinct (started_at at time zone 'UTC')::date as d from collection) days;

insert into namespace_state select s.*, c.started_at from namespace_state_unpartitioned s join collection c using (collection_id);
insert into quota_usage select s.*, c.started_at from quota_usage_unpartitioned s join collection c using (collection_id);
insert into gpu_sample select s.*, c.started_at from gpu_sample_unpartitioned s join collection c using (collection_id);
insert into tenant_score select s.*, c.started_at from tenant_score_unpartitioned s join collection c using (collection_id);
drop table namespace_state_unpartitioned, quota_usage_unpartitioned, gpu_sample_unpartitioned, tenant_score_unpartitioned;

-- Rollups: one row per resolution ('hour' or 'day'), bucket, cluster and tenant (or namespace).
create table tenant_rollup (
    resolution text not null check (resolution in ('hour', 'day')),
    bucket     timestamptz not null,
    cluster_id bigint not null references cluster on delete cascade,
    tenant     text not null,
    score_avg  double precision not null,
    score_max  double precision not null,
    workloads  integer not null,
    critical   integer not null,
    high       integer not null,
    medium     integer not null,
    low        integer not null,
    primary key (resolution, bucket, cluster_id, tenant)
);
create index tenant_rollup_tenant_idx on tenant_rollup (tenant, resolution, bucket);

create table namespace_rollup (
    resolution       text not null check (resolution in ('hour', 'day')),
    bucket           timestamptz not null,
    cluster_id       bigint not null references cluster on delete cascade,
    tenant           text not null,
    namespace        text not null,
    pods_avg         double precision not null,
    unhealthy_avg    double precision not null,
    restarts_max     integer not null,
    headroom_min_pct double precision,
    gpu_util_avg     double precision,
    primary key (resolution, bucket, cluster_id, namespace)
);
create index namespace_rollup_tenant_idx on namespace_rollup (tenant, resolution, bucket);
