//! `/workloads/:namespace/:kind/:name`: one workload, joining its posture findings, pod health,
//! requests, GPU allocation and use, and its images.

use db::query::{ContainerImageRow, WorkloadDetail, WorkloadRow};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::not_found::NotFound;
use super::{BadRequest, LoadError};
use crate::api::explore::workload;
use crate::components::as_of::{AsOfBanner, requested_instant};
use crate::components::format::{gpus, percent};
use crate::components::health::{UnhealthyDefinition, recent_restarts};
use crate::components::links::{
    Breadcrumbs, Chart, control_href, finding_href, image_href, namespace_href, rule_href, tenant_href,
};
use crate::components::severity::{CveCounts, SeverityBadge};

/// The workload page.
#[component]
pub fn WorkloadPage() -> impl IntoView {
    let params = use_params_map().get_untracked();
    let get = |key: &str| params.get(key).unwrap_or_default();
    let (namespace, kind, name) = (get("namespace"), get("kind"), get("name"));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {
                let (namespace, kind, name) = (namespace.clone(), kind.clone(), name.clone());
                Suspend::new(async move {
                    let at = match requested_instant() {
                        Ok(at) => at,
                        Err(error) => return view! { <BadRequest error /> }.into_any(),
                    };
                    let now_href = format!("/workloads/{namespace}/{kind}/{name}");
                    match workload(namespace, kind, name, at).await {
                        Ok(Some(detail)) => view! { <AsOfBanner at now_href /> <WorkloadView detail /> }.into_any(),
                        Ok(None) => view! { <NotFound /> }.into_any(),
                        Err(error) => view! { <LoadError error=error.to_string() /> }.into_any(),
                    }
                })
            }
        </Suspense>
    }
}

#[component]
fn WorkloadView(detail: WorkloadDetail) -> impl IntoView {
    let WorkloadDetail { workload: w, findings, images: detail_images } = detail;
    let trail = vec![
        (w.tenant.clone(), tenant_href(&w.tenant)),
        (w.namespace.clone(), namespace_href(&w.tenant, &w.namespace)),
    ];
    let problems = if w.problems.is_empty() {
        view! { <p class="empty">"Healthy: no pod or job problem."</p> }.into_any()
    } else {
        let items = w.problems.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view();
        view! { <ul class="problems">{items}</ul> }.into_any()
    };
    let images = view! { <WorkloadImages spec_images=w.images.clone() scanned=detail_images /> };
    let finding_rows = findings
        .into_iter()
        .map(|f| {
            let controls = f.controls.iter().map(|c| view! { <a href=control_href(c)>{c.clone()}</a> " " }).collect_view();
            let rule = rule_href(&f.finding.rule_id);
            view! {
                <tr>
                    <td><SeverityBadge severity=f.finding.severity /></td>
                    <td><a href=rule><code>{f.finding.rule_id}</code></a></td>
                    <td>{f.container.unwrap_or_default()}</td>
                    <td>
                        <a href=finding_href(f.finding_id)>{f.message}</a>
                        <ul class="evidence">{f.evidence.into_iter().map(|p| view! { <li><code>{p}</code></li> }).collect_view()}</ul>
                    </td>
                    <td class="controls">{controls}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=format!("{} {}", w.kind, w.name) />
        <Breadcrumbs trail here=format!("{} {}", w.kind, w.name) />
        <h1>{w.kind.clone()} " " {w.name.clone()}</h1>
        <PodHealth w=w.clone() />
        <h2>"Why it is unhealthy"</h2>
        {problems}
        <UnhealthyDefinition />
        <Resources w=w.clone() />
        {images}
        <h2>"Open findings"</h2>
        <table class="data findings">
            <thead><tr><th>"Severity"</th><th>"Rule"</th><th>"Container"</th><th>"Finding"</th><th>"Controls"</th></tr></thead>
            <tbody>{finding_rows}</tbody>
        </table>
    }
}

/// The images the workload's containers run: those Trivy Operator scanned, with their CVEs
/// counted and a link to each image's page, then those its pod spec names that no report covers.
#[component]
fn WorkloadImages(spec_images: Vec<String>, scanned: Vec<ContainerImageRow>) -> impl IntoView {
    let unscanned: Vec<String> = spec_images
        .into_iter()
        .filter(|image| !scanned.iter().any(|s| domain::images::same_repository(image, &s.image.repository)))
        .collect();
    let rows = scanned
        .into_iter()
        .map(|row| {
            view! {
                <tr>
                    <td>{row.container}</td>
                    <td><a href=image_href(row.image.image_id)><code>{row.image.image_key.clone()}</code></a></td>
                    <td><CveCounts image=row.image /></td>
                </tr>
            }
        })
        .collect_view();
    let unscanned = (!unscanned.is_empty()).then(|| {
        let items = unscanned.into_iter().map(|i| view! { <li><code>{i}</code></li> }).collect_view();
        view! { <p class="meta">"Not covered by a Trivy Operator report:"</p> <ul class="images">{items}</ul> }
    });
    view! {
        <h2>"Images"</h2>
        <table class="data workload-images">
            <thead><tr><th>"Container"</th><th>"Image"</th><th>"CVEs: critical, high, medium, low"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {unscanned}
    }
}

#[component]
fn PodHealth(w: WorkloadRow) -> impl IntoView {
    view! {
        <dl class="summary">
            <div><dt>"Pods ready"</dt><dd>{format!("{} / {}", w.ready, w.pods)}</dd></div>
            <div><dt>"Running"</dt><dd>{w.running}</dd></div>
            <div><dt>"Pending"</dt><dd>{w.pending}</dd></div>
            <div><dt>"Failed"</dt><dd>{w.failed}</dd></div>
            <div><dt>"Unhealthy pods"</dt><dd>{w.unhealthy}</dd></div>
            <div><dt>"CrashLoopBackOff"</dt><dd>{w.crash_looping}</dd></div>
            <div><dt>"OOMKilled (24 h)"</dt><dd>{w.oom_killed}</dd></div>
            <div><dt>"Restarts (24 h)"</dt><dd>{recent_restarts(w.restarts_24h)}</dd></div>
            <div><dt>"Restarts since pods started"</dt><dd>{w.restarts}</dd></div>
            <div><dt>"Open findings"</dt><dd>{w.findings}</dd></div>
        </dl>
    }
}

/// What the workload's pods use now and its share of their requests, or why it is not known.
fn usage(used: Option<String>, of_requests: Option<f64>) -> impl IntoView {
    match used {
        Some(used) => {
            let pct = of_requests.unwrap_or(0.0);
            let share = of_requests.map(|p| format!(" ({p:.0}% of requests)")).unwrap_or_default();
            let title = format!("{used} in use{share}");
            view! {
                <td>{format!("{used} over its running pods{share}")}</td>
                <td><Chart svg=crate::charts::gauge(&title, pct, crate::charts::Measure::Utilisation) /></td>
            }
            .into_any()
        }
        None => {
            view! { <td class="meta">"not known: the cluster serves no metrics-server usage"</td><td></td> }.into_any()
        }
    }
}

#[component]
fn Resources(w: WorkloadRow) -> impl IntoView {
    let allocated = w.gpus_allocated;
    let gpu = (w.gpus_requested > 0.0).then(|| {
        let used = w.gpu_utilisation_pct.unwrap_or(0.0);
        let title = format!("GPU utilisation {used:.0}% over {} devices", gpus(w.gpus_in_use));
        view! {
            <tr>
                <td>"nvidia.com/gpu"</td><td class="num">{gpus(w.gpus_requested)}</td>
                <td>{format!("{} allocated, {} reporting, {} mean utilisation", gpus(allocated), gpus(w.gpus_in_use), percent(w.gpu_utilisation_pct))}</td>
                <td><Chart svg=crate::charts::gauge(&title, used, crate::charts::Measure::Utilisation) /></td>
            </tr>
        }
    });
    view! {
        <h2>"Requests and use"</h2>
        <table class="data resources">
            <thead><tr><th>"Resource"</th><th class="num">"Request per pod"</th><th>"In use"</th><th></th></tr></thead>
            <tbody>
                <tr><td>"cpu"</td><td class="num">{format!("{}m", w.cpu_request_millis)}</td>{usage(w.cpu_usage_millis.map(|m| format!("{m:.0}m")), w.cpu_use_pct())}</tr>
                <tr><td>"memory"</td><td class="num">{format!("{} MiB", w.memory_request_mib)}</td>{usage(w.memory_usage_mib.map(|m| format!("{m:.0} MiB")), w.memory_use_pct())}</tr>
                {gpu}
            </tbody>
        </table>
    }
}
