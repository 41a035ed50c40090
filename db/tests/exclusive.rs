//! Jobs run by one process at a time: a second runner of the same job skips while the first
//! holds it, another job is not held up, and the lock is gone once the first ends.

use db::PgPool;
use db::exclusive::run_exclusive;
use tokio::sync::oneshot;

#[sqlx::test]
async fn a_job_runs_once_at_a_time_and_frees_its_lock_when_done(pool: PgPool) {
    let (started_tx, started_rx) = oneshot::channel();
    let (finish_tx, finish_rx) = oneshot::channel::<()>();
    let first = tokio::spawn({
        let pool = pool.clone();
        async move {
            run_exclusive(&pool, "maintenance", || async move {
                started_tx.send(()).unwrap();
                finish_rx.await.unwrap();
                "first"
            })
            .await
            .unwrap()
        }
    });
    started_rx.await.unwrap();

    let second = run_exclusive(&pool, "maintenance", || async { "second" }).await.unwrap();
    assert_eq!(second, None, "the job is running elsewhere: skipped");
    let other = run_exclusive(&pool, "report-schedule:weekly", || async { "other" }).await.unwrap();
    assert_eq!(other, Some("other"), "another job is not held up");

    finish_tx.send(()).unwrap();
    assert_eq!(first.await.unwrap(), Some("first"));
    let again = run_exclusive(&pool, "maintenance", || async { "again" }).await.unwrap();
    assert_eq!(again, Some("again"), "the lock went with the first run");
}
