//! The API document says what the server does: every operation lists the errors it can give,
//! with the body the server really sends, and the server's bodies match it.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::Value;

#[tokio::test]
async fn every_operation_documents_its_errors_and_the_bodies_match() {
    for (b, _store, router) in apps(3).await {
        let mut c = Client::login(&router, "huichang").await;
        let doc = c.get("/api/v1/openapi.json").await.json();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.len() >= 8, "{b}");
        for (path, item) in paths {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                let mut needed = vec!["400", "401", "403", "429", "500"];
                if path.contains('{') {
                    needed.push("404");
                }
                if method == "post" || method == "put" {
                    needed.extend(["413", "415", "422"]);
                }
                for code in needed {
                    assert!(
                        responses.contains_key(code),
                        "{b}: {method} {path} does not document {code}"
                    );
                }
            }
        }
        // ApiError's `errors` is required, and every error body carries it.
        let required: Vec<&str> = doc["components"]["schemas"]["ApiError"]["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(required.contains(&"errors"), "{b}");
        let r = c.get("/api/v1/people/987654321").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
        assert_eq!(r.json()["errors"], Value::Array(vec![]), "{b}");
        let r = c.get("/api/v1/nothing-here").await;
        assert_eq!(r.json()["errors"], Value::Array(vec![]), "{b}");
        // What a person needs is required; a month has its pattern.
        let person = &doc["components"]["schemas"]["PersonInput"]["required"];
        for f in ["name", "id_number", "hukou_division", "hukou_type"] {
            assert!(person.as_array().unwrap().iter().any(|v| v == f), "{b}: {f}");
        }
        assert!(
            doc["components"]["schemas"]["StartRun"]["properties"]["month"]["pattern"].is_string(),
            "{b}"
        );
    }
}

/// The document as served, kept in `tests/snapshots`: a change to the API shows up as a
/// change to this file in review. After a deliberate change, `INSTA_UPDATE=always cargo test
/// -p yiyang-web --test openapi` rewrites it (or `cargo insta review`).
#[tokio::test]
async fn the_document_is_the_one_reviewed() {
    let (_b, _store, router) = apps(1).await.into_iter().next().unwrap();
    let mut c = Client::login(&router, "huichang").await;
    let doc = c.get("/api/v1/openapi.json").await.json();
    insta::assert_json_snapshot!("openapi", doc);
}

/// The router serves exactly the document's operations: each path and method of the document
/// answers other than "no such route" (405 or the generic 404), and a method the document does
/// not list is not routed.
#[tokio::test]
async fn the_router_and_the_document_agree() {
    let (b, _store, router) = apps(1).await.into_iter().next().unwrap();
    let doc = serde_json::to_value(yiyang_web::api::document()).unwrap();
    let mut c = Client::login(&router, "huichang").await;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", "987654321");
        for method in ["get", "post", "put", "delete"] {
            let r = c
                .send_json(&method.to_uppercase(), &concrete, serde_json::json!({}))
                .await;
            let documented = item.get(method).is_some();
            assert_eq!(
                r.status != StatusCode::METHOD_NOT_ALLOWED,
                documented,
                "{b}: {method} {path} answered {}",
                r.status
            );
        }
    }
}
