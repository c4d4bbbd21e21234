//! Corrections of settled months on every backend: back-pay of a late assessment or category,
//! recovery after a late death (listed apart from payments), operating subsidies where the
//! institution is, and legacy levels read through the pack.

mod common;

use common::*;
use yiyang_domain::role::Role;
use yiyang_store::benefits::RunRequest;
use yiyang_store::testing::{actor, settle};

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
