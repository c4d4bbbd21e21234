//! A run starts only for a month that has begun, under a pack that governs its scope, and once
//! at a time; two simultaneous starts get words, not a constraint error. Both backends.

use yiyang_domain::dates::Month;
use yiyang_domain::policy::shipped;
use yiyang_store::benefits::RunRequest;
use yiyang_store::testing::{actor_in, fresh_database_urls};
use yiyang_store::{Store, StoreError};

fn refusal<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(StoreError::Refused(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_run_needs_a_begun_month_a_governing_pack_and_one_start_at_a_time() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        s.load_demo(200, &actor_in("clerk", "360733")).await.unwrap();
        let packs = s.packs_in_force(&shipped::packs()).await.unwrap();
        let next = Month::of(chrono::Local::now().date_naive()).next();
        let run = |month: Month, pack: Option<&'static str>| {
            let (s, packs) = (s.clone(), packs.clone());
            async move {
                s.run_benefits(
                    &RunRequest {
                        pack,
                        ..RunRequest::new(month, "360733")
                    },
                    &packs,
                    &actor_in("clerk", "360733"),
                    &|_, _| {},
                )
                .await
            }
        };
        assert!(refusal(run(next, None).await).contains("尚未到来"), "{b}");
        let m = Month::parse("2026-10").unwrap();
        let why = refusal(run(m, Some("xinjiang-2019")).await);
        assert!(why.contains("不适用于") && why.contains("会昌县"), "{b}: {why}");
        // Two starts at once: one computes, the other is told, and nothing is paid twice.
        let (x, y) = tokio::join!(run(m, None), run(m, None));
        let (ok, other) = match (x, y) {
            (Ok(o), r) | (r, Ok(o)) => (o, r),
            (Err(e1), Err(e2)) => panic!("{b}: both refused: {e1:?} {e2:?}"),
        };
        match other {
            Ok(second) => assert_eq!(second.run.id, ok.run.id, "{b}: the same run"),
            Err(e) => assert!(refusal::<()>(Err(e)).contains("正在计算"), "{b}"),
        }
        let runs = s.list_benefit_runs("360733").await.unwrap();
        assert_eq!(runs.iter().filter(|r| r.month == "2026-10").count(), 1, "{b}");
    }
}
