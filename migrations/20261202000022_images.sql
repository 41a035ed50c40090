-- Images as records of their own. An image (by digest when known, else repository:tag) is
-- stored once however many workloads of however many clusters run it, with its CVEs and its
-- packages; a collection rewrites an image's rows only when its scan changed (the digests of
-- its CVE and package lists say so). Which container runs which image is a per-collection
-- sample like workload_state. A CVE's own lifecycle is kept per cluster: first seen, and fixed
-- once no workload there runs an image with it.

create table image (
    image_id               bigserial primary key,
    image_key              text not null unique,
    registry               text not null,
    -- The repository with its registry (ghcr.io/team/api), as findings name it.
    repository             text not null,
    tag                    text not null,
    digest                 text,
    scanned_at             timestamptz,
    vulnerabilities_digest text not null,
    packages_digest        text not null default '',
    first_seen             timestamptz not null
);
create index image_repository_idx on image (repository);

create table image_vulnerability (
    image_id          bigint not null references image on delete cascade,
    vulnerability_id  text not null,
    package           text not null,
    installed_version text not null,
    fixed_version     text,
    severity          text not null,
    title             text not null,
    score             double precision,
    vector            text,
    link              text,
    published_at      timestamptz,
    primary key (image_id, vulnerability_id, package, installed_version)
);
create index image_vulnerability_cve_idx on image_vulnerability (vulnerability_id);
create index image_vulnerability_package_idx on image_vulnerability (lower(package));

create table image_package (
    image_id bigint not null references image on delete cascade,
    name     text not null,
    version  text not null,
    purl     text not null,
    primary key (image_id, name, version)
);
create index image_package_name_idx on image_package (lower(name));

create table workload_image (
    collection_id bigint not null references collection on delete cascade,
    collected_at  timestamptz not null,
    tenant        text not null,
    namespace     text not null,
    kind          text not null,
    name          text not null,
    container     text not null,
    image_id      bigint not null references image,
    primary key (collection_id, namespace, kind, name, container, image_id, collected_at)
) partition by range (collected_at);
create index workload_image_image_idx on workload_image (image_id, collection_id);

select rampart_ensure_partition('workload_image', d)
from (select distinct (started_at at time zone 'UTC')::date as d from collection) days;

create table cve_state (
    cluster_id       bigint not null references cluster on delete cascade,
    vulnerability_id text not null,
    first_seen       timestamptz not null,
    -- When no workload of the cluster ran an image with it any more; null while it is present.
    fixed_at         timestamptz,
    primary key (cluster_id, vulnerability_id)
);

-- Trivy Operator's own verdict per control (ClusterComplianceReport), shown beside Rampart's.
create table trivy_control_status (
    collection_id bigint not null references collection on delete cascade,
    framework     text not null,
    control       text not null,
    report        text not null,
    status        text not null,
    failed_checks integer not null,
    primary key (collection_id, framework, control, report)
);
