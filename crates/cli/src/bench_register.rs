//! `bench register`: the register's list and search at province scale (issue 13). Fills the
//! database up to `people` older people across Jiangxi (as `bench dashboard` does), then, for
//! each page of the mix, `sessions` signed-in sessions request it `rounds` times each at once
//! through the real router: the list, name searches (surname, full name, given name, pinyin
//! initials; the generated register has 20 surnames and 30 given names, so each name is
//! far commoner than in life), a county filter, a deep page, the next page after a cursor, and a person's page
//! (each view audited). Prints p50/p95/p99 and throughput per page.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use yiyang_domain::role::Role;
use yiyang_store::users::NewUser;
use yiyang_store::Store;

use crate::bench_services::{Browser, PASSWORD};

const PROVINCE: &str = "36";
const USER: &str = "bench-sheng";
const COUNTY_USER: &str = "bench-huichang";

async fn account(store: &Store, username: &str, name: &str, scope: &str) -> Result<(), super::AnyError> {
    if !store.user_exists(username).await? {
        store
            .create_user(
                &NewUser {
                    username,
                    display_name: name,
                    password: PASSWORD,
                    role: Role::CivilAffairs,
                    scope,
                    institution_id: None,
                },
                &super::cli_actor(),
            )
            .await?;
    }
    Ok(())
}

/// The people linked from a list page, in order.
fn listed(body: &str) -> Vec<String> {
    body.split("<td><a href=\"/people/")
        .skip(1)
        .map(|s| s.chars().take_while(char::is_ascii_digit).collect())
        .collect()
}

/// `sessions` sessions each request `uri` `rounds` times, all at once.
async fn phase(browsers: &mut Vec<Browser>, uri: &str, rounds: usize) -> (Vec<Duration>, f64) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for mut b in browsers.drain(..) {
        let uri = uri.to_string();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::with_capacity(rounds);
            for _ in 0..rounds {
                let a = Instant::now();
                let (s, _, _) = b.get(&uri).await;
                times.push(a.elapsed());
                assert_eq!(s, StatusCode::OK, "{uri}");
            }
            (b, times)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        let (b, times) = t.await.expect("a session");
        browsers.push(b);
        all.extend(times);
    }
    let wall = started.elapsed().as_secs_f64();
    (all, wall)
}

fn report(name: &str, mut v: Vec<Duration>, wall: f64) {
    v.sort();
    let q = |p: f64| v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1].as_secs_f64() * 1000.0;
    println!(
        "  {name}: n={} p50={:.1} ms p95={:.1} ms p99={:.1} ms  {:.0} requests/s",
        v.len(),
        q(0.50),
        q(0.95),
        q(0.99),
        v.len() as f64 / wall
    );
}

pub async fn run(db: &str, people: usize, sessions: usize, rounds: usize) -> Result<(), super::AnyError> {
    let store = crate::open_store(db).await?;
    crate::bench_dashboard::fill(&store, people).await?;
    account(&store, USER, "江西省民政厅（基准测试）", PROVINCE).await?;
    account(&store, COUNTY_USER, "会昌县民政局（基准测试）", "360733").await?;
    let registered = store.count_people_in(PROVINCE).await?;
    println!(
        "bench register: backend={} people_in_36={registered} sessions={sessions} rounds={rounds}",
        store.backend()
    );
    let router = yiyang_web::router(yiyang_web::AppState::new(store.clone()));
    for (user, label) in [(USER, "province"), (COUNTY_USER, "会昌县")] {
        let mut browsers = Vec::with_capacity(sessions);
        for _ in 0..sessions.max(1) {
            browsers.push(Browser::login(&router, user).await);
        }
        let (_, _, first) = browsers[0].get("/people").await;
        let listed = listed(&first);
        let mut pages: Vec<(String, String)> = vec![
            ("list".into(), "/people".into()),
            ("search surname 陈".into(), "/people?q=%E9%99%88".into()),
            (
                "search full name 陈建国".into(),
                "/people?q=%E9%99%88%E5%BB%BA%E5%9B%BD".into(),
            ),
            ("search given name 建国".into(), "/people?q=%E5%BB%BA%E5%9B%BD".into()),
            ("search initials cjg".into(), "/people?q=cjg".into()),
            ("search last four 1234".into(), "/people?q=1234".into()),
            ("filter county 章贡区 / a town".into(), "/people?division=360702".into()),
            ("page 200".into(), "/people?page=200".into()),
        ];
        if label != "province" {
            pages[6] = ("filter town 文武坝镇".into(), "/people?division=360733100".into());
        }
        if let (Some(first), Some(last)) = (listed.first(), listed.last()) {
            pages.push(("next page (cursor)".into(), format!("/people?after={last}")));
            pages.push(("person page (audited)".into(), format!("/people/{first}")));
        }
        println!(" {label}:");
        for (name, uri) in pages {
            let (times, wall) = phase(&mut browsers, &uri, rounds).await;
            report(&name, times, wall);
        }
    }
    Ok(())
}
