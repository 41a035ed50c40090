-- Nodes each collection found not ready (their Ready condition not True), with the kubelet's
-- reason: shown per cluster on the Clusters page.
create table node_not_ready (
    collection_id bigint not null references collection on delete cascade,
    node          text not null,
    reason        text not null,
    primary key (collection_id, node)
);
