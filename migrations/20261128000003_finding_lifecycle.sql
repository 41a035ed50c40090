-- Findings get an identity and a lifecycle. A finding is identified per cluster by its
-- fingerprint (rule, object, container, evidence paths). Each collection is diffed against the
-- cluster's findings: new ones are opened, gone ones resolved, returning ones reopened, and each
-- transition is an event. A collection in which nothing changed writes no finding rows at all.
--
-- The per-collection `finding` table of the first schema is converted: each distinct finding
-- becomes a state row (first seen in its earliest collection; resolved at the collection after
-- its last one unless it is in the cluster's latest collection), with its opening and resolving
-- events. Reopen cycles inside that older history are not reconstructed.

create function finding_fingerprint(rule_id text, object_kind text, object_namespace text, object_name text,
                                    container text, evidence text[])
returns text language sql immutable parallel safe as $$
    select md5(concat_ws(chr(31), rule_id, object_kind, coalesce(object_namespace, ''), object_name,
                         coalesce(container, ''), array_to_string(evidence, chr(30))))
$$;

create table finding_state (
    finding_id       bigserial primary key,
    cluster_id       bigint not null references cluster on delete cascade,
    fingerprint      text not null,
    tenant           text not null,
    rule_id          text not null,
    severity         text not null check (severity in ('critical', 'high', 'medium', 'low', 'info')),
    object_kind      text not null,
    object_namespace text,
    object_name      text not null,
    container        text,
    message          text not null,
    controls         text[] not null,
    evidence         text[] not null,
    first_seen       timestamptz not null,
    -- while resolved: the last collection it was seen in; null while open
    last_seen        timestamptz,
    resolved_at      timestamptz,
    reopen_count     integer not null default 0,
    unique (cluster_id, fingerprint)
);
create index finding_state_open_idx on finding_state (tenant, severity) where resolved_at is null;

create table finding_event (
    finding_id    bigint not null references finding_state on delete cascade,
    collection_id bigint not null references collection on delete cascade,
    at            timestamptz not null,
    kind          text not null check (kind in ('opened', 'resolved', 'reopened')),
    primary key (finding_id, at)
);
create index finding_event_at_idx on finding_event (at, finding_id);

insert into finding_state (cluster_id, fingerprint, tenant, rule_id, severity, object_kind, object_namespace,
                           object_name, container, message, controls, evidence, first_seen, last_seen)
select distinct on (c.cluster_id, x.fp)
       c.cluster_id, x.fp, f.tenant, f.rule_id, f.severity, f.object_kind, f.object_namespace, f.object_name,
       f.container, f.message, f.controls, f.evidence,
       min(c.started_at) over (partition by c.cluster_id, x.fp),
       max(c.started_at) over (partition by c.cluster_id, x.fp)
from finding f
join collection c using (collection_id)
cross join lateral (select finding_fingerprint(f.rule_id, f.object_kind, f.object_namespace, f.object_name,
                                               f.container, f.evidence) as fp) x
order by c.cluster_id, x.fp, c.started_at desc;

update finding_state s
set resolved_at = (select min(c.started_at) from collection c where c.cluster_id = s.cluster_id and c.started_at > s.last_seen)
where s.last_seen < (select max(c.started_at) from collection c where c.cluster_id = s.cluster_id);

update finding_state set last_seen = null where resolved_at is null;

insert into finding_event (finding_id, collection_id, at, kind)
select s.finding_id, c.collection_id, s.first_seen, 'opened'
from finding_state s join collection c on c.cluster_id = s.cluster_id and c.started_at = s.first_seen;

insert into finding_event (finding_id, collection_id, at, kind)
select s.finding_id, c.collection_id, s.resolved_at, 'resolved'
from finding_state s join collection c on c.cluster_id = s.cluster_id and c.started_at = s.resolved_at;

drop table finding;
