//! The monthly benefit run on every backend: idempotence, resumption, no double payment,
//! back-pay, the review/approval flow and the disbursement files.

use chrono::NaiveDate;
use yiyang_domain::dates::Month;
use yiyang_domain::person::PersonInput;
use yiyang_domain::policy::{shipped, Pack};
use yiyang_domain::role::Role;
use yiyang_store::benefits::{RunRequest, RunStatus};
use yiyang_store::testing::{actor, fresh_database_urls, settle};
use yiyang_store::{Store, StoreError};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn m(s: &str) -> Month {
    Month::parse(s).unwrap()
}

async fn stores() -> Vec<(&'static str, Store)> {
    let mut out = Vec::new();
    for (name, url) in fresh_database_urls().await {
        out.push((
            name,
            Store::connect(&url).await.unwrap_or_else(|e| panic!("{name}: {e}")),
        ));
    }
    out
}

/// Adds a person; returns the id.
async fn add(s: &Store, division: &str, birth: &str, seq: &str, categories: &str, death: &str) -> i64 {
    let body = format!("{}{}{seq}", &division[..6], birth.replace('-', ""));
    let id_number = format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()));
    let input = PersonInput {
        name: format!("测试{seq}"),
        id_number,
        hukou_division: division.into(),
        hukou_type: "农村".into(),
        categories: categories.into(),
        death_date: death.into(),
        death_source: if death.is_empty() {
            String::new()
        } else {
            "cremation".into()
        },
        ..Default::default()
    };
    let r = s.reference();
    let rec = input.validate(&*r, d("2026-11-01")).unwrap_or_else(|e| panic!("{e:?}"));
    s.create_person(&rec, &division[..2], &actor("clerk")).await.unwrap()
}

struct People {
    a: i64,
    b: i64,
    c: i64,
    d: i64,
    e: i64,
    f: i64,
    g: i64,
    h: i64,
}

async fn setup(s: &Store) -> People {
    let p = People {
        a: add(s, "360733100", "1940-03-15", "011", "经济困难", "").await,
        b: add(s, "360733100", "1930-01-01", "021", "", "").await,
        c: add(s, "360733101", "1950-07-07", "031", "特困", "").await,
        d: add(s, "360733101", "1945-05-05", "041", "经济困难", "").await,
        e: add(s, "360733102", "1935-02-02", "051", "", "2025-05-20").await,
        f: add(s, "360733102", "1948-08-08", "061", "", "").await,
        g: add(s, "360102", "1940-04-04", "071", "", "").await,
        h: add(s, "140105", "1930-03-03", "081", "经济困难", "").await,
    };
    s.record_assessment(p.d, "GB/T 42195-2022", 3, d("2025-01-10"), d("2026-01-09"))
        .await
        .unwrap();
    s.record_assessment(p.f, "GB/T 42195-2022", 2, d("2025-02-10"), d("2026-02-09"))
        .await
        .unwrap();
    let inst = s
        .add_institution("JG3607332001", "康乐护理院", "private_nonprofit", "360733101")
        .await
        .unwrap();
    s.admit(p.f, inst, d("2025-03-01"), None).await.unwrap();
    p
}

/// The shipped packs with the demo county's local figures, and the same figures set for the
/// province's own pack (as if Jiangxi's other counties had set theirs), so that people
/// registered elsewhere in Jiangxi are paid too.
fn packs() -> Vec<Pack> {
    shipped::packs_with_demo_figures_across_jiangxi()
}

/// (person, benefit, month, kind, payee, amount) of a run, sorted.
async fn lines(s: &Store, run: i64) -> Vec<(i64, String, String, String, String, i64)> {
    let mut v: Vec<_> = s
        .run_lines(run, None, None)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.person_id, l.benefit, l.benefit_month, l.kind, l.payee, l.amount_fen))
        .collect();
    v.sort();
    v
}

fn amount(lines: &[(i64, String, String, String, String, i64)], person: i64, benefit: &str) -> Option<i64> {
    lines.iter().find(|l| l.0 == person && l.1 == benefit).map(|l| l.5)
}

/// The summary, the bank's file and the list of lines without an account: not payment lists.
fn is_apart(f: &std::path::Path) -> bool {
    let name = f.to_string_lossy();
    ["汇总", "银行代发", "缺少账户"].iter().any(|w| name.contains(w))
}

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
        let stale = yiyang_store::run_signing::run_digest(&run);
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

#[tokio::test]
async fn an_assessment_recorded_late_is_back_paid_once_as_its_own_line() {
    for (b, s) in stores().await {
        setup(&s).await;
        let late = add(&s, "360733103", "1950-09-09", "091", "经济困难", "").await;
        let packs = packs();
        let may = settle(&s, &packs, "2025-05", "360733").await;
        assert_eq!(
            amount(&lines(&s, may).await, late, "huli"),
            None,
            "{b}: not assessed when May was paid"
        );
        // The assessment done on 3 May is entered in June.
        s.record_assessment(late, "GB/T 42195-2022", 3, d("2025-05-03"), d("2026-05-02"))
            .await
            .unwrap();
        let june = settle(&s, &packs, "2025-06", "360733").await;
        let june_lines = lines(&s, june).await;
        let huli: Vec<_> = june_lines.iter().filter(|l| l.0 == late && l.1 == "huli").collect();
        assert_eq!(huli.len(), 2, "{b}: {huli:?}");
        assert!(
            huli.iter().any(|l| l.2 == "2025-06" && l.3 == "regular" && l.5 == 5000),
            "{b}"
        );
        assert!(
            huli.iter().any(|l| l.2 == "2025-05" && l.3 == "backpay" && l.5 == 5000),
            "{b}"
        );
        // July looks back at May and June again: both are paid in full now.
        let july = settle(&s, &packs, "2025-07", "360733").await;
        let backpay: Vec<_> = lines(&s, july).await.into_iter().filter(|l| l.3 == "backpay").collect();
        assert!(backpay.is_empty(), "{b}: {backpay:?}");
    }
}

/// Changes a person's record as the edit form does.
async fn edit(s: &Store, id: i64, change: impl FnOnce(&mut yiyang_domain::person::PersonRecord)) {
    let p = s.person_in_scope(id, "36").await.unwrap().unwrap();
    let mut rec = p.record.clone();
    change(&mut rec);
    s.update_person(id, p.version, &rec, "36", &actor("clerk"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_death_reported_late_is_recovered_and_listed_apart_from_payments() {
    for (b, s) in stores().await {
        let p = setup(&s).await;
        let packs = packs();
        let may = settle(&s, &packs, "2025-05", "360733").await;
        let june = settle(&s, &packs, "2025-06", "360733").await;
        let gaoling = amount(&lines(&s, june).await, p.b, "gaoling").expect("aged 95: paid in June");
        assert_eq!(amount(&lines(&s, may).await, p.b, "gaoling"), Some(gaoling), "{b}");
        // The cremation record of a death on 20 May arrives in July.
        edit(&s, p.b, |r| {
            r.death_date = Some(d("2025-05-20"));
            r.death_source = Some("cremation".into());
        })
        .await;
        let july = settle(&s, &packs, "2025-07", "360733").await;
        let mine: Vec<_> = lines(&s, july).await.into_iter().filter(|l| l.0 == p.b).collect();
        // May is due (alive on its first day); June is not: recovered in full, once.
        assert_eq!(
            mine,
            [(
                p.b,
                "gaoling".to_string(),
                "2025-06".to_string(),
                "recovery".to_string(),
                mine[0].4.clone(),
                -gaoling
            )],
            "{b}"
        );
        let run = s.benefit_run(july).await.unwrap();
        let sum: i64 = lines(&s, july).await.iter().map(|l| l.5).sum();
        assert_eq!(sum, run.total_fen, "{b}: totals include the recovery");
        // The next month nets to zero: nothing more is recovered or paid.
        let august = settle(&s, &packs, "2025-08", "360733").await;
        assert!(lines(&s, august).await.iter().all(|l| l.0 != p.b), "{b}");
        // The recovery has its own file; payment files hold no negative amount; all reconcile.
        let dir = tempfile::tempdir().unwrap();
        let files = s
            .export_run(july, "boss", Role::Approver, "", dir.path(), &actor("boss"))
            .await
            .unwrap();
        let mut sum = 0i64;
        let mut recovery_files = 0;
        for f in files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e == "csv") && !is_apart(f))
        {
            let recovery = f.to_string_lossy().contains("追回");
            recovery_files += recovery as usize;
            for r in csv::Reader::from_path(f).unwrap().records() {
                let r = r.unwrap();
                if &r[0] != "合计" {
                    let fen: i64 = r[9].parse().unwrap();
                    assert_eq!(fen < 0, recovery, "{b}: {f:?}");
                    assert_eq!(&r[6], if recovery { "追回" } else { "正常" }, "{b}");
                    sum += fen;
                }
            }
        }
        assert_eq!(recovery_files, 1, "{b}");
        assert_eq!(sum, run.total_fen, "{b}");
    }
}

#[tokio::test]
async fn categories_count_from_when_they_take_effect_for_back_pay_and_for_past_months() {
    for (b, s) in stores().await {
        let p = setup(&s).await;
        let packs = packs();
        settle(&s, &packs, "2025-05", "360733").await;
        let june = settle(&s, &packs, "2025-06", "360733").await;
        assert_eq!(amount(&lines(&s, june).await, p.f, "fuwu"), None, "{b}");
        let fuwu_a = amount(&lines(&s, june).await, p.a, "fuwu").expect("经济困难: service subsidy");
        // In July, f is found to be 经济困难 from 10 May (the approval date); a ceases to be,
        // from today (no date given): that must not reach back into 2025.
        edit(&s, p.f, |r| {
            r.categories = vec!["econ_hardship".into()];
            r.categories_effective = Some(d("2025-05-10"));
        })
        .await;
        edit(&s, p.a, |r| r.categories.clear()).await;
        let july = settle(&s, &packs, "2025-07", "360733").await;
        let all = lines(&s, july).await;
        let fuwu_f = amount(&all, p.f, "fuwu").expect("paid from July");
        let back: Vec<(String, i64)> = all
            .iter()
            .filter(|l| l.0 == p.f && l.1 == "fuwu" && l.3 == "backpay")
            .map(|l| (l.2.clone(), l.5))
            .collect();
        assert_eq!(
            back,
            [("2025-05".to_string(), fuwu_f), ("2025-06".to_string(), fuwu_f)],
            "{b}"
        );
        assert_eq!(
            amount(&all, p.a, "fuwu"),
            Some(fuwu_a),
            "{b}: still 经济困难 in July 2025"
        );
        assert!(
            all.iter().all(|l| !(l.0 == p.a && l.3 == "recovery")),
            "{b}: nothing recovered from a"
        );
        let again = settle(&s, &packs, "2025-08", "360733").await;
        assert!(
            lines(&s, again).await.iter().all(|l| l.3 == "regular"),
            "{b}: settled once"
        );
    }
}

#[tokio::test]
async fn an_imported_category_approval_is_back_paid_from_its_date() {
    for (b, s) in stores().await {
        let p = setup(&s).await;
        let packs = packs();
        settle(&s, &packs, "2025-05", "360733").await;
        settle(&s, &packs, "2025-06", "360733").await;
        // The 经济困难 roster of July arrives as a file with each approval date.
        let f = s.person_in_scope(p.f, "36").await.unwrap().unwrap().record;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("经济困难认定.csv");
        let body = "36073319420202441";
        let newcomer = format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()));
        std::fs::write(
            &path,
            format!(
                "姓名,身份证号,区划代码,人员类别,类别生效日期\n{},{},{},经济困难,2025-06-05\n{},{},{},经济困难,2099-01-01\n新人,{},360733101,低保,2025-06-01\n",
                f.name, f.id_number, f.hukou_division, "某人", "36073319500707031X", "360733101", newcomer
            ),
        )
        .unwrap();
        let summary = s
            .import_people(&path, "360733", &actor("clerk"), &|_, _| {})
            .await
            .unwrap();
        assert_eq!(summary.job.updated, 1, "{b}: {:?} {:?}", summary.job, summary.errors);
        assert!(
            summary
                .errors
                .iter()
                .any(|e| e.row_no == 3 && e.field == "类别生效日期"),
            "{b}: {:?}",
            summary.errors
        );
        let july = settle(&s, &packs, "2025-07", "360733").await;
        let all = lines(&s, july).await;
        let fuwu = amount(&all, p.f, "fuwu").expect("paid from July");
        let back: Vec<(String, String, i64)> = all
            .iter()
            .filter(|l| l.0 == p.f && l.1 == "fuwu" && l.3 != "regular")
            .map(|l| (l.2.clone(), l.3.clone(), l.5))
            .collect();
        assert_eq!(
            back,
            [("2025-06".to_string(), "backpay".to_string(), fuwu)],
            "{b}: June only"
        );
    }
}

#[tokio::test]
async fn an_institutions_subsidy_follows_where_the_institution_is_not_where_the_resident_is_registered() {
    for (b, s) in stores().await {
        let p = setup(&s).await;
        // Registered in 章贡区 (360702), living in a 会昌县 private institution since 2025-04.
        let outsider = add(&s, "360702", "1938-06-06", "101", "", "").await;
        s.record_assessment(outsider, "GB/T 42195-2022", 4, d("2025-03-01"), d("2026-02-28"))
            .await
            .unwrap();
        let inst: i64 = {
            let runs_before = s.list_benefit_runs("36").await.unwrap();
            assert!(runs_before.is_empty());
            s.add_institution("JG3607332002", "会昌县颐康园", "private_forprofit", "360733102")
                .await
                .unwrap()
        };
        s.admit(outsider, inst, d("2025-04-01"), None).await.unwrap();
        let packs = packs();
        let huichang = s
            .run_benefits(
                &RunRequest::new(m("2025-06"), "360733"),
                &packs,
                &actor("clerk"),
                &|_, _| {},
            )
            .await
            .unwrap()
            .run;
        let hl = lines(&s, huichang.id).await;
        // 会府发〔2021〕7号 第二十一条: 200 yuan a month for a disabled resident, to the institution,
        // counted in 会昌县; the resident's own allowance is not Huichang's to pay.
        let y: Vec<_> = hl.iter().filter(|l| l.0 == outsider).collect();
        assert_eq!(y.len(), 1, "{b}: {y:?}");
        assert_eq!(
            (y[0].1.as_str(), y[0].4.as_str(), y[0].5),
            ("yunying", "JG3607332002", 20000),
            "{b}"
        );
        let county: Vec<_> = s.run_lines(huichang.id, Some("360733"), Some("yunying")).await.unwrap();
        assert!(
            county.iter().any(|l| l.person_id == outsider),
            "{b}: counted in the institution's county"
        );
        // The resident's home county pays the person's own benefits (高龄津贴 at 87) and no
        // operating subsidy.
        let zhanggong = s
            .run_benefits(
                &RunRequest::new(m("2025-06"), "360702"),
                &packs,
                &actor("clerk"),
                &|_, _| {},
            )
            .await
            .unwrap()
            .run;
        let zl = lines(&s, zhanggong.id).await;
        assert_eq!(amount(&zl, outsider, "gaoling"), Some(5000), "{b}");
        assert_eq!(amount(&zl, outsider, "yunying"), None, "{b}");
        // The explanation follows the same split: the person's benefits under Jiangxi's pack
        // (no county pack for 章贡区), the institution's under Huichang's.
        let pm = s.person_month(outsider, m("2025-06"), &packs).await.unwrap();
        let own = pm.own.as_ref().expect("a pack for the registration");
        let there = pm.institution.as_ref().expect("a pack where the institution is");
        assert_eq!(
            (own.program.pack.id.as_str(), there.program.pack.id.as_str()),
            ("jiangxi-2022", "huichang-2021"),
            "{b}"
        );
        assert_eq!(there.institution.as_deref(), Some("JG3607332002"), "{b}");
        let paid = |e: &yiyang_store::benefits::PackExplanation<'_>| -> Vec<(String, i64)> {
            e.traces
                .iter()
                .filter(|t| t.paid.amount > 0)
                .map(|t| (e.program.pack.benefits[t.benefit].code.clone(), t.paid.amount))
                .collect()
        };
        assert_eq!(paid(there), [("yunying".to_string(), 20000)], "{b}");
        assert!(paid(own).contains(&("gaoling".to_string(), 5000)), "{b}");
        assert!(paid(own).iter().all(|(c, _)| c != "yunying"), "{b}");
        let _ = p;
    }
}

#[tokio::test]
async fn a_legacy_mzt039_level_is_read_through_the_packs_mapping() {
    for (b, s) in stores().await {
        // A legacy MZ/T 039-2013 result (level 3, 重度失能) reads as GB/T 42195 level 3 under the
        // packs' default mapping: the 特困 nursing fee for the disabled.
        let legacy = add(&s, "360733101", "1944-04-04", "111", "特困", "").await;
        s.record_assessment(legacy, "MZ/T 039-2013", 3, d("2024-10-01"), d("2025-09-30"))
            .await
            .unwrap();
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
        assert_eq!(
            amount(&lines(&s, run.id).await, legacy, "tekun_huli"),
            Some(120000),
            "{b}"
        );
    }
}
