//! The monthly benefit run on every backend: idempotence, resumption, no double payment, the
//! county as payer, and the review/approval flow.

mod common;

use common::*;
use yiyang_domain::role::Role;
use yiyang_store::benefits::{RunRequest, RunStatus};
use yiyang_store::testing::actor;
use yiyang_store::StoreError;

#[tokio::test]
async fn a_run_pays_each_person_by_their_packs_and_running_it_again_changes_nothing() {
    for (b, s) in stores().await {
        let p = setup(&s).await;
        let packs = packs();
        // The county pays: a run of the province is refused, in words …
        match s
            .run_benefits(
                &RunRequest::new(m("2025-06"), "36"),
                &packs,
                &actor("clerk"),
                &|_, _| {},
            )
            .await
        {
            Err(StoreError::Refused(msg)) => {
                assert!(msg.contains("按区县计算") && msg.contains("江西省"), "{b}: {msg}")
            }
            other => panic!("{b}: {other:?}"),
        }
        // … and the province's start is one run for each county with anyone registered.
        let starts = s
            .check_county_starts("36", &RunRequest::new(m("2025-06"), ""), &packs)
            .await
            .unwrap();
        let counties: Vec<&str> = starts.iter().map(|c| c.county.as_str()).collect();
        assert_eq!(counties, ["360102", "360733"], "{b}");
        assert!(starts.iter().all(|c| c.refused.is_none()), "{b}: {starts:?}");
        let mut first = Vec::new();
        let mut runs = Vec::new();
        for c in &counties {
            let out = s
                .run_benefits(&RunRequest::new(m("2025-06"), c), &packs, &actor("clerk"), &|_, _| {})
                .await
                .unwrap();
            assert!(!out.already_complete);
            assert_eq!(out.run.status, RunStatus::Draft, "{b}");
            let mine = lines(&s, out.run.id).await;
            assert_eq!(mine.iter().map(|l| l.5).sum::<i64>(), out.run.total_fen, "{b}");
            assert_eq!(mine.len() as i64, out.run.lines, "{b}");
            let totals = s.run_totals(out.run.id).await.unwrap();
            assert_eq!(
                totals.iter().map(|t| t.amount_fen).sum::<i64>(),
                out.run.total_fen,
                "{b}"
            );
            first.extend(mine);
            runs.push(out.run);
        }
        // 赣府厅发〔2022〕3号 via 会府发〔2021〕7号: 85 and econ. difficult → 高龄津贴 50 + 服务补贴 50.
        assert_eq!(amount(&first, p.a, "gaoling"), Some(5000), "{b}");
        assert_eq!(amount(&first, p.a, "fuwu"), Some(5000), "{b}");
        assert_eq!(amount(&first, p.b, "gaoling"), Some(20000), "{b}");
        // Rural 特困, never assessed: 615 living standard, 70 nursing fee as self-care.
        assert_eq!(amount(&first, p.c, "tekun_jiben"), Some(61500), "{b}");
        assert_eq!(amount(&first, p.c, "tekun_huli"), Some(7000), "{b}");
        // Assessed level 3, econ. difficult, 80 in 2025-06: 护理补贴 too.
        assert_eq!(amount(&first, p.d, "huli"), Some(5000), "{b}");
        assert_eq!(amount(&first, p.d, "gaoling"), Some(5000), "{b}");
        // Died in May: nothing from June.
        assert!(first.iter().all(|l| l.0 != p.e), "{b}");
        // Level 2 in a private institution: 会府发〔2021〕7号 第二十一条, 100 yuan to the institution.
        let fl = first
            .iter()
            .find(|l| l.0 == p.f && l.1 == "yunying")
            .expect("yunying line");
        assert_eq!((fl.4.as_str(), fl.5), ("JG3607332001", 10000), "{b}");
        // Nanchang is under the province pack only, in its own county's run.
        assert_eq!(amount(&first, p.g, "gaoling"), Some(5000), "{b}");
        assert_eq!(
            lines(&s, runs[0].id).await.iter().map(|l| l.0).collect::<Vec<_>>(),
            [p.g],
            "{b}"
        );
        // Taiyuan is outside the province.
        assert!(first.iter().all(|l| l.0 != p.h), "{b}");

        let huichang = &runs[1];
        let req = RunRequest::new(m("2025-06"), "360733");
        let again = s.run_benefits(&req, &packs, &actor("clerk"), &|_, _| {}).await.unwrap();
        assert!(again.already_complete, "{b}");
        assert_eq!(lines(&s, huichang.id).await, lines(&s, again.run.id).await, "{b}");

        // The same county under another pack overlaps: while the draft is open it is refused,
        // naming that draft (nobody's line waits in a run the county cannot see) …
        let other_pack = RunRequest {
            pack: Some("jiangxi-2022"),
            ..req
        };
        match s.run_benefits(&other_pack, &packs, &actor("clerk"), &|_, _| {}).await {
            Err(StoreError::Refused(msg)) => {
                assert!(msg.contains(&format!("编号 {}", huichang.id)), "{b}: {msg}")
            }
            other => panic!("{b}: {other:?}"),
        }
        // … and once that run is approved, the other run pays no one a second time.
        s.review_run(huichang.id, None, "rev", Role::Reviewer, "36", &actor("rev"))
            .await
            .unwrap();
        s.approve_run(huichang.id, None, "boss", Role::Approver, "36", &actor("boss"))
            .await
            .unwrap();
        let second = s
            .run_benefits(&other_pack, &packs, &actor("clerk"), &|_, _| {})
            .await
            .unwrap();
        assert_eq!(second.run.lines, 0, "{b}");
        assert_eq!(second.run.skipped, huichang.lines, "{b}");
    }
}

#[tokio::test]
async fn an_interrupted_run_is_completed_by_running_it_again() {
    for (b, s) in stores().await {
        setup(&s).await;
        let req = RunRequest {
            chunk: 2,
            ..RunRequest::new(m("2025-06"), "360733")
        };
        // Crash after the first chunk has been committed.
        let crashing = {
            let s = s.clone();
            tokio::spawn(async move {
                let packs = packs();
                let req = RunRequest {
                    chunk: 2,
                    ..RunRequest::new(m("2025-06"), "360733")
                };
                s.run_benefits(&req, &packs, &actor("clerk"), &|_, _| panic!("power cut"))
                    .await
            })
        };
        assert!(crashing.await.is_err(), "{b}: the run should have crashed");
        let runs = s.list_benefit_runs("36").await.unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].status, RunStatus::Computing, "{b}");
        assert_eq!(runs[0].persons, 2, "{b}: one chunk of two people committed");

        let packs = packs();
        let resumed = s.run_benefits(&req, &packs, &actor("clerk"), &|_, _| {}).await.unwrap();
        assert!(resumed.resumed, "{b}");
        assert_eq!(resumed.run.status, RunStatus::Draft);
        assert_eq!(resumed.run.persons, 6, "{b}: everyone in scope once");
        let after_resume = lines(&s, resumed.run.id).await;

        let fresh = RunRequest {
            recompute: true,
            ..RunRequest::new(m("2025-06"), "360733")
        };
        let recomputed = s
            .run_benefits(&fresh, &packs, &actor("clerk"), &|_, _| {})
            .await
            .unwrap();
        assert_eq!(recomputed.run.id, resumed.run.id);
        assert_eq!(
            lines(&s, recomputed.run.id).await,
            after_resume,
            "{b}: resumed = computed in one go"
        );
        assert_eq!(recomputed.run.total_fen, resumed.run.total_fen);
    }
}

fn refused<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(StoreError::Refused(m) | StoreError::Forbidden(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn review_and_approval_take_two_other_people_in_their_roles_and_scope() {
    for (b, s) in stores().await {
        setup(&s).await;
        let packs = packs();
        let run = s
            .run_benefits(
                &RunRequest::new(m("2025-06"), "360733"),
                &packs,
                &actor("clerk"),
                &|_, _| {},
            )
            .await
            .unwrap()
            .run;
        let a = |n: &str| actor(n);
        // The clerk who computed it may not review it; a civil-affairs clerk is not a reviewer.
        assert!(refused(
            s.review_run(run.id, None, "clerk", Role::CivilAffairs, "360733", &a("clerk"))
                .await
        )
        .contains("无权"));
        assert!(refused(
            s.review_run(run.id, None, "clerk", Role::Reviewer, "360733", &a("clerk"))
                .await
        )
        .contains("经办人"));
        // To a reviewer of another county it is not there.
        assert!(matches!(
            s.review_run(run.id, None, "r2", Role::Reviewer, "360702", &a("r2"))
                .await,
            Err(StoreError::NotFound)
        ));
        // A review of what the reviewer saw before a recomputation does not pass the new run.
        let stale = yiyang_store::benefits::run_signing::run_digest(&run);
        s.run_benefits(
            &RunRequest {
                recompute: true,
                ..RunRequest::new(m("2025-06"), "360733")
            },
            &packs,
            &actor("clerk"),
            &|_, _| {},
        )
        .await
        .unwrap();
        assert!(refused(
            s.review_run(run.id, Some(&stale), "rev", Role::Reviewer, "3607", &a("rev"))
                .await
        )
        .contains("重新计算"));
        // Approval before review is refused.
        assert!(refused(
            s.approve_run(run.id, None, "boss", Role::Approver, "360733", &a("boss"))
                .await
        )
        .contains("状态"));
        let reviewed = s
            .review_run(run.id, None, "rev", Role::Reviewer, "3607", &a("rev"))
            .await
            .unwrap();
        assert_eq!(
            (reviewed.status, reviewed.reviewed_by.as_deref()),
            (RunStatus::Reviewed, Some("rev")),
            "{b}"
        );
        // The reviewer may not approve, even holding an approver account.
        assert!(refused(
            s.approve_run(run.id, None, "rev", Role::Approver, "360733", &a("rev"))
                .await
        )
        .contains("审核人"));
        let approved = s
            .approve_run(run.id, None, "boss", Role::Approver, "360733", &a("boss"))
            .await
            .unwrap();
        assert_eq!(approved.status, RunStatus::Approved, "{b}");
        // An approved run can no longer be recomputed, and running it again changes nothing.
        let again = RunRequest {
            recompute: true,
            ..RunRequest::new(m("2025-06"), "360733")
        };
        assert!(refused(s.run_benefits(&again, &packs, &actor("clerk"), &|_, _| {}).await).contains("不能重新计算"));

        // Export: only the approver role; the files' totals reconcile to the run.
        let dir = tempfile::tempdir().unwrap();
        assert!(refused(
            s.export_run(run.id, "rev", Role::Reviewer, "", dir.path(), &a("rev"))
                .await
        )
        .contains("无权"));
        let files = s
            .export_run(run.id, "boss", Role::Approver, "", dir.path(), &a("boss"))
            .await
            .unwrap();
        assert!(files.iter().any(|f| f.extension().is_some_and(|e| e == "xlsx")), "{b}");
        let mut sum = 0i64;
        for f in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "csv") && !is_apart(f))
        {
            let mut rdr = csv::Reader::from_path(f).unwrap();
            for r in rdr.records() {
                let r = r.unwrap();
                if &r[0] != "合计" {
                    sum += r[9].parse::<i64>().unwrap();
                    // Full ID numbers, written ="…" so that Excel and WPS keep them as text.
                    assert!(r[2].starts_with("=\"") && r[2].ends_with('"'), "{}", &r[2]);
                    assert_eq!(r[2].len(), 21, "full ID numbers in the disbursement file");
                }
            }
        }
        assert_eq!(sum, run.total_fen, "{b}");
        let exported = s.benefit_run(run.id).await.unwrap();
        assert_eq!(exported.status, RunStatus::Exported);
        // Exporting again (the workbook, the files, by other approvers) keeps who exported it first;
        // each export is audited.
        s.export_workbook(run.id, "boss2", Role::Approver, "", &a("boss2"))
            .await
            .unwrap();
        s.export_run(run.id, "boss3", Role::Approver, "", dir.path(), &a("boss3"))
            .await
            .unwrap();
        let again = s.benefit_run(run.id).await.unwrap();
        assert_eq!(again.exported_by.as_deref(), Some("boss"), "{b}");
        assert_eq!(again.exported_at, exported.exported_at, "{b}");
        // Outside the approver's scope the run does not exist.
        assert!(matches!(
            s.export_workbook(run.id, "boss", Role::Approver, "360702", &a("boss"))
                .await,
            Err(yiyang_store::StoreError::NotFound)
        ));
    }
}
