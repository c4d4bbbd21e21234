//! `bench dashboard`: a province's dashboard (issue 17: under 200 ms for 8,000,000 people).
//! Fills the database up to `people` older people spread over every county of Jiangxi (one
//! generated file of about a million rows at a time, so memory stays bounded), times the job
//! that keeps the month's values for the whole register (what `serve` runs hourly), then opens
//! the province account's home page and dashboard, a city's and a county's, through the real
//! router, `rounds` times each. Latencies: p50, p99, max.

use std::time::{Duration, Instant};

use axum::http::StatusCode;
use yiyang_domain::dates::Month;
use yiyang_domain::role::Role;
use yiyang_store::users::NewUser;
use yiyang_store::Store;

use crate::bench_services::{report, Browser, PASSWORD};

const PROVINCE: &str = "36";
const USER: &str = "bench-sheng";

/// Generates and imports people up to `people`, county by county, a file at a time.
pub(crate) async fn fill(store: &Store, people: usize) -> Result<(), super::AnyError> {
    let have = store.count_people_in(PROVINCE).await? as usize;
    if have >= people {
        return Ok(());
    }
    let r = store.reference();
    let mut counties: Vec<String> = r
        .divisions
        .keys()
        .filter(|c| c.len() == 6 && c.starts_with(PROVINCE) && !c.ends_with("00"))
        .filter(|c| r.divisions.keys().any(|t| t.len() == 9 && t.starts_with(c.as_str())))
        .cloned()
        .collect();
    counties.sort();
    let today = chrono::Local::now().date_naive();
    let per_county = (people - have).div_ceil(counties.len());
    let mut left = people - have;
    let mut batch = Vec::new();
    let path = std::env::temp_dir().join(format!("yiyang-bench-dashboard-{}.csv", std::process::id()));
    let started = Instant::now();
    for (i, county) in counties.iter().enumerate() {
        let n = per_county.min(left);
        if n == 0 {
            break;
        }
        let mut towns: Vec<(String, String)> = r
            .divisions
            .iter()
            .filter(|(c, _)| c.len() == 9 && c.starts_with(county.as_str()))
            .map(|(c, n)| (c.clone(), n.clone()))
            .collect();
        towns.sort();
        batch.extend(yiyang_store::demo::generate_people(
            n,
            county,
            &towns,
            36_000 + i as u64,
            today,
        ));
        left -= n;
        if batch.len() >= 1_000_000 || left == 0 || i + 1 == counties.len() {
            yiyang_store::demo::write_csv(&batch, &path)?;
            store.import_people(&path, "", &super::cli_actor(), &|_, _| {}).await?;
            eprintln!(
                "已导入 {} / {} 人（{:.0} 秒）",
                people - left,
                people,
                started.elapsed().as_secs_f64()
            );
            batch.clear();
        }
    }
    let _ = std::fs::remove_file(&path);
    Ok(())
}

pub async fn run(db: &str, people: usize, rounds: usize) -> Result<(), super::AnyError> {
    let store = crate::open_store(db).await?;
    fill(&store, people).await?;
    if !store.user_exists(USER).await? {
        store
            .create_user(
                &NewUser {
                    username: USER,
                    display_name: "江西省民政厅（基准测试）",
                    password: PASSWORD,
                    role: Role::CivilAffairs,
                    scope: PROVINCE,
                    institution_id: None,
                },
                &super::cli_actor(),
            )
            .await?;
    }
    let packs = yiyang_domain::policy::shipped::packs();
    let month = Month::of(chrono::Local::now().date_naive());
    let t = Instant::now();
    let kept = store.snapshot_indicators("", month, &packs).await?;
    let job = t.elapsed().as_secs_f64();
    let living = store
        .stored_values(PROVINCE, &month.to_string())
        .await?
        .into_iter()
        .find(|v| v.indicator == yiyang_store::planning::snapshot::PEOPLE_ALIVE)
        .and_then(|v| v.numerator)
        .unwrap_or(0);
    println!(
        "bench dashboard: backend={} people_alive_in_36={living} values_kept={kept} snapshot_job_seconds={job:.1}",
        store.backend()
    );
    let router = yiyang_web::router(yiyang_web::AppState::new(store.clone()));
    let mut b = Browser::login(&router, USER).await;
    for (name, uri) in [
        ("首页 home (province)", "/"),
        ("驾驶舱 dashboard (province)", "/dashboard"),
        ("驾驶舱 dashboard (赣州市)", "/dashboard?division=3607"),
        (
            "驾驶舱 dashboard (会昌县)",
            "/dashboard?division=360733&indicator=people_alive",
        ),
    ] {
        let mut times: Vec<Duration> = Vec::with_capacity(rounds);
        for _ in 0..rounds {
            let a = Instant::now();
            let (s, _, body) = b.get(uri).await;
            times.push(a.elapsed());
            assert_eq!(s, StatusCode::OK, "{uri}");
            assert!(!body.contains("尚未生成"), "{uri}: the values are kept");
        }
        report(name, times);
    }
    Ok(())
}
