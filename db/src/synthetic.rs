//! A synthetic history at production scale, generated inside PostgreSQL, for the query
//! benchmark: hourly collections for the last 14 days and daily ones for the 76 days before,
//! each tenant's namespaces with pod health, quotas and GPU samples, a lifecycle of findings
//! with events spread over the whole period, and daily compliance statuses.

use sqlx::PgPool;

use crate::Result;

/// The size of the synthetic history.
#[derive(Debug, Clone, Copy)]
pub struct HistoryShape {
    pub tenants: i32,
    pub namespaces_per_tenant: i32,
    pub pods: i32,
    pub days: i32,
    /// Open and resolved findings in all.
    pub findings: i32,
}

impl Default for HistoryShape {
    fn default() -> Self {
        HistoryShape { tenants: 50, namespaces_per_tenant: 40, pods: 100_000, days: 90, findings: 250_000 }
    }
}

/// Fills an empty database with the history `shape` describes under cluster `bench`.
pub async fn fill_history(pool: &PgPool, shape: HistoryShape) -> Result<()> {
    let mut tx = pool.begin().await?;
    let statements = [
        "insert into cluster (name) values ('bench')",
        // Hourly for the last 14 days, daily before that.
        "insert into collection (cluster_id, started_at, finished_at, object_count)
         select (select cluster_id from cluster where name = 'bench'), t, t + interval '20 seconds', $3 * 3
         from (select generate_series(now() - make_interval(days => $4), now() - interval '14 days', interval '1 day') as t
               union
               select generate_series(now() - interval '14 days' + interval '1 hour', now(), interval '1 hour')) times",
        "select rampart_ensure_partition(t, d)
         from unnest(array['namespace_state', 'quota_usage', 'gpu_sample', 'tenant_score']) t,
              (select distinct (started_at at time zone 'UTC')::date as d from collection) days",
        "create temp table bench_namespace on commit drop as
         select 'team' || lpad(t::text, 3, '0') as tenant,
                'team' || lpad(t::text, 3, '0') || '-ns' || lpad(n::text, 2, '0') as namespace
         from generate_series(1, $1) t, generate_series(1, $2) n",
        "insert into namespace_state (collection_id, namespace, tenant, workloads, pods, running, pending, succeeded,
             failed, crash_looping, oom_killed, restarts, unhealthy, restarts_24h, collected_at)
         select c.collection_id, ns.namespace, ns.tenant, $3 / ($1 * $2) / 3, $3 / ($1 * $2),
                $3 / ($1 * $2) - 3, (c.collection_id + length(ns.namespace)) % 3, 0, 0, 1,
                (c.collection_id % 2)::int, (c.collection_id % 50)::int,
                (c.collection_id + length(ns.namespace)) % 3 + 1, (c.collection_id % 5)::int, c.started_at
         from collection c, bench_namespace ns",
        "insert into tenant_score (collection_id, tenant, score, workloads, findings, critical, high, medium, low, collected_at)
         select c.collection_id, t.tenant, least(100, 20 + (abs(hashtext(t.tenant)) % 60) + (c.collection_id % 7)),
                $3 / $1 / 3, 3500, 700, 700, 700, 1400, c.started_at
         from collection c, (select distinct tenant from bench_namespace) t",
        "insert into quota_usage (collection_id, tenant, namespace, quota, resource, used, hard, collected_at)
         select c.collection_id, ns.tenant, ns.namespace, 'compute', r.resource, 10 + (c.collection_id % 40), 64, c.started_at
         from collection c, bench_namespace ns, (values ('requests.cpu'), ('requests.nvidia.com/gpu')) r(resource)",
        "insert into gpu_sample (collection_id, tenant, namespace, pod, container, gpu, uuid, hostname, utilisation_pct,
             memory_used_mib, collected_at)
         select c.collection_id, ns.tenant, ns.namespace, 'train-' || g, 'main', (g % 8)::text, 'GPU-' || g, 'gpu-' || (g / 8),
                (g * 37 + c.collection_id) % 100, 40960, c.started_at
         from collection c, bench_namespace ns, generate_series(1, 1) g",
        "insert into finding_state (cluster_id, fingerprint, tenant, rule_id, severity, object_kind, object_namespace,
             object_name, container, message, controls, evidence, first_seen, resolved_at, last_seen, contribution)
         select (select cluster_id from cluster where name = 'bench'), md5(i::text), ns.tenant,
                (array['pod.privileged', 'pod.host-path', 'workload.missing-limits', 'pod.run-as-non-root', 'network.no-default-deny'])[1 + i % 5],
                (array['critical', 'high', 'low', 'medium', 'low'])[1 + i % 5], 'Deployment', ns.namespace, 'workload-' || (i % 5000),
                'app', 'synthetic finding', array['cis:5.2.2'], array['spec.template.spec.containers[0]'],
                now() - make_interval(days => $4) + (i % ($4 * 24)) * interval '1 hour',
                case when i % 10 < 3 then now() - make_interval(days => $4) + ((i % ($4 * 24)) + 48) * interval '1 hour' end,
                case when i % 10 < 3 then now() - make_interval(days => $4) + ((i % ($4 * 24)) + 47) * interval '1 hour' end,
                (array[10, 4, 0.25, 1, 0.25])[1 + i % 5]
         from generate_series(1, $5) i
         join (select row_number() over () as k, tenant, namespace from bench_namespace) ns on ns.k = 1 + i % ($1 * $2)",
        "update finding_state set resolved_at = null, last_seen = null where resolved_at > now()",
        "insert into finding_event (finding_id, collection_id, at, kind, tenant)
         select s.finding_id, (select min(collection_id) from collection), s.first_seen, 'opened', s.tenant from finding_state s",
        "insert into finding_event (finding_id, collection_id, at, kind, tenant)
         select s.finding_id, (select max(collection_id) from collection), s.resolved_at, 'resolved', s.tenant
         from finding_state s where s.resolved_at is not null",
        "insert into compliance_status (day, cluster_id, tenant, framework, control, status, findings)
         select d::date, (select cluster_id from cluster where name = 'bench'), t.tenant, c.framework, c.control,
                (array['pass', 'fail', 'partial', 'manual', 'not-assessable'])[1 + abs(hashtext(t.tenant || c.control)) % 5], 0
         from generate_series(now() - make_interval(days => $4), now(), interval '1 day') d,
              (select distinct tenant from bench_namespace) t,
              (select 'cis' as framework, '5.' || g as control from generate_series(1, 85) g) c",
        "analyze",
    ];
    let params = [shape.tenants, shape.namespaces_per_tenant, shape.pods, shape.days, shape.findings];
    for statement in statements {
        // Bind as many parameters as the statement names ($1 to $5).
        let used = (1..=params.len()).filter(|n| statement.contains(&format!("${n}"))).max().unwrap_or(0);
        let mut query = sqlx::query(statement);
        for value in &params[..used] {
            query = query.bind(*value);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
