//! Listing one kind from an API server: every page of it (`limit`/`continue`), each page
//! retried with backoff while the failure is transient, and the list started over when its
//! `continue` token expired. The core kinds ([`super::kubernetes`]) and the optional sources
//! ([`super::optional`]) list through it alike.

use kube::api::{ListParams, ObjectList};

use super::target::CollectError;
use crate::diagnosis;

/// Objects requested per list page.
pub const PAGE_SIZE: u32 = 500;

/// Kinds that could not be listed, with why.
pub(super) type Gaps = std::sync::Mutex<std::collections::BTreeMap<String, String>>;

/// Attempts per page before a list fails: a 5xx, 429, a broken connection or an unreadable body
/// is retried with exponential backoff and jitter; a 4xx is not.
pub const PAGE_ATTEMPTS: u32 = 4;
/// How often a list starts over after its `continue` token expired (410 Gone).
pub const LIST_RESTARTS: u32 = 3;
const FIRST_PAGE_RETRY: std::time::Duration = std::time::Duration::from_millis(200);

/// Reads every page of a list: `fetch` is called with the page's parameters until the API
/// server returns no `continue` token. Pages are appended as they arrive; the raw bodies are
/// not kept.
pub(super) async fn paginate<K, F, Fut>(kind: &'static str, fetch: F) -> Result<Vec<K>, CollectError>
where
    F: FnMut(ListParams) -> Fut,
    Fut: Future<Output = kube::Result<ObjectList<K>>>,
    K: Clone,
{
    let mut items = Vec::new();
    fold_pages(kind, PAGE_SIZE, fetch, &mut items, |items, page| items.extend(page)).await?;
    items.shrink_to_fit();
    Ok(items)
}

/// Reads every page of a list of `page_size` objects a page into `into`, one page at a time,
/// so that only one page is ever held whole: `add` takes each page's items. When the list
/// starts over (its `continue` token expired), `into` is reset to its default first.
pub(super) async fn fold_pages<K, A, F, Fut>(
    kind: &'static str,
    page_size: u32,
    mut fetch: F,
    into: &mut A,
    mut add: impl FnMut(&mut A, Vec<K>),
) -> Result<(), CollectError>
where
    F: FnMut(ListParams) -> Fut,
    Fut: Future<Output = kube::Result<ObjectList<K>>>,
    K: Clone,
    A: Default,
{
    let first = ListParams::default().limit(page_size);
    let mut params = first.clone();
    let mut restarts = 0;
    loop {
        let page = match fetch_page(&mut fetch, &params).await {
            Ok(page) => page,
            Err((kube::Error::Api(status), _)) if status.code == 410 && restarts < LIST_RESTARTS => {
                restarts += 1;
                tracing::info!(kind, restarts, "the list's continue token expired (410 Gone): starting it over");
                *into = A::default();
                params = first.clone();
                continue;
            }
            Err((source, attempts)) => return Err(CollectError::List { kind, attempts, source }),
        };
        add(into, page.items);
        match page.metadata.continue_ {
            Some(token) if !token.is_empty() => params = params.continue_token(&token),
            _ => return Ok(()),
        }
    }
}

/// One page, retried while the failure is transient; on failure, the error and the attempts made.
async fn fetch_page<K, F, Fut>(fetch: &mut F, params: &ListParams) -> Result<ObjectList<K>, (kube::Error, u32)>
where
    F: FnMut(ListParams) -> Fut,
    Fut: Future<Output = kube::Result<ObjectList<K>>>,
    K: Clone,
{
    let mut attempt = 1;
    loop {
        match fetch(params.clone()).await {
            Ok(page) => return Ok(page),
            Err(error) if attempt < PAGE_ATTEMPTS && is_transient(&error) => {
                let wait = crate::backoff::backoff(FIRST_PAGE_RETRY, attempt, std::time::Duration::MAX);
                tracing::debug!(%error, attempt, "list page failed; retrying");
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            Err(error) => return Err((error, attempt)),
        }
    }
}

/// Whether a failed request may succeed when repeated: server errors, throttling, broken
/// connections and unreadable bodies; not refusals (401, 403, 404) or expired tokens (410).
fn is_transient(error: &kube::Error) -> bool {
    match error {
        kube::Error::Api(status) => status.code >= 500 || status.code == 429,
        // The server's certificate will not change between attempts.
        other => !diagnosis::is_certificate_error(other),
    }
}
