//! The real app over HTTP (in-process), on every backend.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use yiyang_store::audit::Verification;

#[tokio::test]
async fn pages_require_login_and_the_api_answers_401_in_json() {
    for (b, _, router) in apps(20).await {
        let mut c = Client::new(&router);
        let r = c.get("/people?q=x").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        assert_eq!(r.location(), "/login?next=/people%3Fq%3Dx");
        let r = c.get("/api/v1/people").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["error"], "unauthenticated");
        // Static assets are public and local.
        assert_eq!(c.get("/static/app.css").await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn wrong_passwords_are_refused_then_rate_limited() {
    for (b, _, router) in apps(5).await {
        let mut c = Client::new(&router);
        c.get("/login").await;
        for i in 0..5 {
            let csrf = c.csrf.clone();
            let r = c
                .post_form(
                    "/login",
                    &[
                        ("_csrf", &csrf),
                        ("username", "huichang"),
                        ("password", "wrong-password"),
                    ],
                )
                .await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b} attempt {i}");
            assert!(r.text().contains("用户名或密码错误"));
        }
        let csrf = c.csrf.clone();
        let r = c
            .post_form(
                "/login",
                &[("_csrf", &csrf), ("username", "huichang"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{b}");
        assert!(r.text().contains("尝试次数过多"));
        // A login form without its CSRF token is refused.
        let mut d = Client::new(&router);
        let r = d
            .post_form("/login", &[("username", "wenwuba"), ("password", PASSWORD)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_list_masks_ids_and_the_detail_shows_the_full_id_and_audits_the_view() {
    for (b, store, router) in apps(60).await {
        let mut c = Client::login(&router, "huichang").await;
        let list = c.get("/people?sort=name").await;
        assert_eq!(list.status, StatusCode::OK, "{b}");
        let html = list.text();
        assert!(html.contains("共 60 人"), "{b}");
        assert!(html.contains("360733********"), "{b}: masked IDs in the list");
        let full = regex_like_full_id(&html);
        assert!(full.is_none(), "{b}: a full ID number leaked into the list: {full:?}");

        let page = store
            .search_people(&yiyang_store::people::PersonQuery {
                scope: "360733".into(),
                limit: 1,
                ..Default::default()
            })
            .await
            .unwrap();
        let p = &page.items[0];
        let before = store
            .audit_entries(Some(("person", &p.id.to_string())), 100, 0)
            .await
            .unwrap()
            .len();
        let detail = c.get(&format!("/people/{}", p.id)).await;
        assert_eq!(detail.status, StatusCode::OK);
        assert!(
            detail.text().contains(p.record.id_number.as_str()),
            "{b}: full ID on the detail page"
        );
        let log = store
            .audit_entries(Some(("person", &p.id.to_string())), 100, 0)
            .await
            .unwrap();
        assert_eq!(log.len(), before + 1);
        assert_eq!(log[0].action, "view_full");
        assert_eq!(log[0].actor, "huichang");
        assert_eq!(log[0].channel, "web");

        // Filters and export.
        let r = c.get("/people?category=tekun&life=alive").await;
        assert_eq!(r.status, StatusCode::OK);
        let x = c.get("/people/export.xlsx?category=tekun").await;
        assert_eq!(x.status, StatusCode::OK);
        assert!(x.body.starts_with(b"PK"));
        assert!(x.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("attachment"));
    }
}

/// Any 18-character run of digits (with optional X) that is a whole ID number.
fn regex_like_full_id(html: &str) -> Option<String> {
    let b = html.as_bytes();
    let mut run = 0;
    for (i, c) in b.iter().enumerate() {
        if c.is_ascii_digit() || (*c == b'X' && run == 17) {
            run += 1;
            if run == 18 && !b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                return Some(html[i + 1 - 18..=i].to_string());
            }
        } else {
            run = 0;
        }
    }
    None
}

#[tokio::test]
async fn the_form_shows_inline_errors_keeps_input_and_creates_valid_records() {
    for (b, store, router) in apps(5).await {
        let mut c = Client::login(&router, "huichang").await;
        c.get("/people/new").await;
        let csrf = c.csrf.clone();
        let bad_id = "360733194503150021";
        let r = c
            .post_form(
                "/people/new",
                &[
                    ("_csrf", &csrf),
                    ("name", "钟满妹"),
                    ("id_number", bad_id),
                    ("hukou_division", "360733100"),
                    ("hukou_type", "rural"),
                    ("categories", "alone"),
                    ("categories", "tekun"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let html = r.text();
        assert!(html.contains("身份证号校验码错误"), "{b}");
        assert!(html.contains("value=\"钟满妹\""), "typed name kept");
        assert!(html.contains(&format!("value=\"{bad_id}\"")), "typed ID kept");
        assert!(html.contains("value=\"alone\" checked"), "ticked categories kept");

        let good = id_with_check("36073319450315002");
        let csrf = c.csrf.clone();
        let r = c
            .post_form(
                "/people/new",
                &[
                    ("_csrf", &csrf),
                    ("name", "钟满妹"),
                    ("id_number", &good),
                    ("hukou_division", "360733100"),
                    ("hukou_type", "rural"),
                    ("categories", "alone"),
                    ("categories", "tekun"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let id: i64 = r.location().trim_start_matches("/people/").parse().unwrap();
        let p = store.person_in_scope(id, "360733").await.unwrap().unwrap();
        assert_eq!(p.record.categories, vec!["alone", "tekun"]);

        // Edit: change the phone; a stale version is refused with a clear message.
        let edit = c.get(&format!("/people/{id}/edit")).await;
        assert_eq!(edit.status, StatusCode::OK);
        let csrf = c.csrf.clone();
        let v = p.version.to_string();
        let form = |phone: &'static str| {
            vec![
                ("_csrf", csrf.clone()),
                ("version", v.clone()),
                ("name", "钟满妹".into()),
                ("id_number", good.clone()),
                ("hukou_division", "360733100".into()),
                ("hukou_type", "rural".into()),
                ("phone", phone.into()),
            ]
        };
        let pairs = form("13907970001");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post_form(&format!("/people/{id}/edit"), &pairs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let pairs = form("13907970002");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post_form(&format!("/people/{id}/edit"), &pairs).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        assert!(r.text().contains("已被他人修改"));

        // A category approved earlier is entered with its approval date; a future date is
        // refused. The person's page lists the change with the date it takes effect.
        let p = store.person_in_scope(id, "360733").await.unwrap().unwrap();
        let v = p.version.to_string();
        let csrf = c.csrf.clone();
        let with_category = |effective: &'static str| {
            vec![
                ("_csrf", csrf.clone()),
                ("version", v.clone()),
                ("name", "钟满妹".into()),
                ("id_number", good.clone()),
                ("hukou_division", "360733100".into()),
                ("hukou_type", "rural".into()),
                ("phone", "13907970001".into()),
                ("categories", "dibao".into()),
                ("categories_effective", effective.into()),
            ]
        };
        let pairs = with_category("2099-01-01");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post_form(&format!("/people/{id}/edit"), &pairs).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        assert!(r.text().contains("类别变更生效日期晚于今天"), "{b}");
        let pairs = with_category("2026-01-15");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = c.post_form(&format!("/people/{id}/edit"), &pairs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let changes = store.person_changes(id).await.unwrap();
        assert_eq!(
            (
                changes[0].kind.as_str(),
                changes[0].new_value.as_deref(),
                changes[0].effective_on.to_string()
            ),
            ("categories", Some(",dibao,"), "2026-01-15".to_string()),
            "{b}"
        );
        let page = c.get(&format!("/people/{id}")).await.text();
        assert!(
            page.contains("id=\"changes\"") && page.contains("2026-01-15") && page.contains("低保"),
            "{b}"
        );

        // A form without its CSRF token is refused.
        let r = c.post_form("/people/new", &[("name", "x")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.text().contains("表单已过期"));
        assert!(matches!(
            store.verify_audit().await.unwrap(),
            Verification::Intact { .. }
        ));
    }
}

#[tokio::test]
async fn a_township_user_sees_only_their_township_and_can_switch_scope_only_inside_their_own() {
    for (b, store, router) in apps(5).await {
        let mine = person_in(&store, "360733100201", "36073319400101002").await;
        let other = person_in(&store, "360733101", "36073319400101004").await;
        let mut c = Client::login(&router, "wenwuba").await;
        assert_eq!(c.get(&format!("/people/{mine}")).await.status, StatusCode::OK, "{b}");
        let r = c.get(&format!("/people/{other}")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b}");
        assert!(r.text().contains("不在您的管辖范围"));
        assert_eq!(
            c.get(&format!("/api/v1/people/{other}")).await.status,
            StatusCode::NOT_FOUND
        );
        let csrf = c.csrf.clone();
        let r = c
            .post_form("/scope", &[("_csrf", &csrf), ("scope", "360733"), ("back", "/people")])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{b}: cannot widen beyond own scope");

        // The county user narrows to one township and the list follows.
        let mut county = Client::login(&router, "huichang").await;
        assert_eq!(county.get(&format!("/people/{other}")).await.status, StatusCode::OK);
        let csrf = county.csrf.clone();
        let r = county
            .post_form(
                "/scope",
                &[("_csrf", &csrf), ("scope", "360733100"), ("back", "/people")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(
            county.get(&format!("/people/{other}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(county.get("/people").await.text().contains("文武坝镇"));
    }
}

#[tokio::test]
async fn the_api_lists_gets_creates_and_updates_with_validation_and_locking() {
    for (b, store, router) in apps(30).await {
        let mut api = Client::new(&router);
        let r = api
            .send_json(
                "POST",
                "/api/v1/session",
                serde_json::json!({"username": "huichang", "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.text());
        api.bearer = Some(r.json()["token"].as_str().unwrap().to_string());

        let list = api.get("/api/v1/people?per_page=10&sort=name").await.json();
        assert_eq!(list["total"], 30, "{b}");
        assert_eq!(list["items"].as_array().unwrap().len(), 10);
        assert!(list["items"][0]["id_number_masked"]
            .as_str()
            .unwrap()
            .contains("********"));

        let bad = api.send_json("POST", "/api/v1/people", serde_json::json!({"name": "", "id_number": "3.60733E+17", "hukou_division": "999999", "hukou_type": "农村"})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        let errs = bad.json()["errors"].as_array().unwrap().clone();
        let fields: Vec<&str> = errs.iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["name", "id_number", "hukou_division"], "{b}");

        let id_number = id_with_check("36073319381212001");
        let created = api.send_json("POST", "/api/v1/people", serde_json::json!({"name": "曾福生", "id_number": id_number, "hukou_division": "360733102", "hukou_type": "城镇", "categories": "低保"})).await;
        assert_eq!(created.status, StatusCode::CREATED, "{b}: {}", created.text());
        let id = created.json()["id"].as_i64().unwrap();
        let got = api.get(&format!("/api/v1/people/{id}")).await.json();
        assert_eq!(got["id_number"], id_number.as_str());
        assert_eq!(got["categories"], serde_json::json!(["dibao"]));
        let version = got["version"].as_i64().unwrap();
        let upd = serde_json::json!({"version": version, "name": "曾福生", "id_number": id_number, "hukou_division": "360733102", "hukou_type": "urban", "phone": "13907971111"});
        assert_eq!(
            api.send_json("PUT", &format!("/api/v1/people/{id}"), upd.clone())
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let stale = api.send_json("PUT", &format!("/api/v1/people/{id}"), serde_json::json!({"version": version, "name": "改", "id_number": id_number, "hukou_division": "360733102", "hukou_type": "urban"})).await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{b}");
        assert_eq!(stale.json()["error"], "conflict");
        let log = store
            .audit_entries(Some(("person", &id.to_string())), 10, 0)
            .await
            .unwrap();
        assert!(log.iter().all(|e| e.channel == "api"));

        // A cookie session must send the CSRF header for API writes.
        let mut browser = Client::login(&router, "huichang").await;
        let r = browser.send_json("POST", "/api/v1/people", serde_json::json!({})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error"], "csrf");

        // Malformed JSON is answered in the API's error format.
        let r = api
            .send(
                Request::post("/api/v1/people")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from("{oops"))
                    .unwrap(),
            )
            .await;
        assert!(r.status.is_client_error(), "{b}");
        assert_eq!(r.json()["error"], "bad_request");
        assert!(r.json()["message"].as_str().unwrap().starts_with("请求格式有误"));

        let r = api.get("/api/v1/nothing-here").await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.json()["error"], "not_found");

        let doc = api.get("/api/v1/openapi.json").await.json();
        for path in ["/api/v1/people", "/api/v1/people/{id}", "/api/v1/session"] {
            assert!(doc["paths"][path].is_object(), "{path} documented");
        }
        assert!(doc["components"]["schemas"]["PersonInput"].is_object());
    }
}

/// Uploads a file on 批量导入 and follows its job to the end: (the job's page, its last status).
async fn upload_and_wait(c: &mut Client, file_name: &str, csv: &str) -> (String, serde_json::Value) {
    let (ct, body) = multipart(&c.csrf.clone(), file_name, csv.as_bytes());
    let r = c
        .send(
            Request::post("/imports")
                .header(header::CONTENT_TYPE, ct)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let job_url = r.location();
    let mut status = serde_json::Value::Null;
    for _ in 0..200 {
        status = c.get(&format!("{job_url}/status")).await.json();
        if status["status"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    (job_url, status)
}

fn multipart(csrf: &str, file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----yiyangtestboundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n").as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn an_upload_is_imported_in_the_background_with_progress_and_a_report() {
    for (b, store, router) in apps(5).await {
        let mut c = Client::login(&router, "huichang").await;
        c.get("/imports").await;
        let good = id_with_check("36073319300606001");
        let csv = format!(
            "姓名,身份证号码,区划代码,户籍性质\n欧阳长根,{good},360733105,农村\n坏行,36073319300606001,360733,农村\n"
        );
        let (job_url, status) = upload_and_wait(&mut c, "台账.csv", &csv).await;
        assert_eq!(status["status"], "done", "{b}: {status}");
        assert_eq!(status["inserted"], 1);
        assert_eq!(status["rejected"], 1);
        let page = c.get(&job_url).await.text();
        assert!(page.contains("身份证号应为 18 位，实际为 17 位"), "{b}");
        let report = c.get(&format!("{job_url}/report.xlsx")).await;
        assert!(report.body.starts_with(b"PK"));
        assert!(store.person_id_by_number_in(&good, "").await.unwrap().is_some());

        // Another county's staff cannot see this job.
        let mut wenwuba = Client::login(&router, "wenwuba").await;
        assert_eq!(wenwuba.get(&job_url).await.status, StatusCode::NOT_FOUND);

        // The template: its header row, filled in and uploaded, is read column by column (none
        // ignored); its code sheet lists the clerk's own divisions only.
        let t = c.get("/imports/template.xlsx").await;
        assert_eq!(t.status, StatusCode::OK, "{b}");
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(t.body.clone())).unwrap();
        let sheet = wb.worksheet_range("老年人信息").unwrap();
        let headers: Vec<String> = sheet.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        assert!(
            headers.len() >= 17 && headers[1].contains("身份证号"),
            "{b}: {headers:?}"
        );
        let filled = id_with_check("36073319350707002");
        let mut row = vec![String::new(); headers.len()];
        row[0] = "赖桂香".into();
        row[1] = filled.clone();
        row[2] = "360733100".into();
        row[3] = "农村".into();
        row[headers.iter().position(|h| h == "人员类别").unwrap()] = "五保户、独居老人".into();
        let csv = format!("{}\n{}\n", headers.join(","), row.join(","));
        let (_, status) = upload_and_wait(&mut c, "模板.csv", &csv).await;
        assert_eq!(
            (status["inserted"].as_i64(), status["rejected"].as_i64()),
            (Some(1), Some(0)),
            "{b}: {status}"
        );
        let id = store.person_id_by_number_in(&filled, "").await.unwrap().unwrap();
        let p = store.person_in_scope(id, "360733").await.unwrap().unwrap();
        assert_eq!(
            p.record.categories,
            vec!["alone".to_string(), "tekun".to_string()],
            "{b}"
        );
        let t = wenwuba.get("/imports/template.xlsx").await;
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(t.body.clone())).unwrap();
        let codes = wb.worksheet_range("区划代码").unwrap();
        let listed: Vec<String> = codes.rows().skip(1).map(|r| r[0].to_string()).collect();
        assert!(
            !listed.is_empty() && listed.iter().all(|c| c.starts_with("360733100")),
            "{b}: {listed:?}"
        );
    }
}

#[tokio::test]
async fn logout_ends_the_session() {
    for (_, _, router) in apps(1).await {
        let mut c = Client::login(&router, "shenji").await;
        let csrf = c.csrf.clone();
        assert_eq!(
            c.post_form("/logout", &[("_csrf", &csrf)]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(c.get("/").await.status, StatusCode::SEE_OTHER);
    }
}
