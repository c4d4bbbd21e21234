//! A run that will not be paid ends unpaid: rejected (驳回) by its reviewer or approver, or
//! withdrawn (撤回) by its preparer before anyone signed, each with a reason kept with the run.
//! Its lines leave the ledger, so nobody's line is held by it and the month computes again in
//! full. Both backends.

use yiyang_domain::dates::Month;
use yiyang_domain::person::PersonInput;
use yiyang_domain::policy::shipped;
use yiyang_domain::role::Role;
use yiyang_store::benefits::run_signing::RunStep;
use yiyang_store::benefits::{RunRequest, RunStatus};
use yiyang_store::testing::{actor, fresh_database_urls};
use yiyang_store::{Store, StoreError};

async fn elder(s: &Store, seq: &str) {
    let body = format!("36073319300101{seq}");
    let input = PersonInput {
        name: format!("高龄{seq}"),
        id_number: format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes())),
        hukou_division: "360733100".into(),
        hukou_type: "农村".into(),
        ..Default::default()
    };
    let rec = input.validate(&*s.reference(), "2026-11-01".parse().unwrap()).unwrap();
    s.create_person(&rec, "36", &actor("clerk")).await.unwrap();
}

async fn compute(s: &Store) -> yiyang_store::benefits::RunInfo {
    let packs = shipped::packs_with_demo_figures_across_jiangxi();
    s.run_benefits(
        &RunRequest::new(Month::parse("2025-05").unwrap(), "360733"),
        &packs,
        &actor("clerk"),
        &|_, _| {},
    )
    .await
    .unwrap()
    .run
}

async fn step(s: &Store, id: i64, step: RunStep, user: &str, role: Role) -> Result<RunStatus, StoreError> {
    s.sign_run(id, &step, None, user, role, "360733", &actor(user))
        .await
        .map(|r| r.status)
}

#[tokio::test]
async fn a_rejected_or_withdrawn_run_pays_nothing_and_frees_the_month() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        for seq in ["011", "021", "031"] {
            elder(&s, seq).await;
        }
        let first = compute(&s).await;
        assert!(first.lines >= 3 && first.total_fen > 0, "{b}: {first:?}");

        // The preparer cannot reject their own run; a reason is required; then it is rejected.
        let own = step(&s, first.id, RunStep::Reject("不对".into()), "clerk", Role::Reviewer).await;
        assert!(matches!(own, Err(StoreError::Refused(_))), "{b}: {own:?}");
        let bare = step(&s, first.id, RunStep::Reject(" ".into()), "rev", Role::Reviewer).await;
        assert!(matches!(bare, Err(StoreError::Invalid(_))), "{b}: {bare:?}");
        let done = step(
            &s,
            first.id,
            RunStep::Reject("人员名单未经乡镇核对".into()),
            "rev",
            Role::Reviewer,
        )
        .await;
        assert_eq!(done.unwrap(), RunStatus::Rejected, "{b}");
        // Nothing of it can be signed or exported; its lines are out of the ledger, its
        // figures and reason kept.
        let late = step(&s, first.id, RunStep::Approve, "boss", Role::Approver).await;
        assert!(matches!(late, Err(StoreError::Refused(_))), "{b}: {late:?}");
        assert!(s.run_lines(first.id, None, None).await.unwrap().is_empty(), "{b}");
        let kept = s.benefit_run(first.id).await.unwrap();
        assert_eq!((kept.lines, kept.total_fen), (first.lines, first.total_fen), "{b}");
        let notes = s.run_notes(first.id).await.unwrap();
        assert_eq!(
            (notes[0].label(), notes[0].note.as_str()),
            ("驳回", "人员名单未经乡镇核对"),
            "{b}"
        );
        let voided = s
            .execute_scalar_rows_for_tests(&format!(
                "SELECT CAST(COUNT(*) AS TEXT) FROM voided_payment_lines WHERE run_id = {}",
                first.id
            ))
            .await;
        assert_eq!(voided, [first.lines.to_string()], "{b}");

        // The month computes again in full: nobody is skipped as paid by the rejected run.
        let second = compute(&s).await;
        assert_ne!(second.id, first.id, "{b}");
        assert_eq!(
            (second.lines, second.total_fen, second.skipped),
            (first.lines, first.total_fen, 0),
            "{b}"
        );

        // Only its preparer withdraws it, before anyone signs.
        let other = step(
            &s,
            second.id,
            RunStep::Withdraw("重算".into()),
            "clerk2",
            Role::CivilAffairs,
        )
        .await;
        assert!(matches!(other, Err(StoreError::Refused(_))), "{b}: {other:?}");
        let reviewer = step(&s, second.id, RunStep::Withdraw("重算".into()), "rev", Role::Reviewer).await;
        assert!(matches!(reviewer, Err(StoreError::Forbidden(_))), "{b}: {reviewer:?}");
        let mine = step(
            &s,
            second.id,
            RunStep::Withdraw("漏录了一名特困人员".into()),
            "clerk",
            Role::CivilAffairs,
        )
        .await;
        assert_eq!(mine.unwrap(), RunStatus::Withdrawn, "{b}");

        // A third run, once reviewed, is no longer the preparer's to withdraw; approved, it can
        // no longer be rejected.
        let third = compute(&s).await;
        assert_eq!(third.lines, first.lines, "{b}");
        step(&s, third.id, RunStep::Review, "rev", Role::Reviewer)
            .await
            .unwrap();
        let after_review = step(
            &s,
            third.id,
            RunStep::Withdraw("再改".into()),
            "clerk",
            Role::CivilAffairs,
        )
        .await;
        assert!(
            matches!(after_review, Err(StoreError::Refused(_))),
            "{b}: {after_review:?}"
        );
        step(&s, third.id, RunStep::Approve, "boss", Role::Approver)
            .await
            .unwrap();
        let after_approval = step(&s, third.id, RunStep::Reject("晚了".into()), "boss2", Role::Approver).await;
        assert!(
            matches!(after_approval, Err(StoreError::Refused(_))),
            "{b}: {after_approval:?}"
        );
        assert_eq!(
            s.run_lines(third.id, None, None).await.unwrap().len() as i64,
            third.lines,
            "{b}"
        );

        let audit = s.audit_entries(None, 100, 0).await.unwrap();
        for action in ["reject", "withdraw"] {
            assert!(
                audit.iter().any(|e| e.action == action && e.entity == "benefit_run"),
                "{b}: {action}"
            );
        }
    }
}

#[tokio::test]
async fn the_county_pays_a_township_runs_nothing_and_a_pack_must_cover_the_county_in_the_month() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        for seq in ["011", "021"] {
            elder(&s, seq).await;
        }
        let packs = shipped::packs_with_demo_figures_across_jiangxi();
        let month = Month::parse("2025-05").unwrap();
        // A township's run would hold its people in a draft its county cannot see: refused, in
        // words, whether asked directly or as the page and the CLI ask.
        let town = s
            .run_benefits(&RunRequest::new(month, "360733100"), &packs, &actor("zhen"), &|_, _| {})
            .await;
        match town {
            Err(StoreError::Refused(msg)) => {
                assert!(
                    msg.contains("按区县计算") && msg.contains("文武坝镇是乡镇（街道）"),
                    "{b}: {msg}"
                )
            }
            other => panic!("{b}: {other:?}"),
        }
        let starts = s
            .check_county_starts("360733100", &RunRequest::new(month, ""), &packs)
            .await;
        assert!(matches!(starts, Err(StoreError::Refused(_))), "{b}: {starts:?}");
        assert!(s.list_benefit_runs("36").await.unwrap().is_empty(), "{b}");
        // Huichang cannot be paid under Xinjiang's rules, nor under a pack out of force.
        for (pack, words) in [("xinjiang-2019", "不适用于"), ("jiangxi-2022", "")] {
            let r = s
                .check_run_start(
                    &RunRequest {
                        pack: Some(pack),
                        ..RunRequest::new(month, "360733")
                    },
                    &packs,
                )
                .await;
            match (r, words) {
                (Ok(()), "") => {}
                (Err(StoreError::Refused(msg)), w) if !w.is_empty() => {
                    assert!(msg.contains(w) && msg.contains("会昌县"), "{b}: {msg}")
                }
                (other, _) => panic!("{b} {pack}: {other:?}"),
            }
        }
        let taiyuan = |m: &'static str| RunRequest::new(Month::parse(m).unwrap(), "140105");
        assert!(s.check_run_start(&taiyuan("2025-12"), &packs).await.is_ok(), "{b}");
        match s.check_run_start(&taiyuan("2026-02"), &packs).await {
            Err(StoreError::Refused(msg)) => {
                assert!(msg.contains("没有适用于") && msg.contains("小店区"), "{b}: {msg}")
            }
            other => panic!("{b}: {other:?}"),
        }
        let named = RunRequest {
            pack: Some("taiyuan-2020"),
            ..taiyuan("2026-02")
        };
        match s.check_run_start(&named, &packs).await {
            Err(StoreError::Refused(msg)) => assert!(msg.contains("不在有效期内"), "{b}: {msg}"),
            other => panic!("{b}: {other:?}"),
        }
        // The township's people are paid in the county's run.
        let county = compute(&s).await;
        assert_eq!(
            (county.lines >= 2, county.skipped),
            (true, 0),
            "{b}: everyone paid by the county"
        );
    }
}
