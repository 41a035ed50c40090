-- The walking skeleton's store: one row per collection of one cluster, and the assessment it
-- yielded (findings, pod health, quota usage, GPU samples, tenant scores), keyed by collection.

create table cluster (
    cluster_id    bigserial primary key,
    name          text not null unique,
    created_at    timestamptz not null default now(),
    last_error    text,
    last_error_at timestamptz
);

create table collection (
    collection_id bigserial primary key,
    cluster_id    bigint not null references cluster on delete cascade,
    started_at    timestamptz not null,
    finished_at   timestamptz not null,
    object_count  integer not null
);
create index collection_latest_idx on collection (cluster_id, started_at desc);

create table namespace_state (
    collection_id bigint not null references collection on delete cascade,
    namespace     text not null,
    tenant        text not null,
    workloads     integer not null,
    pods          integer not null,
    running       integer not null,
    pending       integer not null,
    succeeded     integer not null,
    failed        integer not null,
    crash_looping integer not null,
    oom_killed    integer not null,
    restarts      integer not null,
    primary key (collection_id, namespace)
);
create index namespace_state_tenant_idx on namespace_state (collection_id, tenant);

create table finding (
    finding_id       bigserial primary key,
    collection_id    bigint not null references collection on delete cascade,
    tenant           text not null,
    rule_id          text not null,
    severity         text not null check (severity in ('critical', 'high', 'medium', 'low', 'info')),
    object_kind      text not null,
    object_namespace text,
    object_name      text not null,
    container        text,
    message          text not null,
    controls         text[] not null
);
create index finding_tenant_idx on finding (collection_id, tenant);

create table quota_usage (
    collection_id bigint not null references collection on delete cascade,
    tenant        text not null,
    namespace     text not null,
    quota         text not null,
    resource      text not null,
    used          double precision not null,
    hard          double precision not null,
    primary key (collection_id, namespace, quota, resource)
);

create table gpu_sample (
    collection_id   bigint not null references collection on delete cascade,
    tenant          text not null,
    namespace       text not null,
    pod             text not null,
    container       text not null,
    gpu             text not null,
    uuid            text not null,
    hostname        text not null,
    utilisation_pct double precision not null,
    memory_used_mib double precision not null
);
create index gpu_sample_tenant_idx on gpu_sample (collection_id, tenant);

create table tenant_score (
    collection_id bigint not null references collection on delete cascade,
    tenant        text not null,
    score         double precision not null check (score between 0 and 100),
    workloads     integer not null,
    findings      integer not null,
    primary key (collection_id, tenant)
);
