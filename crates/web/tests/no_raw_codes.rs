//! Names, not codes: every page every demo account can open is read as a person reads it (the
//! text, not the markup), and fails when it shows a raw code from one of the platform's code
//! lists — a status, a category, a benefit, a role, a pack id, a username used as a signature,
//! or a division code — instead of its Chinese label.

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::*;

/// What a reader sees of a page: no scripts, styles, comments, tags or attributes. Two kinds
/// of content are shown as recorded, on purpose, and skipped: an audit line's content
/// (`<code class="record">`: the bytes its hash covers) and a draw's canonical input text
/// (`<pre class="canonical">`: what anyone needs, byte for byte, to redo the draw).
fn visible_text(html: &str) -> String {
    let mut s = html.to_string();
    for (open, close) in [
        ("<script", "</script>"),
        ("<style", "</style>"),
        ("<!--", "-->"),
        ("<code class=\"record\">", "</code>"),
        ("<pre class=\"canonical", "</pre>"),
    ] {
        while let Some(i) = s.find(open) {
            let Some(j) = s[i..].find(close) else { break };
            s.replace_range(i..i + j + close.len(), " ");
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for ch in s.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#38;", "&")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
}

/// The raw codes a page must not show.
fn code_words(state: &yiyang_web::AppState) -> BTreeSet<String> {
    let mut words: BTreeSet<String> = BTreeSet::new();
    let mut add = |w: &str| {
        words.insert(w.to_string());
    };
    for (c, _) in yiyang_store::institutions::BED_STATUSES {
        add(c);
    }
    for (c, _) in yiyang_store::institutions::INSTITUTION_STATUSES {
        add(c);
    }
    for (c, _) in yiyang_store::institutions::FIRE_SAFETY {
        add(c);
    }
    for k in yiyang_domain::institution::InstitutionKind::ALL {
        add(k.code());
    }
    for r in yiyang_domain::role::Role::ALL {
        add(r.code());
    }
    for c in &state.store.reference().catalogue.categories {
        add(&c.code);
    }
    for p in state.packs.iter() {
        add(&p.id);
        for b in &p.benefits {
            add(&b.code);
        }
        for r in &p.rules {
            add(&r.id);
        }
        for prm in &p.params {
            add(&prm.name);
        }
    }
    // Staff accounts' codes; a family account's name is its phone number, which is no code.
    for (username, ..) in yiyang_store::demo::DEMO_ACCOUNTS {
        if !username.bytes().all(|b| b.is_ascii_digit()) {
            add(username);
        }
    }
    for w in [
        "rural",
        "urban",
        "draft",
        "computing",
        "reviewed",
        "approved",
        "exported",
        "returned",
        "auto",
        "done",
        "unassessed",
        "os:root",
    ] {
        add(w);
    }
    // Words that are codes in one list and ordinary in the text would go here; none so far.
    words
}

/// Raw codes in the text: words from the lists, and division codes standing alone (a masked
/// ID number begins with its division's code followed by asterisks: that is the number, shown
/// masked, and is allowed).
fn raw_codes(text: &str, words: &BTreeSet<String>, divisions: &yiyang_store::RefData) -> Vec<String> {
    let mut found = Vec::new();
    for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == ':')) {
        if words.contains(w) {
            found.push(w.to_string());
        }
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let run = &text[start..i];
            let before = start.checked_sub(1).map(|k| bytes[k]);
            let after = bytes.get(i).copied();
            let glued =
                |b: Option<u8>| b.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'-' || b == b'.');
            if matches!(run.len(), 6 | 9 | 12)
                && !glued(before)
                && !glued(after)
                && divisions.division_name(run).is_some()
            {
                found.push(run.to_string());
            }
        } else {
            i += 1;
        }
    }
    found
}

#[tokio::test]
async fn no_page_shows_a_raw_code() {
    // Pages render the same on either backend; one is enough here.
    let (_b, store, router) = apps(40).await.into_iter().next().unwrap();
    let state = yiyang_web::AppState::new(store.clone());
    let words = code_words(&state);
    let reference = store.reference();
    let mut problems = BTreeSet::new();
    let all = yiyang_web::route_paths();
    let paths: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|p| !p.starts_with("/api/") && !p.starts_with("/static/") && *p != "/logout")
        .filter(|p| !p.ends_with(".csv") && !p.ends_with(".xlsx") && !p.ends_with(".json") && !p.contains(".zip"))
        .filter(|p| !p.contains("/photos/") && !p.ends_with("/photo"))
        .collect();
    for (username, ..) in yiyang_store::demo::DEMO_ACCOUNTS {
        let mut c = Client::login(&router, username).await;
        for path in &paths {
            // Records 1 to 3 of each kind; a pack's page by its id (but the benchmark's pack,
            // whose clauses cite the benchmark spec's rule table by its row names).
            let uris: Vec<String> = if *path == "/policy/{id}" {
                state
                    .packs
                    .iter()
                    .filter(|p| p.id != "bench")
                    .map(|p| format!("/policy/{}", p.id))
                    .collect()
            } else if path.contains('{') {
                (1..=3).map(|id| fill(path, id)).collect()
            } else {
                vec![path.to_string()]
            };
            for uri in uris {
                let r = c.get(&uri).await;
                if r.status != StatusCode::OK
                    || !r
                        .headers
                        .get("content-type")
                        .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"))
                {
                    continue;
                }
                let text = visible_text(&r.text());
                for code in raw_codes(&text, &words, &reference) {
                    // Where it stands, for whoever mends the page.
                    let at = text.find(&code).unwrap_or(0);
                    let around: String = text[..at]
                        .chars()
                        .rev()
                        .take(30)
                        .collect::<Vec<_>>()
                        .into_iter()
                        .rev()
                        .collect();
                    let after: String = text[at..].chars().take(40).collect();
                    let context = format!("{around}{after}")
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    problems.insert(format!("{uri} ({username}): {code} in “{context}”"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} pages show raw codes:\n{}",
        problems.len(),
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_check_finds_what_it_looks_for() {
    let words: BTreeSet<String> = ["vacant", "huichang"].into_iter().map(String::from).collect();
    let r = yiyang_store::RefData::new(
        [("360733".to_string(), "会昌县".to_string())].into_iter().collect(),
        Default::default(),
    );
    let page = "<p title=\"vacant\">床位 <b>vacant</b>，经办 huichang，区划 360733，身份证 360733********0305</p><script>var a='occupied 360733';</script>";
    let text = visible_text(page);
    let mut found = raw_codes(&text, &words, &r);
    found.sort();
    assert_eq!(found, ["360733", "huichang", "vacant"]);
    assert!(raw_codes("信用代码 12360733MB1234567G，2026-11-30", &words, &r).is_empty());
}

/// Every cell of every sheet of a workbook, one line a row.
fn workbook_rows(bytes: &[u8]) -> Vec<String> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("an .xlsx file");
    let mut rows = Vec::new();
    for name in wb.sheet_names().to_vec() {
        rows.push(name.clone());
        if let Ok(range) = wb.worksheet_range(&name) {
            rows.extend(
                range
                    .rows()
                    .map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("\t")),
            );
        }
    }
    rows
}

/// The name a download is saved under (`filename*=UTF-8''…` decoded, or `filename="…"`).
fn file_name(r: &Resp) -> String {
    let cd = r
        .headers
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if let Some(enc) = cd.split("filename*=UTF-8''").nth(1) {
        let enc = enc.split(';').next().unwrap_or("").as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < enc.len() {
            if enc[i] == b'%' && i + 2 < enc.len() {
                out.push(u8::from_str_radix(std::str::from_utf8(&enc[i + 1..i + 3]).unwrap(), 16).unwrap());
                i += 3;
            } else {
                out.push(enc[i]);
                i += 1;
            }
        }
        return String::from_utf8(out).expect("a UTF-8 file name");
    }
    cd.split("filename=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_string()
}

/// What the demo lacks for three downloads, made as people make it: last month's run of 会昌县
/// reviewed and approved (its id returned) with one of its payees still without an account,
/// and the private home's construction subsidy prepared, reviewed and approved.
async fn approved_run_and_grant(store: &yiyang_store::Store, router: &axum::Router) -> i64 {
    let today = chrono::Local::now().date_naive();
    let month = yiyang_domain::dates::Month::of(today - chrono::Days::new(u64::from(chrono::Datelike::day(&today))));
    let mut clerk = Client::api(router, "huichang").await;
    let run = clerk.run_to_draft(&month.to_string()).await["id"]
        .as_i64()
        .expect("a run");
    // Someone paid has no account yet, so that the list of lines without one is there too.
    let paid = store
        .run_lines(run, None, None)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.payee_kind == "person" && l.amount_fen > 0)
        .expect("someone paid");
    store
        .execute_raw_for_tests(&format!(
            "DELETE FROM payment_accounts WHERE person_id = {}",
            paid.person_id
        ))
        .await
        .unwrap();
    for (who, step) in [("shenhe", "review"), ("shenpi", "approve")] {
        let mut c = Client::api(router, who).await;
        let r = c
            .send_json(
                "POST",
                &format!("/api/v1/benefit-runs/{run}/{step}"),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{step}: {}", r.text());
    }
    let home = store
        .institutions_in("360733")
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.code == "JG3607332001")
        .expect("the private home")
        .id
        .to_string();
    let mut clerk = Client::login(router, "huichang").await;
    let csrf = clerk.csrf.clone();
    let r = clerk
        .post_form(
            &format!("/institutions/{home}/construction-subsidy"),
            &[("_csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    for (who, to) in [("shenhe", "reviewed"), ("shenpi", "approved")] {
        let mut c = Client::login(router, who).await;
        let page = c.get(&format!("/grants/construction/{home}")).await.text();
        let digest = digest_of(&page);
        let csrf = c.csrf.clone();
        let r = c
            .post_form(
                "/grants/sign",
                &[
                    ("_csrf", &csrf),
                    ("kind", "construction"),
                    ("owner", &home),
                    ("to", to),
                    ("digest", &digest),
                    ("confirm", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{to}: {}", r.text());
    }
    run
}

/// Downloads are read like pages: the file's name and every cell. A division code standing in
/// a row beside its own name is a key shown with its name (the import template's code sheet,
/// which a clerk copies codes from) and is allowed. The open-data file (`/gongkai/indicators.csv`)
/// is left out on purpose: it is a machine-readable data set whose columns are codes with a
/// name column beside them, published for reuse.
#[tokio::test]
async fn no_download_shows_a_raw_code() {
    let (_b, store, router) = apps(40).await.into_iter().next().unwrap();
    let state = yiyang_web::AppState::new(store.clone());
    let words = code_words(&state);
    let reference = store.reference();
    let all = yiyang_web::route_paths();
    let paths: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|p| !p.starts_with("/api/") && (p.ends_with(".xlsx") || p.ends_with(".csv")))
        .filter(|p| *p != "/gongkai/indicators.csv")
        .collect();
    assert!(paths.len() >= 7, "{paths:?}");
    let run = approved_run_and_grant(&store, &router).await;
    let mut problems = BTreeSet::new();
    let mut read: BTreeSet<String> = BTreeSet::new();
    for (username, ..) in yiyang_store::demo::DEMO_ACCOUNTS {
        let mut c = Client::login(&router, username).await;
        for path in &paths {
            let uris: Vec<String> = if path.contains('{') {
                [1, 2, 3, run]
                    .iter()
                    .map(|id| fill(path, *id))
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect()
            } else {
                vec![path.to_string()]
            };
            for uri in uris {
                let mut r = c.get(&uri).await;
                if r.status == StatusCode::METHOD_NOT_ALLOWED {
                    let csrf = c.csrf.clone();
                    r = c.post_form(&uri, &[("_csrf", &csrf)]).await;
                }
                if r.status != StatusCode::OK {
                    continue;
                }
                read.insert(path.to_string());
                let name = file_name(&r);
                assert!(!name.is_empty(), "{uri} ({username}): a download without a name");
                let mut rows = vec![name];
                if path.ends_with(".xlsx") {
                    rows.extend(workbook_rows(&r.body));
                } else {
                    rows.extend(r.text().lines().map(str::to_string));
                }
                for row in rows {
                    for code in raw_codes(&row, &words, &reference) {
                        let beside_its_name = reference.division_name(&code).is_some_and(|n| row.contains(n));
                        if !beside_its_name {
                            let short: String = row.chars().take(80).collect();
                            problems.insert(format!("{uri} ({username}): {code} in “{short}”"));
                        }
                    }
                }
            }
        }
    }
    // Every kind of download was read at least once (the demo has a record of each).
    let unread: Vec<&&str> = paths.iter().filter(|p| !read.contains(**p)).collect();
    assert!(unread.is_empty(), "downloads the demo could not produce: {unread:?}");
    assert!(
        problems.is_empty(),
        "{} downloads show raw codes:\n{}",
        problems.len(),
        problems.into_iter().collect::<Vec<_>>().join("\n")
    );
}
