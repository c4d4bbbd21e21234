//! Every route the router has — read from the same list it is built from — against every demo
//! account: a record that does not exist or lies outside the scope is a 404 (or a 403 for a
//! function the role lacks), never a page — read or written, with or without a valid CSRF
//! token; a state-changing request without its CSRF token changes nothing (the audit log, written with every change, does not move); nothing answers
//! 5xx. A route added tomorrow is walked the same way without anyone remembering to.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;

#[tokio::test]
async fn every_route_keeps_scope_and_csrf_for_every_account() {
    let paths = yiyang_web::route_paths();
    assert!(paths.len() > 60, "the list is the router's: {}", paths.len());
    for (b, store, router) in apps(5).await {
        // A record outside every demo account's scope, and an id that exists nowhere. The
        // person's id is far beyond any other table's, so that on a route about another kind
        // of record it is an unknown id too, never someone's in-scope record by coincidence.
        let created = person_in(&store, "110105", "11010519420202004").await;
        let outside = 900_000_001;
        store
            .execute_raw_for_tests(&format!("UPDATE persons SET id = {outside} WHERE id = {created}"))
            .await
            .unwrap();
        let ids = [outside, 987_654_321];
        let head = || async { store.audit_entries(None, 1, 0).await.unwrap()[0].seq };
        for (username, ..) in yiyang_store::demo::DEMO_ACCOUNTS {
            let mut c = Client::login(&router, username).await;
            c.get("/").await;
            let before = head().await;
            let mut with_token = std::collections::HashMap::new();
            for path in &paths {
                let has_param = path.contains('{');
                for id in ids {
                    let uri = fill(path, id);
                    // GET: a record that is not there for this account is never shown.
                    let r = c.get(&uri).await;
                    assert!(!r.status.is_server_error(), "{b}: {username} GET {uri}: {}", r.status);
                    if has_param && r.status != StatusCode::METHOD_NOT_ALLOWED {
                        assert!(
                            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                            "{b}: {username} GET {uri} answered {}",
                            r.status
                        );
                    }
                    // POST / PUT / DELETE without the token: refused, nothing changes.
                    for method in ["POST", "PUT", "DELETE"] {
                        let is_api = uri.starts_with("/api/");
                        let req = Request::builder()
                            .method(method)
                            .uri(&uri)
                            .header(
                                header::CONTENT_TYPE,
                                if is_api {
                                    "application/json"
                                } else {
                                    "application/x-www-form-urlencoded"
                                },
                            )
                            .body(Body::from(if is_api { "{}" } else { "status=vacant&count=1&name=x" }))
                            .unwrap();
                        let r = c.send(req).await;
                        assert!(
                            !r.status.is_server_error() && !r.status.is_success() && !r.status.is_redirection(),
                            "{b}: {username} {method} {uri} without a CSRF token answered {}",
                            r.status
                        );
                    }
                    // With a valid token, a record this account may not touch is still not
                    // there: refused as for an unknown id (404, 403 for a function the role
                    // lacks, 400/422 for a body that does not parse), never a refusal that
                    // confirms it exists (409), never a change.
                    if has_param {
                        let csrf = c.csrf.clone();
                        for method in ["POST", "PUT", "DELETE"] {
                            let is_api = uri.starts_with("/api/");
                            let body = if is_api {
                                "{}".to_string()
                            } else {
                                format!("_csrf={csrf}&status=vacant&count=1&name=x&decision=accept&on=2025-01-01")
                            };
                            let req = Request::builder()
                                .method(method)
                                .uri(&uri)
                                .header("x-csrf-token", &csrf)
                                .header(
                                    header::CONTENT_TYPE,
                                    if is_api {
                                        "application/json"
                                    } else {
                                        "application/x-www-form-urlencoded"
                                    },
                                )
                                .body(Body::from(body))
                                .unwrap();
                            let r = c.send(req).await;
                            assert!(
                                r.status.is_client_error() && r.status != StatusCode::CONFLICT,
                                "{b}: {username} {method} {uri} with its token answered {}",
                                r.status
                            );
                            // The record outside the scope and the one that does not exist
                            // get the same answer.
                            let key = format!("{method} {path}");
                            match with_token.get(&key) {
                                None => {
                                    with_token.insert(key, r.status);
                                }
                                Some(first) => assert_eq!(
                                    *first, r.status,
                                    "{b}: {username} {method} {path}: out of scope and unknown differ"
                                ),
                            }
                        }
                    }
                    if !has_param {
                        break;
                    }
                }
            }
            // Reads are audited too (exports, full views); anything else written is a change.
            let n = head().await - before;
            let written = store.audit_entries(None, n.max(1), 0).await.unwrap();
            for e in written.iter().filter(|e| e.seq > before) {
                assert!(
                    ["export", "view_full", "view", "search_id", "view_assessment"].contains(&e.action.as_str()),
                    "{b}: {username}: a request refused above wrote {} on {} {}",
                    e.action,
                    e.entity,
                    e.entity_id
                );
            }
        }
    }
}
