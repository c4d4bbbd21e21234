//! Shared helpers for the web tests: a demo database per backend and a small cookie-keeping
//! client that drives the router in-process.

#![allow(dead_code)]

pub mod care;
pub mod services;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;
use yiyang_store::audit::Actor;
use yiyang_store::testing::fresh_database_urls;
use yiyang_store::Store;
use yiyang_web::AppState;

pub const PASSWORD: &str = yiyang_store::demo::DEMO_PASSWORD;

pub fn actor() -> Actor {
    Actor {
        name: "test".into(),
        channel: "cli",
        source: "test".into(),
        scope: String::new(),
    }
}

/// One app per backend, loaded with `people` demo people.
pub async fn apps(people: usize) -> Vec<(&'static str, Store, Router)> {
    let mut out = Vec::new();
    for (name, url) in fresh_database_urls().await {
        let store = Store::connect(&url).await.unwrap();
        store.load_demo(people, &actor()).await.unwrap();
        let router = yiyang_web::router(AppState::new(store.clone()));
        out.push((name, store, router));
    }
    out
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.text()))
    }
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

/// A browser-like client: keeps cookies, knows the page's CSRF token.
#[derive(Clone)]
pub struct Client {
    pub router: Router,
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
    pub bearer: Option<String>,
}

pub fn find_csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    Some(html[i..i + html[i..].find('"')?].to_string())
}

impl Client {
    pub fn new(router: &Router) -> Client {
        Client {
            router: router.clone(),
            cookies: Vec::new(),
            csrf: String::new(),
            bearer: None,
        }
    }

    pub async fn send(&mut self, mut req: Request<Body>) -> Resp {
        if !self.cookies.is_empty() {
            let c = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
        }
        if let Some(t) = &self.bearer {
            req.headers_mut()
                .insert(header::AUTHORIZATION, format!("Bearer {t}").parse().unwrap());
        }
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for sc in headers.get_all(header::SET_COOKIE) {
            let s = sc.to_str().unwrap();
            let kv = s.split(';').next().unwrap();
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() && !s.contains("Max-Age=0") {
                self.cookies.push((k.to_string(), v.to_string()));
            }
        }
        // An event stream never ends: its body is left unread (read it with `stream`).
        let streaming = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
        let body = if streaming {
            Vec::new()
        } else {
            res.into_body().collect().await.unwrap().to_bytes().to_vec()
        };
        let resp = Resp { status, headers, body };
        if let Some(t) = find_csrf(&resp.text()) {
            self.csrf = t;
        }
        resp
    }

    /// Opens an event stream (`text/event-stream`) and returns its body, to read event by
    /// event with [`next_event`].
    pub async fn stream(&self, uri: &str) -> Body {
        let mut req = Request::get(uri).body(Body::empty()).unwrap();
        let c = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
        let res = self.router.clone().oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "stream {uri}");
        res.into_body()
    }

    pub async fn get(&mut self, uri: &str) -> Resp {
        self.send(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    pub async fn post_form(&mut self, uri: &str, pairs: &[(&str, &str)]) -> Resp {
        let body = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    pub async fn send_json(&mut self, method: &str, uri: &str, body: serde_json::Value) -> Resp {
        self.send(
            Request::builder()
                .method(method)
                .uri(uri)
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .unwrap(),
        )
        .await
    }

    /// Logs in through the login page, as a browser would.
    pub async fn login(router: &Router, username: &str) -> Client {
        let mut c = Client::new(router);
        let page = c.get("/login").await;
        assert_eq!(page.status, StatusCode::OK);
        let csrf = c.csrf.clone();
        let r = c
            .post_form(
                "/login",
                &[
                    ("_csrf", &csrf),
                    ("username", username),
                    ("password", PASSWORD),
                    ("next", "/"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login as {username}: {}", r.text());
        let home = c.get("/").await;
        // A family account's home is its ordering page.
        assert!(
            matches!(home.status, StatusCode::OK | StatusCode::SEE_OTHER),
            "{username}: {}",
            home.status
        );
        c
    }

    /// A client signed in through `POST /api/v1/session` with a bearer token.
    pub async fn api(router: &Router, username: &str) -> Client {
        let mut c = Client::new(router);
        let r = c
            .send_json(
                "POST",
                "/api/v1/session",
                serde_json::json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        c.bearer = Some(r.json()["token"].as_str().unwrap().to_string());
        c
    }

    /// Starts `month`'s run of the user's county over the API and waits for its draft;
    /// returns the run's JSON.
    pub async fn run_to_draft(&mut self, month: &str) -> serde_json::Value {
        let r = self
            .send_json("POST", "/api/v1/benefit-runs", serde_json::json!({"month": month}))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
        let poll = r.json()["runs"].as_str().unwrap().to_string();
        for _ in 0..300 {
            let list = self.get(&poll).await.json();
            if let Some(r) = list
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["status"] == "draft" && r["month"] == month)
            {
                return r.clone();
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the run of {month} did not finish");
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub fn id_with_check(body: &str) -> String {
    format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()))
}

/// A person in a given division, created directly in the store; returns its id.
pub async fn person_in(store: &Store, division: &str, body17: &str) -> i64 {
    let input = yiyang_domain::person::PersonInput {
        name: "测试老人".into(),
        id_number: id_with_check(body17),
        hukou_division: division.into(),
        hukou_type: "农村".into(),
        ..Default::default()
    };
    let rec = input
        .validate(&*store.reference(), chrono::Local::now().date_naive())
        .unwrap();
    store.create_person(&rec, "", &actor()).await.unwrap()
}

/// Ids of living people in `scope`, in the register's default order.
#[allow(dead_code)]
pub async fn living_people(store: &Store, scope: &str) -> Vec<i64> {
    store
        .search_people(&yiyang_store::people::PersonQuery {
            scope: scope.into(),
            life: Some(yiyang_store::people::LifeFilter::Alive),
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap()
        .items
        .iter()
        .map(|p| p.id)
        .collect()
}

/// The next server-sent event named `name` on `body` within `within`: its data as JSON.
pub async fn next_event(body: &mut Body, name: &str, within: std::time::Duration) -> Option<serde_json::Value> {
    let deadline = tokio::time::Instant::now() + within;
    let mut buf = String::new();
    loop {
        while let Some(end) = buf.find("\n\n") {
            let event: String = buf.drain(..end + 2).collect();
            if event
                .lines()
                .any(|l| l == format!("event: {name}") || l == format!("event:{name}"))
            {
                let data = event
                    .lines()
                    .find_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))?;
                return serde_json::from_str(data).ok();
            }
        }
        let frame = tokio::time::timeout_at(deadline, body.frame()).await.ok()??.ok()?;
        if let Some(d) = frame.data_ref() {
            buf.push_str(&String::from_utf8_lossy(d));
        }
    }
}

/// A multipart photo upload (`_csrf` and one file named `file`), as the phone's form sends it.
pub fn photo_upload(uri: &str, csrf: &str, name: &str, content: &[u8]) -> axum::http::Request<axum::body::Body> {
    let boundary = "----yiyangphotoboundary";
    let mut body =
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n").into_bytes();
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes());
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    axum::http::Request::post(uri)
        .header(
            axum::http::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(axum::body::Body::from(body))
        .unwrap()
}

/// The path with every `{param}` replaced by `id`.
pub fn fill(path: &str, id: i64) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find('}').unwrap();
        out.push_str(&id.to_string());
        rest = &rest[i + j + 1..];
    }
    out.push_str(rest);
    out
}

/// The id (as a form sends it) of the demo provider's catalogue entry of `kind` that `person`
/// may order.
pub async fn service_id(store: &Store, person: i64, kind: &str) -> String {
    let p = store
        .provider_by_code(yiyang_store::services::DEMO_PROVIDER)
        .await
        .unwrap()
        .unwrap();
    store
        .services_for_person(person)
        .await
        .unwrap()
        .into_iter()
        .find(|(c, _, _)| c.kind == kind && c.provider_id == p.id)
        .map(|(c, _, _)| c.id.to_string())
        .unwrap()
}

/// The digest a page's signing form carries (what a signature is bound to), if it has one.
pub fn digest_on(html: &str) -> Option<String> {
    html.split("name=\"digest\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .map(str::to_string)
}

/// The digest a page's signing form carries; the page must have one.
pub fn digest_of(html: &str) -> String {
    digest_on(html).expect("a digest on the page")
}

/// Waits for a draft run inside `scope` other than those in `not`; returns its id.
pub async fn wait_for_draft(store: &Store, scope: &str, not: &[i64]) -> i64 {
    for _ in 0..300 {
        let runs = store.list_benefit_runs(scope).await.unwrap();
        if let Some(r) = runs
            .iter()
            .find(|r| r.status == yiyang_store::benefits::RunStatus::Draft && !not.contains(&r.id))
        {
            return r.id;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the run did not finish");
}
