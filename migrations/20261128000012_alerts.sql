-- Alerts raised by the configured rules, deduplicated by key, and their delivery to each webhook.
create table alert (
    alert_id   bigserial primary key,
    dedup_key  text not null unique,
    kind       text not null check (kind in ('new-critical', 'score-rise', 'cluster-stale', 'quota-high')),
    tenant     text,
    summary    text not null,
    created_at timestamptz not null default now()
);
create index alert_created_at_idx on alert (created_at);

create table alert_delivery (
    alert_id   bigint not null references alert on delete cascade,
    webhook    text not null,
    status     text not null check (status in ('sent', 'failed')),
    attempts   integer not null,
    last_error text,
    updated_at timestamptz not null default now(),
    primary key (alert_id, webhook)
);
