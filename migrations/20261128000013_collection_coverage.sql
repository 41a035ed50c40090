-- What each collection could read: objects per kind, and the kinds it could not list (a 403,
-- or an API the cluster does not serve) with why. Rules reading a missing kind are recorded in
-- rule_not_assessable; their findings are neither opened nor resolved by that collection.
create table collection_coverage (
    collection_id bigint not null references collection on delete cascade,
    kind          text not null,
    objects       integer not null,
    gap           text,
    primary key (collection_id, kind)
);
