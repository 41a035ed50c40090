//! A cookie-keeping test browser over `app(state).oneshot(...)`, and a local-mode configuration
//! with one user per role.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use db::PgPool;
use domain::access::Role;
use server::auth::Auth;
use server::config::{AuthMode, Config};
use tower::ServiceExt;

/// The host and origin test requests claim.
pub const HOST: &str = "rampart.test";
pub const ORIGIN: &str = "http://rampart.test";
/// Every test user's password.
pub const PASSWORD: &str = "correct horse battery";

/// Users, their groups and the role those groups map to.
pub const USERS: [(&str, &str, Role); 5] = [
    ("adele", "admins", Role::Admin),
    ("sergio", "sec", Role::Security),
    ("aude", "audit", Role::Auditor),
    ("nadia", "nlp-leads", Role::TenantLead),
    ("victor", "vision-leads", Role::TenantLead),
];

/// A configuration mapping the groups of [`USERS`]; nadia leads `nlp`, victor leads `vision`.
pub fn config(mode: Option<AuthMode>) -> Config {
    let mut config = Config::default();
    config.auth.mode = mode;
    for (_, group, role) in USERS {
        config.auth.group_roles.insert(group.into(), role);
    }
    config.auth.group_tenants.insert("nlp-leads".into(), vec!["nlp".into()]);
    config.auth.group_tenants.insert("vision-leads".into(), vec!["vision".into()]);
    config
}

/// Creates every user of [`USERS`].
pub async fn add_users(pool: &PgPool) {
    let hash = server::auth::password::hash(PASSWORD).unwrap();
    for (name, group, _) in USERS {
        db::users::add(pool, "test", name, &hash, &[group.to_string()]).await.unwrap();
    }
}

/// The application in `config`'s mode, with its users created when the mode is local.
pub async fn app(pool: &PgPool, config: &Config) -> axum::Router {
    if config.auth.mode == Some(AuthMode::Local) {
        add_users(pool).await;
    }
    let auth = Arc::new(Auth::from_config(config, pool.clone()).unwrap());
    let options =
        server::http::ServeOptions { web_reports_per_hour: config.reports.web_reports_per_hour, ..Default::default() };
    server::http::app(server::http::ServerState::new(auth, options))
}

/// A response, read whole.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// Keeps the session cookie and the latest anti-forgery token, like a browser.
#[derive(Clone)]
pub struct Browser {
    app: axum::Router,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub peer: SocketAddr,
    /// The last page fetched, sent as the `Referer` of form posts.
    pub last_path: String,
}

impl Browser {
    pub fn new(app: axum::Router) -> Self {
        Browser { app, cookie: None, csrf: None, peer: "127.0.0.1:40000".parse().unwrap(), last_path: "/".into() }
    }

    /// Sends `request` with the cookie, host and peer address; keeps what comes back.
    pub async fn send(&mut self, mut request: Request<Body>) -> Page {
        let headers = request.headers_mut();
        headers.insert(header::HOST, HOST.parse().unwrap());
        if let Some(cookie) = &self.cookie {
            headers.insert(header::COOKIE, cookie.parse().unwrap());
        }
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let response = self.app.clone().oneshot(request).await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        if let Some(set) = headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()) {
            let pair = set.split(';').next().unwrap_or_default().to_string();
            self.cookie = if set.contains("Max-Age=0") { None } else { Some(pair) };
        }
        if let Some(token) = hidden_csrf(&body) {
            self.csrf = Some(token);
        }
        Page { status, headers, body }
    }

    pub async fn get(&mut self, uri: &str) -> Page {
        self.last_path = uri.to_string();
        self.send(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    /// Posts a form from this site's own pages: same origin, with the anti-forgery token.
    pub async fn post_form(&mut self, uri: &str, fields: &[(&str, &str)]) -> Page {
        let mut form = form_urlencoded::Serializer::new(String::new());
        for (key, value) in fields {
            form.append_pair(key, value);
        }
        if let Some(token) = &self.csrf {
            form.append_pair("csrf", token);
        }
        let request = Request::post(uri)
            .header(header::ORIGIN, ORIGIN)
            .header(header::REFERER, format!("{ORIGIN}{}", self.last_path))
            .header(header::ACCEPT, "text/html")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.finish()))
            .unwrap();
        self.send(request).await
    }

    /// Signs in through the login form; the status of the form's answer.
    pub async fn sign_in(&mut self, user: &str, password: &str) -> Page {
        self.get("/login").await;
        self.post_form("/login", &[("user", user), ("password", password), ("next", "/")]).await
    }
}

/// The value of a `name="csrf"` hidden input, if the page has one.
pub fn hidden_csrf(body: &str) -> Option<String> {
    let at = body.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    Some(body[at..].split('"').next()?.to_string())
}

/// A browser signed in as `user` (one of [`USERS`]).
pub async fn signed_in(app: &axum::Router, user: &str) -> Browser {
    let mut browser = Browser::new(app.clone());
    let page = browser.sign_in(user, PASSWORD).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "sign-in of {user}: {}", page.body);
    assert_eq!(page.headers[header::LOCATION], "/");
    browser.get("/").await; // picks up the session's new anti-forgery token
    browser
}
