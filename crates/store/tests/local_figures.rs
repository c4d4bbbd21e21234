//! A figure the document leaves open pays nothing and is listed as 待定 until the county sets
//! it through 经办 → 审核 → 审批; then the run pays it from its date. Both backends.

use chrono::NaiveDate;
use yiyang_domain::dates::Month;
use yiyang_domain::person::PersonInput;
use yiyang_domain::policy::local_figures::LocalFigure;
use yiyang_domain::policy::shipped;
use yiyang_domain::role::Role;
use yiyang_store::benefits::local_figures::{FigureStatus, FigureStep};
use yiyang_store::benefits::RunRequest;
use yiyang_store::testing::{actor_in, fresh_database_urls};
use yiyang_store::{Store, StoreError};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// An 85-year-old in 会昌县 on 低保 (经济困难).
async fn elder(s: &Store) -> i64 {
    let body = "36073319400303101";
    let id_number = format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()));
    let input = PersonInput {
        name: "测试甲".into(),
        id_number,
        hukou_division: "360733100".into(),
        hukou_type: "农村".into(),
        categories: "dibao".into(),
        ..Default::default()
    };
    let rec = input.validate(&*s.reference(), d("2026-11-01")).unwrap();
    s.create_person(&rec, "36", &actor_in("clerk", "360733")).await.unwrap()
}

fn fuwu(value_yuan: i64, from: &str) -> LocalFigure {
    LocalFigure {
        pack: "huichang-2021".into(),
        param: "fuwu".into(),
        value: value_yuan * 100,
        from: d(from),
        document: "会民字〔2026〕3号".into(),
        quote: None,
        demo: false,
    }
}

#[tokio::test]
async fn an_open_figure_is_pending_until_three_people_set_it_then_paid_from_its_date() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        let person = elder(&s).await;
        let base = shipped::packs();
        // Nothing set: the run pays no 服务补贴 and lists the person as pending.
        let packs = s.packs_in_force(&base).await.unwrap();
        let run = s
            .run_benefits(
                &RunRequest::new(Month::parse("2026-03").unwrap(), "360733"),
                &packs,
                &actor_in("clerk", "360733"),
                &|_, _| {},
            )
            .await
            .unwrap()
            .run;
        assert_eq!(run.total_fen, 0, "{b}");
        // 服务补贴 is pending; 高龄津贴's age band is open too, so that rule applies to no one.
        assert_eq!(run.pending, 1, "{b}");
        let summary = s.run_pending_summary(run.id).await.unwrap();
        assert!(summary.iter().any(|(k, n)| k == "fuwu" && *n == 1), "{b}: {summary:?}");

        // A reviewer may not prepare; a figure the document sets cannot be changed.
        let refused = s
            .propose_local_figure(
                &fuwu(80, "2026-04-01"),
                &base,
                Role::Reviewer,
                "360733",
                &actor_in("shenhe", "360733"),
            )
            .await;
        assert!(matches!(refused, Err(StoreError::Forbidden(_))), "{b}: {refused:?}");
        let fixed = LocalFigure {
            param: "yunying_disabled".into(),
            ..fuwu(300, "2026-04-01")
        };
        let refused = s
            .propose_local_figure(
                &fixed,
                &base,
                Role::CivilAffairs,
                "360733",
                &actor_in("clerk", "360733"),
            )
            .await;
        assert!(
            matches!(&refused, Err(StoreError::Invalid(e)) if e[0].message.contains("本地不能改动")),
            "{b}: {refused:?}"
        );
        // Another county's pack is not there for this user.
        let elsewhere = s
            .propose_local_figure(
                &fuwu(80, "2026-04-01"),
                &base,
                Role::CivilAffairs,
                "360702",
                &actor_in("clerk", "360733"),
            )
            .await;
        assert!(matches!(elsewhere, Err(StoreError::Invalid(_))), "{b}");

        let id = s
            .propose_local_figure(
                &fuwu(80, "2026-04-01"),
                &base,
                Role::CivilAffairs,
                "360733",
                &actor_in("clerk", "360733"),
            )
            .await
            .unwrap();
        let sign = |step: FigureStep, who: &'static str, role: Role| {
            let s = s.clone();
            async move {
                s.sign_local_figure(id, &step, who, role, "360733", &actor_in(who, "360733"))
                    .await
            }
        };
        // Not in force until approved; the preparer cannot review their own figure.
        assert!(s.approved_local_figures().await.unwrap().is_empty(), "{b}");
        assert!(matches!(
            sign(FigureStep::Review, "clerk", Role::Reviewer).await,
            Err(StoreError::Refused(_))
        ));
        // Returned with a note, withdrawn, and proposed again.
        assert!(matches!(
            sign(FigureStep::Return(" ".into()), "shenhe", Role::Reviewer).await,
            Err(StoreError::Invalid(_))
        ));
        assert_eq!(
            sign(FigureStep::Return("文号有误".into()), "shenhe", Role::Reviewer)
                .await
                .unwrap(),
            FigureStatus::Returned
        );
        assert_eq!(
            s.local_figure_in(id, "360733")
                .await
                .unwrap()
                .unwrap()
                .return_note
                .as_deref(),
            Some("文号有误")
        );
        assert_eq!(
            sign(FigureStep::Withdraw, "clerk", Role::CivilAffairs).await.unwrap(),
            FigureStatus::Withdrawn
        );
        let id = s
            .propose_local_figure(
                &fuwu(80, "2026-04-01"),
                &base,
                Role::CivilAffairs,
                "360733",
                &actor_in("clerk", "360733"),
            )
            .await
            .unwrap();
        let sign = |step: FigureStep, who: &'static str, role: Role| {
            let s = s.clone();
            async move {
                s.sign_local_figure(id, &step, who, role, "360733", &actor_in(who, "360733"))
                    .await
            }
        };
        assert_eq!(
            sign(FigureStep::Review, "shenhe", Role::Reviewer).await.unwrap(),
            FigureStatus::Reviewed
        );
        assert!(matches!(
            sign(FigureStep::Approve, "shenhe", Role::Approver).await,
            Err(StoreError::Refused(_))
        ));
        assert!(matches!(
            sign(FigureStep::Approve, "shenpi", Role::Reviewer).await,
            Err(StoreError::Forbidden(_))
        ));
        assert_eq!(
            sign(FigureStep::Approve, "shenpi", Role::Approver).await.unwrap(),
            FigureStatus::Approved
        );
        // An approved figure is final.
        assert!(matches!(
            sign(FigureStep::Withdraw, "clerk", Role::CivilAffairs).await,
            Err(StoreError::Refused(_))
        ));
        // Out of scope, the figure is not there.
        assert!(s.local_figure_in(id, "360702").await.unwrap().is_none(), "{b}");

        // From its date the run pays it; before, it stays pending.
        let packs = s.packs_in_force(&base).await.unwrap();
        let run = |month: &'static str| {
            let (s, packs) = (s.clone(), packs.clone());
            async move {
                s.run_benefits(
                    &RunRequest::new(Month::parse(month).unwrap(), "360733"),
                    &packs,
                    &actor_in("clerk", "360733"),
                    &|_, _| {},
                )
                .await
                .unwrap()
                .run
            }
        };
        let april = run("2026-04").await;
        assert_eq!(april.total_fen, 8000, "{b}: 服务补贴 80 yuan");
        let lines = s.run_lines(april.id, None, Some("fuwu")).await.unwrap();
        assert_eq!(lines.len(), 1, "{b}");
        assert_eq!((lines[0].person_id, lines[0].amount_fen), (person, 8000), "{b}");
        let summary = s.run_pending_summary(april.id).await.unwrap();
        assert!(!summary.iter().any(|(k, _)| k == "fuwu"), "{b}: {summary:?}");
        // 高龄津贴's age band is still open: the rule applies to no one, nobody is listed.
        assert!(!summary.iter().any(|(k, _)| k == "gaoling"), "{b}: {summary:?}");
        // Each step is in the audit log.
        let actions: Vec<String> = s
            .audit_entries(None, 50, 0)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.entity == "local_figure")
            .map(|e| e.action)
            .collect();
        for a in ["prepare", "review", "approve", "return", "withdraw"] {
            assert!(actions.iter().any(|x| x == a), "{b}: {a} missing from {actions:?}");
        }
    }
}

#[tokio::test]
async fn the_demo_county_gets_its_figures_marked_as_demo() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        s.load_demo(20, &actor_in("demo", "360733")).await.unwrap();
        let rows = s.local_figures_in("360733").await.unwrap();
        assert!(rows.len() >= 10, "{b}");
        assert!(rows.iter().all(|r| r.demo && r.status == FigureStatus::Approved), "{b}");
        let packs = s.packs_in_force(&shipped::packs()).await.unwrap();
        let h = packs.iter().find(|p| p.id == "huichang-2021").unwrap();
        let gaoling = h.param("gaoling_1").unwrap();
        assert!(gaoling.is_set_on(d("2026-01-01")), "{b}");
        assert!(
            gaoling
                .values
                .last()
                .unwrap()
                .clause
                .as_deref()
                .unwrap()
                .contains("演示数据"),
            "{b}"
        );
        // Loading the demo again adds nothing twice.
        s.load_demo(20, &actor_in("demo", "360733")).await.unwrap();
        assert_eq!(s.local_figures_in("360733").await.unwrap().len(), rows.len(), "{b}");
    }
}
