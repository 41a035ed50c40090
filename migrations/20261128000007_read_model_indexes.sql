-- Faster history reads: events carry their finding's tenant (filled on insert), and the indexes
-- the explanation, MTTR and score history need.

alter table finding_event add column tenant text;
update finding_event e set tenant = s.tenant from finding_state s where s.finding_id = e.finding_id;
alter table finding_event alter column tenant set not null;
create index finding_event_tenant_at_idx on finding_event (tenant, at);

create index finding_state_open_contribution_idx on finding_state (tenant, contribution desc) where resolved_at is null;
create index tenant_score_collected_at_idx on tenant_score (collected_at);
