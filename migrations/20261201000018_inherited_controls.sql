-- A control evidenced only by the cluster's own shared objects (the API server's flags and
-- exposure) has the cluster's status for every tenant: marked as inherited, not the tenant's own.
alter table compliance_status add column inherited boolean not null default false;

-- The interval a cluster is configured to be collected at, as its collector last said: what
-- the Clusters page shows (the measured gaps follow it only after enough collections).
alter table cluster add column interval_s double precision;
