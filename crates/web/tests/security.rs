//! What every response carries and what no request can do: security headers, no caching of
//! pages, bounded bodies, no open redirect, no message put in the banner by a link, a panic
//! answered with a 500 page.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::routing::get;
use common::*;
use tower::ServiceExt;

#[tokio::test]
async fn pages_carry_security_headers_and_are_not_cached() {
    for (b, _store, router) in apps(5).await {
        let mut c = Client::login(&router, "huichang").await;
        let r = c.get("/people").await;
        let h = |n: header::HeaderName| {
            r.headers
                .get(n)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let csp = h(header::CONTENT_SECURITY_POLICY);
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{b}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{b}");
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{b}");
        assert_eq!(h(header::REFERRER_POLICY), "same-origin", "{b}");
        assert_eq!(h(header::CACHE_CONTROL), "no-store", "{b}");
        assert!(
            h(header::STRICT_TRANSPORT_SECURITY).is_empty(),
            "{b}: no HSTS over plain HTTP"
        );
        // Static assets may be cached.
        let css = c.get("/static/app.css").await;
        assert!(
            css.headers[header::CACHE_CONTROL].to_str().unwrap().contains("max-age"),
            "{b}"
        );
        // The API is not cached either.
        let api = c.get("/api/v1/people").await;
        assert_eq!(api.headers[header::CACHE_CONTROL], "no-store", "{b}");
    }
}

#[tokio::test]
async fn hsts_is_sent_behind_https() {
    let (_, url) = yiyang_store::testing::fresh_database_urls().await.remove(0);
    let store = yiyang_store::Store::connect(&url).await.unwrap();
    let mut state = yiyang_web::AppState::new(store);
    state.secure_cookies = true;
    let router = yiyang_web::router(state);
    let r = router
        .oneshot(Request::get("/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(r.headers()[header::STRICT_TRANSPORT_SECURITY]
        .to_str()
        .unwrap()
        .starts_with("max-age="));
}

#[test]
fn no_template_has_inline_script_style_or_handlers() {
    // The CSP forbids them; a template that used one would break silently in the browser.
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let lower = text.to_lowercase();
        for bad in [
            " style=\"",
            "<style",
            " onclick=",
            " onchange=",
            " onsubmit=",
            " onload=",
            "javascript:",
        ] {
            assert!(!lower.contains(bad), "{}: {bad}", path.display());
        }
        for (i, _) in lower.match_indices("<script") {
            let tag_end = i + lower[i..].find('>').unwrap();
            assert!(
                lower[i..tag_end].contains(" src="),
                "{}: inline <script>",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn a_message_in_the_url_is_never_shown_but_the_servers_flash_is_shown_once() {
    for (b, store, router) in apps(5).await {
        let mut c = Client::login(&router, "huichang").await;
        let inst = store.institutions_in("360733").await.unwrap()[0].id;
        let phish = "请立即拨打 400-000-0000 核实账户";
        let page = c.get(&format!("/institutions/{inst}?msg={}", urlencode(phish))).await;
        assert_eq!(page.status, StatusCode::OK, "{b}");
        assert!(!page.text().contains(phish), "{b}: the URL's text is not shown");
        let csrf = c.csrf.clone();
        let r = c
            .post_form(
                &format!("/institutions/{inst}/beds"),
                &[("_csrf", &csrf), ("building", "9号楼"), ("room", "901"), ("count", "2")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        assert_eq!(r.location(), format!("/institutions/{inst}"), "{b}");
        let shown = c.get(&r.location()).await;
        assert!(shown.text().contains("已新增2张床位"), "{b}");
        let again = c.get(&r.location()).await;
        assert!(!again.text().contains("已新增2张床位"), "{b}: shown once");
    }
}

#[tokio::test]
async fn login_follows_only_same_site_paths() {
    for (b, _store, router) in apps(1).await {
        for next in [
            "/\t/evil.example",
            "/%09/evil.example",
            "//evil.example",
            "https://evil.example",
            "/\\evil.example",
        ] {
            let mut c = Client::new(&router);
            c.get("/login").await;
            let csrf = c.csrf.clone();
            let r = c
                .post_form(
                    "/login",
                    &[
                        ("_csrf", &csrf),
                        ("username", "huichang"),
                        ("password", PASSWORD),
                        ("next", next),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
            assert_eq!(r.location(), "/", "{b}: next={next:?}");
        }
        let mut c = Client::new(&router);
        c.get("/login").await;
        let csrf = c.csrf.clone();
        let r = c
            .post_form(
                "/login",
                &[
                    ("_csrf", &csrf),
                    ("username", "huichang"),
                    ("password", PASSWORD),
                    ("next", "/people?page=2"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/people?page=2", "{b}");
    }
}

#[tokio::test]
async fn large_bodies_are_refused_except_on_upload_routes() {
    for (b, _store, router) in apps(1).await {
        // An unauthenticated login of 2 MB is refused before anything reads it whole.
        let mut c = Client::new(&router);
        c.get("/login").await;
        let big = "a".repeat(2 * 1024 * 1024);
        let csrf = c.csrf.clone();
        let r = c
            .post_form(
                "/login",
                &[("_csrf", &csrf), ("username", "huichang"), ("password", &big)],
            )
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
        // The JSON API too.
        let mut c = Client::login(&router, "huichang").await;
        c.get("/").await;
        let csrf = c.csrf.clone();
        let r = c
            .send(
                Request::post("/api/v1/people")
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("x-csrf-token", csrf)
                    .body(Body::from(format!("{{\"name\":\"{big}\"}}")))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
        // An upload of 2 MB is read (and judged on its content).
        let csv = format!("姓名,身份证号,区划代码,户籍性质\n{}\n", "x,".repeat(1024 * 1024));
        let r = upload(&mut c, "/imports", "a.csv", csv.as_bytes()).await;
        assert_ne!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{b}");
    }
}

/// A multipart upload of `file` as `name`, with the page's CSRF token, to `uri`.
async fn upload(c: &mut Client, uri: &str, name: &str, file: &[u8]) -> Resp {
    let boundary = "XyZ";
    let csrf = c.csrf.clone();
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    c.send(
        Request::post(uri)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

#[tokio::test]
async fn a_panicking_handler_gets_the_500_page_not_a_dropped_connection() {
    let (_, url) = yiyang_store::testing::fresh_database_urls().await.remove(0);
    let store = yiyang_store::Store::connect(&url).await.unwrap();
    let state = yiyang_web::AppState::new(store);
    let routes = axum::Router::new().route("/boom", get(boom));
    let app = yiyang_web::harden(routes, false).with_state(state);
    let r = app
        .oneshot(Request::get("/boom").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = http_body_util::BodyExt::collect(r.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("服务器内部错误"));
}

async fn boom() -> &'static str {
    panic!("boom")
}

/// A 1.5 KB workbook claiming a cell in the sheet's far corner (XFD1048576): it once made the
/// server allocate 512 GiB and abort.
fn corner_xlsx() -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        let parts: [(&str, String); 5] = [
            ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#.into()),
            ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into()),
            ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#.into()),
            ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.into()),
            ("xl/worksheets/sheet1.xml", r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#.into()),
        ];
        for (name, text) in parts {
            z.start_file(name, o).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

#[tokio::test]
async fn a_hostile_workbook_is_refused_with_a_clear_message_and_the_server_stays_up() {
    for (b, store, router) in apps(1).await {
        let mut c = Client::login(&router, "huichang").await;
        c.get("/imports").await;
        let file = corner_xlsx();
        assert!(file.len() < 2048, "{b}: {} bytes", file.len());
        let r = upload(&mut c, "/imports", "corner.xlsx", &file).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let job: i64 = r.location().rsplit('/').next().unwrap().parse().unwrap();
        let mut status = String::new();
        for _ in 0..200 {
            let j = store.import_job(job).await.unwrap().unwrap();
            status = j.status.clone();
            if status != "running" {
                let msg = j.message.unwrap_or_default();
                assert!(msg.contains("超出导入限制") && msg.contains("200 列"), "{b}: {msg}");
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(status, "failed", "{b}");
        // And the server goes on answering.
        assert_eq!(c.get("/people").await.status, StatusCode::OK, "{b}");
    }
}

#[tokio::test]
async fn a_form_posted_from_another_site_is_refused_even_with_a_stolen_token() {
    for (b, store, router) in apps(1).await {
        let mut c = Client::login(&router, "wenwuba").await;
        c.get("/people").await;
        let token = c.csrf.clone();
        let scope_form = |origin: Option<&str>, site: Option<&str>| {
            let mut r = Request::post("/scope")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::HOST, "yiyang.example");
            if let Some(o) = origin {
                r = r.header(header::ORIGIN, o);
            }
            if let Some(s) = site {
                r = r.header("sec-fetch-site", s);
            }
            r.body(Body::from(format!("_csrf={token}&scope=360733100"))).unwrap()
        };
        let before = store.audit_entries(None, 1, 0).await.unwrap()[0].seq;
        for (origin, site) in [
            (Some("https://evil.example"), None),
            (Some("null"), None),
            (None, Some("cross-site")),
            (Some("https://yiyang.example"), Some("same-site")),
        ] {
            let r = c.send(scope_form(origin, site)).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}: {origin:?} {site:?}");
        }
        // An upload, whose token sits inside the multipart body, is covered by the same layer.
        let r = c
            .send(
                Request::post("/imports")
                    .header(header::CONTENT_TYPE, "multipart/form-data; boundary=x")
                    .header("sec-fetch-site", "cross-site")
                    .body(Body::from("--x--\r\n"))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}: upload from another site");
        assert_eq!(store.audit_entries(None, 1, 0).await.unwrap()[0].seq, before, "{b}");
        // The same form from the app's own page goes through.
        let r = c
            .send(scope_form(Some("https://yiyang.example"), Some("same-origin")))
            .await;
        assert!(r.status.is_redirection(), "{b}: own page: {}", r.status);
        // Without the token it does not, whatever the headers say.
        let r = c
            .send(
                Request::post("/scope")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header("sec-fetch-site", "same-origin")
                    .body(Body::from("scope=360733100"))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}: no token");
    }
}
