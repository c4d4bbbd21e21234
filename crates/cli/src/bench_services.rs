//! `bench services`: home services under load through the real router (in process: every
//! layer, handler and query; no network). A county of `people` older people, `seed_orders`
//! orders already on record, then `users` families and their workers at once, each round: the
//! family orders (下单), the worker checks in (签到) and out with what was done (签退: the service
//! record), the family opens the order (查看). Each user pauses between steps as a person does
//! (uniformly 0 to 2 × `think_ms`; 0: back to back, which measures saturation, not latency).
//! Latencies per step: p50, p99, max.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use tower::ServiceExt;
use yiyang_domain::role::Role;
use yiyang_domain::services::order::Relation;
use yiyang_store::audit::Actor;
use yiyang_store::services::orders::OrderViewer;
use yiyang_store::services::DEMO_PROVIDER;
use yiyang_store::users::NewUser;
use yiyang_store::Store;

pub(crate) const PASSWORD: &str = "bench-password-2026";
const COUNTY: &str = "360733";

/// A browser in miniature: cookies, the page's CSRF token.
pub(crate) struct Browser {
    router: Router,
    cookies: HashMap<String, String>,
    csrf: String,
}

impl Browser {
    async fn send(&mut self, req: Request<Body>) -> (StatusCode, String, String) {
        let mut req = req;
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        req.headers_mut().insert(header::COOKIE, cookie.parse().expect("ascii"));
        let r = self.router.clone().oneshot(req).await.expect("infallible");
        let status = r.status();
        for c in r.headers().get_all(header::SET_COOKIE) {
            if let Some((kv, _)) = c
                .to_str()
                .unwrap_or("")
                .split_once(';')
                .or(Some((c.to_str().unwrap_or(""), "")))
            {
                if let Some((k, v)) = kv.split_once('=') {
                    self.cookies.insert(k.trim().into(), v.trim().into());
                }
            }
        }
        let location = r
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = r.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let text = String::from_utf8_lossy(&body).into_owned();
        if let Some(i) = text.find("name=\"_csrf\" value=\"") {
            self.csrf = text[i + 20..].chars().take_while(|c| *c != '"').collect();
        }
        (status, location, text)
    }
    pub(crate) async fn get(&mut self, uri: &str) -> (StatusCode, String, String) {
        self.send(Request::get(uri).body(Body::empty()).expect("request")).await
    }
    async fn post(&mut self, uri: &str, pairs: &[(&str, &str)]) -> (StatusCode, String, String) {
        let mut all = vec![("_csrf".to_string(), self.csrf.clone())];
        all.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let body = all
            .iter()
            .map(|(k, v)| format!("{k}={}", v.bytes().map(|b| format!("%{b:02X}")).collect::<String>()))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            Request::post(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .expect("request"),
        )
        .await
    }
    pub(crate) async fn login(router: &Router, user: &str) -> Browser {
        let mut b = Browser {
            router: router.clone(),
            cookies: HashMap::new(),
            csrf: String::new(),
        };
        b.get("/login").await;
        let (s, _, _) = b
            .post("/login", &[("username", user), ("password", PASSWORD), ("next", "/")])
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "login {user}");
        b
    }
}

fn who(name: &str) -> Actor {
    Actor {
        name: name.into(),
        channel: "cli",
        source: "bench".into(),
        scope: COUNTY.into(),
    }
}

/// The county, the accounts and the orders already on record.
async fn prepare(
    store: &Store,
    people: usize,
    users: usize,
    seed_orders: usize,
) -> Result<Vec<(String, String, i64)>, super::AnyError> {
    if store.provider_by_code(DEMO_PROVIDER).await?.is_none() {
        store.load_demo(3000, &super::cli_actor()).await?;
    }
    let have = store.count_people_in(COUNTY).await? as usize;
    if have < people {
        let r = store.reference();
        let mut places: Vec<(String, String)> = r
            .divisions
            .iter()
            .filter(|(c, _)| c.len() == 12 && c.starts_with(COUNTY))
            .map(|(c, n)| (c.clone(), n.clone()))
            .collect();
        if places.is_empty() {
            places = r.children(COUNTY);
        }
        places.sort();
        let more = yiyang_store::demo::generate_people(
            people - have,
            COUNTY,
            &places,
            7_000_733,
            chrono::Local::now().date_naive(),
        );
        let path = std::env::temp_dir().join(format!("yiyang-bench-services-{people}.csv"));
        yiyang_store::demo::write_csv(&more, &path)?;
        eprintln!("导入 {} 人……", more.len());
        store
            .import_people(&path, COUNTY, &super::cli_actor(), &|_, _| {})
            .await?;
        let _ = std::fs::remove_file(&path);
    }
    let ids = store.living_ids_in(COUNTY, (users + 1000) as i64).await?;
    let home = yiyang_domain::planning::circle::Point::new(25.6006, 115.7869).expect("会昌");
    let mut out = Vec::new();
    for (i, person) in ids.iter().copied().enumerate().take(users) {
        let family = format!("1390000{i:04}");
        let worker = format!("bench-w{i}");
        if !store.user_exists(&family).await? {
            for (u, role, inst) in [
                (&family, Role::Family, None),
                (&worker, Role::Provider, Some(DEMO_PROVIDER)),
            ] {
                store
                    .create_user(
                        &NewUser {
                            username: u,
                            display_name: u,
                            password: PASSWORD,
                            role,
                            scope: COUNTY,
                            institution_id: inst,
                        },
                        &super::cli_actor(),
                    )
                    .await?;
            }
            store
                .link_directly(&family, person, Relation::Child, COUNTY, &who("huichang"))
                .await?;
            store
                .set_person_location(person, home, "clerk", &who("huichang"))
                .await?;
        }
        out.push((family, worker, person));
    }
    // Orders on record: a month of a county's orders (placed by clerks for many people).
    let on_record = store.count_orders().await? as usize;
    if on_record < seed_orders {
        let services = store.services_for_person(ids[0]).await?;
        let sid = services
            .iter()
            .find(|(c, _, _)| c.kind == "clean")
            .map(|(c, _, _)| c.id.to_string())
            .unwrap_or_default();
        let bar = indicatif::ProgressBar::new((seed_orders - on_record) as u64);
        let now = chrono::Utc::now();
        for k in 0..seed_orders - on_record {
            let start = now + chrono::Duration::hours(2 + (k % 600) as i64);
            let local = start.with_timezone(&chrono::Local);
            let input = yiyang_store::services::orders::OrderInput {
                service_id: sid.clone(),
                units: "1".into(),
                date: local.format("%Y-%m-%d").to_string(),
                time: local.format("%H:%M").to_string(),
                ..Default::default()
            };
            let person = ids[users + k % 1000.min(ids.len() - users)];
            store
                .place_order(
                    person,
                    &input,
                    yiyang_domain::services::order::Channel::Clerk,
                    &who("huichang"),
                    now,
                )
                .await?;
            bar.inc(1);
        }
        bar.finish_and_clear();
    }
    Ok(out)
}

pub(crate) fn report(name: &str, mut v: Vec<Duration>) {
    v.sort();
    let q = |p: f64| v[((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1].as_secs_f64() * 1000.0;
    println!(
        "  {name}: n={} p50={:.1} ms p99={:.1} ms max={:.1} ms",
        v.len(),
        q(0.50),
        q(0.99),
        v.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    );
}

pub async fn run(
    db: &str,
    people: usize,
    users: usize,
    rounds: usize,
    seed_orders: usize,
    think_ms: u64,
) -> Result<(), super::AnyError> {
    let store = crate::open_store(db).await?;
    let t = Instant::now();
    let accounts = prepare(&store, people, users, seed_orders).await?;
    eprintln!("准备完成（{:.1} 秒）", t.elapsed().as_secs_f64());
    let router = yiyang_web::router(yiyang_web::AppState::new(store.clone()));
    let provider = store.provider_by_code(DEMO_PROVIDER).await?.ok_or("no demo provider")?;
    let sid = store
        .services_for_person(accounts[0].2)
        .await?
        .into_iter()
        .find(|(c, _, _)| c.kind == "clean" && c.provider_id == provider.id)
        .map(|(c, _, _)| c.id.to_string())
        .ok_or("no service")?;
    let mut sessions = Vec::new();
    for (f, w, p) in &accounts {
        sessions.push((
            Browser::login(&router, f).await,
            Browser::login(&router, w).await,
            *p,
            w.clone(),
        ));
    }
    let store = Arc::new(store);
    let t = Instant::now();
    let mut tasks = Vec::new();
    for (n, (mut fam, mut work, person, worker)) in sessions.into_iter().enumerate() {
        let (store, sid) = (store.clone(), sid.clone());
        tasks.push(tokio::spawn(async move {
            use rand::{Rng, SeedableRng};
            let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
            let mut think = move || {
                let ms = if think_ms == 0 {
                    0
                } else {
                    rng.gen_range(0..=2 * think_ms)
                };
                tokio::time::sleep(Duration::from_millis(ms))
            };
            let mut times: [Vec<Duration>; 4] = Default::default();
            fam.get(&format!("/family/order/{person}")).await;
            work.get("/services/work").await;
            for r in 0..rounds {
                let day = (chrono::Local::now().date_naive() + chrono::Days::new(1 + (r % 25) as u64)).to_string();
                think().await;
                let a = Instant::now();
                let (s, loc, _) = fam
                    .post(
                        &format!("/family/order/{person}"),
                        &[("service_id", &sid), ("units", "1"), ("date", &day), ("time", "09:00")],
                    )
                    .await;
                times[0].push(a.elapsed());
                assert_eq!(s, StatusCode::SEE_OTHER, "order");
                let id: i64 = loc.rsplit('/').next().and_then(|x| x.parse().ok()).expect("order id");
                let o = store
                    .order_visible(id, "", &OrderViewer::Division)
                    .await
                    .expect("db")
                    .expect("order");
                store
                    .accept_order(&o, &who("fuwu"), chrono::Utc::now())
                    .await
                    .expect("accept");
                let o = store
                    .order_visible(id, "", &OrderViewer::Division)
                    .await
                    .expect("db")
                    .expect("order");
                store
                    .assign_order(&o, &worker, DEMO_PROVIDER, &who("fuwu"), chrono::Utc::now())
                    .await
                    .expect("assign");
                let a = Instant::now();
                let (s, _, _) = work
                    .post(
                        &format!("/services/orders/{id}/worker/check-in"),
                        &[("lat", "25.6008"), ("lon", "115.7870")],
                    )
                    .await;
                times[1].push(a.elapsed());
                assert_eq!(s, StatusCode::SEE_OTHER, "check-in");
                think().await;
                let a = Instant::now();
                let (s, _, _) = work
                    .post(
                        &format!("/services/orders/{id}/worker/check-out"),
                        &[("lat", "25.6008"), ("lon", "115.7870"), ("items", "打扫卧室和厨房")],
                    )
                    .await;
                times[2].push(a.elapsed());
                assert_eq!(s, StatusCode::SEE_OTHER, "check-out");
                think().await;
                let a = Instant::now();
                let (s, _, _) = fam.get(&format!("/services/orders/{id}")).await;
                times[3].push(a.elapsed());
                assert_eq!(s, StatusCode::OK, "view");
            }
            times
        }));
    }
    let mut all: [Vec<Duration>; 4] = Default::default();
    for t in tasks {
        let got = t.await?;
        for (a, g) in all.iter_mut().zip(got) {
            a.extend(g);
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "bench services: backend={} people={} orders_on_record={} users={} rounds={} think_ms={} seconds={:.1}",
        store.backend(),
        store.count_people_in(COUNTY).await?,
        store.count_orders().await?,
        users,
        rounds,
        think_ms,
        secs
    );
    for (name, v) in [
        "下单 order",
        "签到 check-in",
        "签退 check-out (the record)",
        "查看 open order",
    ]
    .iter()
    .zip(all)
    {
        report(name, v);
    }
    Ok(())
}
