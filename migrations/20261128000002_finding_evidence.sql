-- Each finding names the field paths that offend (spec.containers[0].securityContext.privileged),
-- and each collection records the rules it could not assess (their input was not visible).

alter table finding add column evidence text[] not null default '{}';

create table rule_not_assessable (
    collection_id bigint not null references collection on delete cascade,
    rule_id       text not null,
    reason        text not null,
    primary key (collection_id, rule_id)
);
