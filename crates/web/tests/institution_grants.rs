//! An institution's grants (the construction subsidy per bed, staff incentives) through the
//! real app, on every backend.

mod common;

use axum::http::StatusCode;
use common::care::*;
use common::*;

#[tokio::test]
async fn the_construction_subsidy_pays_each_nursing_bed_once() {
    for (b, store, router) in apps(10).await {
        let mut c = Client::login(&router, "huichang").await;
        let csrf = c.csrf.clone();
        // The central home is public and the social welfare centre 公建民营: neither is a
        // 民办养老机构, so neither gets the subsidy (会府发〔2021〕7号 第二十一条), and the page
        // says why.
        for code in ["JG3607331001", "JG3607331002"] {
            let public = institution(&store, code).await;
            let page = c.get(&format!("/institutions/{public}")).await.text();
            assert!(page.contains("公建民营不在补助之列"), "{b}: {code}");
            assert!(page.contains("id=\"construction-beds\">0<"), "{b}: {code}");
            let r = c
                .post_form(
                    &format!("/institutions/{public}/construction-subsidy"),
                    &[("_csrf", &csrf)],
                )
                .await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{b}: {code}");
            assert!(r.text().contains("民办养老机构"), "{b}: {code}");
        }
        // The private home: 40 nursing-type beds (one out of service), 医养结合 accepted by the
        // county health commission, in a building rented on a ten-year lease: 3,000 yuan a bed.
        let inst = institution(&store, "JG3607332001").await;
        let page = c.get(&format!("/institutions/{inst}")).await.text();
        assert!(page.contains("id=\"construction-beds\">39<"), "{b}: {page}");
        assert!(
            page.contains("id=\"construction-amount\">¥117,000.00"),
            "{b}: {}",
            &page[page.find("construction-amount").unwrap()..][..80]
        );
        let url = format!("/institutions/{inst}/construction-subsidy");
        let r = c.post_form(&url, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        // Again: nothing left to pay.
        let r = c.post_form(&url, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        // New nursing beds are paid; the old ones are not paid again.
        let today = chrono::Local::now().date_naive();
        let beds = |opened: String| {
            vec![
                ("_csrf".to_string(), csrf.clone()),
                ("building".to_string(), "B栋".to_string()),
                ("room".to_string(), "301".to_string()),
                ("count".to_string(), "2".to_string()),
                ("nursing".to_string(), "1".to_string()),
                ("opened_on".to_string(), opened),
            ]
        };
        let burl = format!("/institutions/{inst}/beds");
        let future = (today + chrono::Days::new(1)).to_string();
        let r = post(&mut c, burl.clone(), beds(future)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: a bed is registered once in use"
        );
        assert!(r.text().contains("投用日期不能晚于今天"), "{b}");
        let r = post(&mut c, burl, beds(today.to_string())).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let r = c.post_form(&url, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}");
        let p = store
            .construction_preview(
                inst,
                &yiyang_domain::policy::shipped::packs(),
                chrono::Local::now().date_naive(),
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!((p.paid_beds, p.paid_fen, p.decision.beds), (41, 12_300_000, 0), "{b}");
        // The rebuilt-or-rented schedule (3,000 yuan a bed with 医养结合, cap 500,000 yuan).
        let rented = inst;
        let page = c.get(&format!("/institutions/{rented}")).await.text();
        assert!(page.contains("id=\"construction-schedule\">改建或租用<"), "{b}");
        assert!(
            page.contains("床位每张 ¥3,000.00（医养结合），每机构最高 ¥500,000.00"),
            "{b}"
        );
        assert!(page.contains("租用，租期 10 年"), "{b}");
        // A three-year lease does not count (改建或租用期5年以上).
        let filing = |premises: &'static str, years: &'static str| {
            let csrf = csrf.clone();
            vec![
                ("_csrf".to_string(), csrf),
                ("status".to_string(), "operating".to_string()),
                ("fire_safety".to_string(), "pending".to_string()),
                ("premises".to_string(), premises.to_string()),
                ("lease_years".to_string(), years.to_string()),
            ]
        };
        let furl = format!("/institutions/{rented}/filing");
        assert_eq!(
            post(&mut c, furl.clone(), filing("rented", "")).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b}: a lease needs its term"
        );
        assert_eq!(
            post(&mut c, furl.clone(), filing("rented", "3")).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let page = c.get(&format!("/institutions/{rented}")).await.text();
        assert!(page.contains("id=\"construction-beds\">0<"), "{b}");
        assert!(page.contains("租用期不少于 5 年（登记 3 年）"), "{b}");
        let r = c
            .post_form(
                &format!("/institutions/{rented}/construction-subsidy"),
                &[("_csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        // Bought premises: the new-build schedule.
        assert_eq!(
            post(&mut c, furl, filing("bought", "")).await.status,
            StatusCode::SEE_OTHER,
            "{b}"
        );
        let page = c.get(&format!("/institutions/{rented}")).await.text();
        assert!(
            page.contains("床位每张 ¥5,000.00（医养结合），每机构最高 ¥1,000,000.00"),
            "{b}"
        );
        // 新建 beds are those in use since the pack took effect (2022-01-18): the home's 30 beds
        // of 2021 are old and named so; the dementia unit of 2023 and today's two are new, but
        // 12 are short of 30 (会府发〔2021〕7号 第二十一条).
        assert!(
            page.contains("2022-01-18 以后投入使用的护理型床位不少于 30 张（现有 12 张）"),
            "{b}: {}",
            &page[page.find("id=\"construction\"").unwrap()..][..1500]
        );
        assert!(page.contains("2022-01-18 前已投入使用，不属新建床位 30 张"), "{b}");
        // Granting is the preparing clerk's step: a reviewer may not.
        let mut reviewer = Client::login(&router, "shenhe").await;
        let csrf = reviewer.csrf.clone();
        let r = reviewer.post_form(&url, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}");
    }
}

#[tokio::test]
async fn staff_incentives_pay_interns_a_share_of_the_minimum_wage_once_and_wait_for_local_amounts() {
    for (b, store, router) in apps(10).await {
        let own = institution(&store, "JG3607331001").await;
        let mut staff = Client::login(&router, "jigou").await;
        let csrf = staff.csrf.clone();
        let intern = |name: &'static str, from: &'static str, to: &'static str, retained: bool| {
            let mut f = vec![
                ("_csrf".to_string(), csrf.clone()),
                ("name".to_string(), name.to_string()),
                ("started_on".to_string(), from.to_string()),
                ("ended_on".to_string(), to.to_string()),
            ];
            if retained {
                f.push(("retained".to_string(), "1".to_string()));
            }
            f
        };
        let today = chrono::Local::now().date_naive();
        let packs = yiyang_domain::policy::shipped::packs_with_demo_figures();
        let before = store.awards_preview(own, &packs, today).await.unwrap().payable_fen();
        let url = format!("/institutions/{own}/interns");
        let bad = post(
            &mut staff,
            url.clone(),
            intern("倒序", "2025-06-30", "2025-01-01", false),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
        for f in [
            intern("见习甲", "2025-01-01", "2025-06-30", true),
            intern("见习乙", "2025-01-01", "2025-06-30", false),
            intern("见习丙", "2026-10-01", "2027-03-31", false),
        ] {
            assert_eq!(
                post(&mut staff, url.clone(), f).await.status,
                StatusCode::SEE_OTHER,
                "{b}"
            );
        }
        // A graduate of an elderly-care major, three years at this public home: eligible for
        // the entry subsidy (会府发〔2021〕7号 第二十二条), whose amount the county has not set.
        let r = staff
            .post_form(
                &format!("/institutions/{own}/staff"),
                &[
                    ("_csrf", &csrf),
                    ("name", "毕业生小王"),
                    ("position", "caregiver"),
                    ("hired_on", "2021-07-01"),
                    ("education", "college"),
                    ("elderly_care_major", "1"),
                    ("contract_years", "3"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let p = store.awards_preview(own, &packs, today).await.unwrap();
        let wang = p.staff.iter().find(|s| s.name == "毕业生小王").unwrap();
        let entry = wang.decisions.iter().find(|d| d.award == "entry").unwrap();
        assert!(entry.eligible() && !entry.payable(), "{b}: {entry:?}");
        // Interns (赣府厅发〔2022〕3号 第六章第五节; 会府发〔2021〕7号 第二十三条): six months at
        // 70% of the 1,610-yuan minimum wage each; half stayed, so the one who stayed gets
        // 100% once more. The third has not finished.
        let wage = 161_000;
        let base = 6 * wage * 70 / 100;
        assert_eq!(p.payable_fen() - before, base + wage + base, "{b}");
        let page = staff.get(&format!("/institutions/{own}/awards")).await.text();
        assert!(page.contains("见习未结束") && page.contains("金额待核定"), "{b}");
        // Institution staff record; the benefit clerk grants, once.
        assert_eq!(
            post(
                &mut staff,
                format!("/institutions/{own}/awards"),
                vec![("_csrf".into(), csrf.clone())]
            )
            .await
            .status,
            StatusCode::FORBIDDEN,
            "{b}"
        );
        let mut clerk = Client::login(&router, "huichang").await;
        let cc = clerk.csrf.clone();
        let r = clerk
            .post_form(&format!("/institutions/{own}/awards"), &[("_csrf", &cc)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.text());
        let p = store.awards_preview(own, &packs, today).await.unwrap();
        assert_eq!(p.payable_fen(), 0, "{b}");
        let granted: i64 = p
            .interns
            .iter()
            .filter(|i| i.intern.name.starts_with("见习"))
            .filter_map(|i| i.granted_fen)
            .sum();
        assert_eq!(granted, base + wage + base, "{b}");
        let r = clerk
            .post_form(&format!("/institutions/{own}/awards"), &[("_csrf", &cc)])
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{b}");
        // Another institution's tab is out of the institution user's reach.
        let other = institution(&store, "JG3607332001").await;
        assert_eq!(
            staff.get(&format!("/institutions/{other}/awards")).await.status,
            StatusCode::NOT_FOUND,
            "{b}"
        );
    }
}
