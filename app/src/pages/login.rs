//! `/login`: how to sign in, for the configured mode. The form posts to the server's login
//! handler; nothing here reads data.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::links::with_query;
use crate::state::SignIn;
use crate::viewer::csrf_token;
use domain::access::is_local_path;

/// The sign-in page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = query.with_untracked(|q| q.get("next")).filter(|n| is_local_path(n)).unwrap_or_else(|| "/".into());
    let error = query.with_untracked(|q| q.get("error")).map(|code| error_message(&code));
    let sign_in = use_context::<crate::AppState>().map(|state| state.sign_in).unwrap_or_default();
    let body = match sign_in {
        SignIn::Local => view! {
            <form method="post" action="/login" class="login">
                <input type="hidden" name="csrf" value=csrf_token() />
                <input type="hidden" name="next" value=next.clone() />
                <label>"User name" <input name="user" autocomplete="username" required autofocus /></label>
                <label>"Password" <input name="password" type="password" autocomplete="current-password" required /></label>
                <button type="submit">"Sign in"</button>
            </form>
        }
        .into_any(),
        SignIn::Oidc => view! {
            <p><a class="button" href=with_query("/auth/oidc/login", &[("next", next.clone())])>"Sign in with single sign-on"</a></p>
        }
        .into_any(),
        SignIn::Proxy => view! {
            <p>"Sign in through your organisation's proxy; this address is not reachable through it."</p>
        }
        .into_any(),
        SignIn::OneTimeLink => view! {
            <p>"Open the one-time sign-in link that " <code>"rampart demo"</code> " printed on its console."</p>
        }
        .into_any(),
        SignIn::Unconfigured => view! {
            <p class="error" role="alert">
                "No authentication mode is configured, so nothing is served. Set "
                <code>"[auth] mode"</code> " to " <code>"oidc"</code> ", " <code>"proxy"</code> " or "
                <code>"local"</code> " in the configuration file (see the README)."
            </p>
        }
        .into_any(),
    };
    view! {
        <Title text="Sign in" />
        <h1>"Sign in to Rampart"</h1>
        {error.map(|message| view! { <p class="error" role="alert">{message}</p> })}
        {body}
    }
}

fn error_message(code: &str) -> &'static str {
    match code {
        "credentials" => "Unknown user name or wrong password.",
        "rate" => "Too many failed sign-ins from your address; wait a few minutes and try again.",
        "role" => "You are signed in, but none of your groups maps to a Rampart role. Ask an administrator.",
        "expired" => "Your session has ended; sign in again.",
        "link" => "That sign-in link is unknown, used or expired.",
        "sso" => "Single sign-on did not complete; try again.",
        _ => "Sign-in failed.",
    }
}
