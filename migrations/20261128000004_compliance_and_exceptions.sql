-- Compliance status per day, cluster, tenant and control; risk acceptances (exceptions) with
-- their audit trail; and, per finding, the exception that covers it and its score contribution.

create table compliance_status (
    day        date not null,
    cluster_id bigint not null references cluster on delete cascade,
    tenant     text not null,
    framework  text not null,
    control    text not null,
    status     text not null check (status in ('pass', 'fail', 'partial', 'manual', 'not-assessable')),
    findings   integer not null,
    primary key (day, cluster_id, tenant, framework, control)
);
create index compliance_status_tenant_idx on compliance_status (tenant, day);

create table exception (
    exception_id     bigserial primary key,
    rule_id          text not null,
    tenant           text not null,
    namespace        text,
    object_kind      text,
    object_name      text,
    justification    text not null check (length(justification) >= 10),
    requested_by     text not null,
    requested_at     timestamptz not null default now(),
    approved_by      text,
    approved_at      timestamptz,
    revoked_by       text,
    revoked_at       timestamptz,
    expires_at       timestamptz not null,
    check (object_name is null or object_kind is not null),
    check (approved_by is null or approved_by <> requested_by)
);
create index exception_active_idx on exception (tenant) where revoked_at is null;

create table audit_event (
    audit_id bigserial primary key,
    at       timestamptz not null default now(),
    actor    text not null,
    action   text not null,
    subject  text not null,
    before   jsonb,
    after    jsonb
);
create index audit_event_at_idx on audit_event (at);

alter table finding_state
    add column exception_id bigint references exception on delete set null,
    add column contribution double precision not null default 0;
