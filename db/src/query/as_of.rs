//! The one definition of "now, or as of a past instant" and of "open finding" that every read
//! model starts from.

/// Prefixes a query with two CTEs: `latest`, the latest collection of every cluster as of
/// `$2`, and `open_finding`, the findings open as of `$2` in tenants the scope `$1` allows
/// (read from the state row; only findings that were reopened need their events). Sample
/// tables are joined to `latest` on both the collection and its start time, so that only the
/// partitions holding those collections are read.
macro_rules! as_of {
    ($rest:expr) => {
        concat!(
            "with latest as (
                select distinct on (cluster_id) collection_id, cluster_id, started_at, finished_at
                from collection where $2::timestamptz is null or started_at <= $2
                order by cluster_id, started_at desc),
            open_finding as (
                select s.* from finding_state s
                where ($1::text[] is null or s.tenant = any($1))
                  and case when $2::timestamptz is null then s.resolved_at is null
                           when s.first_seen > $2 then false
                           when s.reopen_count = 0 then s.resolved_at is null or s.resolved_at > $2
                           else (select e.kind from finding_event e
                                 where e.finding_id = s.finding_id and e.at <= $2
                                 order by e.at desc limit 1) in ('opened', 'reopened') end)",
            $rest
        )
    };
}
pub(crate) use as_of;
