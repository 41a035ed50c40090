-- Read-model speed: each collection stores its tenants' open findings by severity beside their
-- scores, so the overview reads one small row per tenant instead of counting findings; and the
-- tenant filter of finding reads is indexed.

alter table tenant_score
    add column critical integer not null default 0,
    add column high     integer not null default 0,
    add column medium   integer not null default 0,
    add column low      integer not null default 0;

-- Every stored collection gets the counts of the findings that were open when it ran.
update tenant_score ts set critical = c.critical, high = c.high, medium = c.medium, low = c.low
from (select col.collection_id, s.tenant,
             count(*) filter (where s.severity = 'critical') as critical,
             count(*) filter (where s.severity = 'high') as high,
             count(*) filter (where s.severity = 'medium') as medium,
             count(*) filter (where s.severity = 'low') as low
      from collection col
      join finding_state s on s.cluster_id = col.cluster_id
       and s.first_seen <= col.started_at and (s.resolved_at is null or s.resolved_at > col.started_at)
      group by col.collection_id, s.tenant) c
where ts.collection_id = c.collection_id and ts.tenant = c.tenant;

create index finding_state_tenant_idx on finding_state (tenant, first_seen);
