//! Random inspections end to end on both backends: the demo county's batch is drawn from its
//! published inputs exactly as anyone redoing it gets, inspected with two signatures, published,
//! and its hazards escalate when overdue (a fixed date, not the clock).

use chrono::{Days, NaiveDate};
use yiyang_domain::supervision::draw::Batch;
use yiyang_domain::supervision::inspection::{BatchStatus, Escalation, HazardStatus, InspectionStatus};
use yiyang_domain::supervision::object::ObjectRef;
use yiyang_store::supervision::{BatchPlan, RecordInput, Viewer, DEMO_PUBLIC_VALUE};
use yiyang_store::testing::{actor_in, fresh_database_urls};
use yiyang_store::{Store, StoreError};

async fn demo(url: &str) -> Store {
    let s = Store::connect(url).await.unwrap();
    s.load_demo(30, &actor_in("demo", "360733")).await.unwrap();
    s
}

#[tokio::test]
async fn the_demo_batch_is_the_draw_its_published_inputs_give_and_cannot_be_drawn_again() {
    for (b, url) in fresh_database_urls().await {
        let s = demo(&url).await;
        let batches = s.batches_in("360733").await.unwrap();
        // The institutions' batch, and the providers' and facilities' after it.
        assert_eq!(batches.len(), 2, "{b}");
        let batch = batches.iter().find(|x| x.name == "HC-2026-Q4").unwrap();
        assert_eq!(batch.status(), BatchStatus::Drawn);
        // Anyone with the public inputs and the public value redoes the draw.
        let public = s.public_batch(batch.id).await.unwrap().unwrap();
        let mut file = public.file();
        file.public_value = DEMO_PUBLIC_VALUE.into();
        let redone = Batch::parse(&file).unwrap();
        let stored: yiyang_domain::supervision::draw::Draw =
            serde_json::from_str(batch.draw.as_deref().unwrap()).unwrap();
        assert_eq!(redone.verify(&stored), Ok(()), "{b}");
        assert_eq!(batch.seed.as_deref(), Some(redone.seed().as_str()));
        // A second draw, with another public value, is refused and changes nothing.
        let again = s
            .draw_batch(batch.id, "1 2 3", "360733", &actor_in("huichang", "360733"))
            .await;
        assert!(matches!(again, Err(StoreError::Refused(_))), "{b}");
        assert_eq!(
            s.batch_in_scope(batch.id, "360733").await.unwrap().unwrap().seed,
            batch.seed
        );
        // Out of scope: as unknown.
        assert!(s.batch_in_scope(batch.id, "360702").await.unwrap().is_none());
        let inspections = s
            .inspections_visible("360733", &Viewer::Division, Some(batch.id))
            .await
            .unwrap();
        assert_eq!(inspections.len(), stored.objects.len());
        // The recused inspector (J002, who worked at 康乐护理院) is not on that inspection.
        for n in &inspections {
            if n.object_code == "JG3607332001" {
                assert!(n.inspectors.iter().all(|x| x.1 != "J002"), "{b}");
            }
            assert_eq!(n.inspectors.len(), 2);
        }
    }
}

#[tokio::test]
async fn an_inspection_needs_two_different_inspectors_and_opens_hazards_that_escalate() {
    for (b, url) in fresh_database_urls().await {
        let s = demo(&url).await;
        // The institutions' batch.
        let all: Vec<_> = s
            .inspections_visible("360733", &Viewer::Division, None)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.institution_id.is_some())
            .collect();
        assert_eq!(all[0].status(), InspectionStatus::Published, "{b}");
        let n = all
            .iter()
            .find(|n| n.status() == InspectionStatus::Pending)
            .expect("a pending inspection")
            .clone();
        let (x1, x2) = (n.inspectors[0].clone(), n.inspectors[1].clone());
        // An inspector not assigned to it sees it as unknown.
        let other = s
            .inspectors_in("360733")
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.id != x1.0 && x.id != x2.0)
            .unwrap();
        assert!(s
            .inspection_visible(n.id, "360733", &Viewer::Inspector(other.id))
            .await
            .unwrap()
            .is_none());
        // The institution sees nothing before it is confirmed.
        let own = Viewer::Institution(n.object_code.clone());
        assert!(s.inspection_visible(n.id, "360733", &own).await.unwrap().is_none());

        let items = s.batch_items(n.batch_id).await.unwrap();
        let mut input = RecordInput {
            inspected_on: chrono::Local::now().date_naive().to_string(),
            summary: "".into(),
            responsible: "".into(),
            findings: items
                .iter()
                .skip(1)
                .map(|i| (i.id, "pass".to_string(), String::new()))
                .collect(),
        };
        let Err(StoreError::Invalid(errors)) = s
            .record_inspection(n.id, &input, "360733", x1.0, &actor_in("a", "360733"))
            .await
        else {
            panic!("{b}: an incomplete checklist was accepted")
        };
        assert!(
            errors.iter().any(|e| e.field == format!("item_{}", items[0].id)),
            "{errors:?}"
        );
        assert!(errors.iter().any(|e| e.field == "responsible"));
        input.responsible = "院长 甲".into();
        input.findings.push((items[0].id, "major".into(), String::new()));
        let Err(StoreError::Invalid(errors)) = s
            .record_inspection(n.id, &input, "360733", x1.0, &actor_in("a", "360733"))
            .await
        else {
            panic!("{b}: a problem without a description was accepted")
        };
        assert!(errors[0].message.contains("写明问题"));
        input.findings.last_mut().unwrap().2 = "消防通道上锁".into();
        s.record_inspection(n.id, &input, "360733", x1.0, &actor_in("a", "360733"))
            .await
            .unwrap();
        // The recorder cannot be the second signature.
        let own_confirm = s
            .confirm_inspection(n.id, "360733", x1.0, &actor_in("a", "360733"))
            .await;
        assert!(matches!(own_confirm, Err(StoreError::Refused(_))), "{b}");
        assert_eq!(
            s.confirm_inspection(n.id, "360733", x2.0, &actor_in("b", "360733"))
                .await
                .unwrap(),
            1
        );
        assert!(s.inspection_visible(n.id, "360733", &own).await.unwrap().is_some());
        // The second inspector cannot change it now.
        assert!(matches!(
            s.record_inspection(n.id, &input, "360733", x1.0, &actor_in("a", "360733"))
                .await,
            Err(StoreError::Refused(_))
        ));

        // A major hazard: 7 days; overdue the day after, the county's after 15 more days.
        let today = chrono::Local::now().date_naive();
        let at = |d: NaiveDate| {
            let s = s.clone();
            async move { s.hazards_visible("360733", &Viewer::Division, d).await.unwrap() }
        };
        let find = |hs: Vec<yiyang_store::supervision::Hazard>| {
            hs.into_iter().find(|h| h.inspection_id == Some(n.id)).unwrap()
        };
        let h = find(at(today).await);
        assert_eq!(h.deadline, today + Days::new(7));
        assert_eq!(h.escalation, Some(Escalation::None));
        assert_eq!(
            find(at(today + Days::new(8)).await).escalation,
            Some(Escalation::Supervisor)
        );
        assert_eq!(
            find(at(today + Days::new(23)).await).escalation,
            Some(Escalation::County)
        );
        // The open major hazard suspends new admissions there.
        let suspended = |r: Result<i64, StoreError>| matches!(r, Err(StoreError::Refused(m)) if m.contains("重大隐患"));
        assert!(
            suspended(
                s.admit_person(n.institution_id.unwrap(), 1, 1, today, "", &actor_in("jigou", "360733"))
                    .await
            ),
            "{b}"
        );
        // Only the institution itself reports rectification; an inspector verifies.
        let not_own = Viewer::Institution("JG-OTHER".into());
        assert!(matches!(
            s.rectify_hazard(h.id, "360733", &not_own, "已整改", &actor_in("x", "360733"))
                .await,
            Err(StoreError::NotFound)
        ));
        s.rectify_hazard(h.id, "360733", &own, "已开锁并张贴标识", &actor_in("jigou", "360733"))
            .await
            .unwrap();
        assert_eq!(find(at(today + Days::new(30)).await).escalation, Some(Escalation::None));
        s.verify_hazard(h.id, "360733", false, &actor_in("b", "360733"))
            .await
            .unwrap();
        assert_eq!(find(at(today).await).status(), HazardStatus::Open);
        s.rectify_hazard(
            h.id,
            "360733",
            &own,
            "已开锁，钥匙交值班室",
            &actor_in("jigou", "360733"),
        )
        .await
        .unwrap();
        s.verify_hazard(h.id, "360733", true, &actor_in("b", "360733"))
            .await
            .unwrap();
        assert_eq!(find(at(today).await).status(), HazardStatus::Closed);
        assert!(
            !suspended(
                s.admit_person(n.institution_id.unwrap(), 1, 1, today, "", &actor_in("jigou", "360733"))
                    .await
            ),
            "{b}: admissions resume"
        );

        // Publication: the public list carries the result, and no person's name.
        let before = s.public_results().await.unwrap().len();
        s.publish_inspection(n.id, "360733", &actor_in("huichang", "360733"))
            .await
            .unwrap();
        let public = s.public_results().await.unwrap();
        assert_eq!(public.len(), before + 1, "{b}");
        let json = serde_json::to_string(&public).unwrap();
        assert!(!json.contains("院长") && !json.contains("张建国"), "{json}");
    }
}

#[tokio::test]
async fn a_bad_plan_is_refused_naming_the_fields() {
    for (b, url) in fresh_database_urls().await {
        let s = demo(&url).await;
        let plan = BatchPlan {
            name: "HC 2027".into(),
            title: "".into(),
            per_object: "1".into(),
            ratio: "130".into(),
            ratio_risk: "100".into(),
            items: vec![999_999],
            ..BatchPlan::default()
        };
        let Err(StoreError::Invalid(errors)) = s.plan_batch(&plan, "360733", &actor_in("huichang", "360733")).await
        else {
            panic!("{b}: a bad plan was accepted")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in ["name", "title", "per_object", "ratio", "items"] {
            assert!(fields.contains(&f), "{b}: {f} not named in {fields:?}");
        }
    }
}

#[tokio::test]
async fn credit_complaints_and_prepaid_reports_feed_each_other_and_the_draw() {
    use yiyang_domain::supervision::credit::CreditRating;
    use yiyang_store::supervision::complaints::{Answer, ComplaintInput};
    use yiyang_store::supervision::prepaid::PrepaidInput;
    for (b, url) in fresh_database_urls().await {
        let s = demo(&url).await;
        let today = chrono::Local::now().date_naive();
        let county = actor_in("huichang", "360733");
        let inst = |code: &str| {
            let s = s.clone();
            let code = code.to_string();
            async move {
                s.institutions_in("360733")
                    .await
                    .unwrap()
                    .into_iter()
                    .find(|i| i.code == code)
                    .unwrap()
            }
        };
        let (public, private) = (inst("JG3607331001").await, inst("JG3607332001").await);
        // The demo: the private home had a penalty and an upheld complaint → C; the others A.
        let standings = s.credit_standings("360733", today).await.unwrap();
        let rating_of = |id: i64, st: &[yiyang_store::supervision::credit::Standing]| {
            st.iter()
                .find(|x| x.object == ObjectRef::institution(id))
                .unwrap()
                .rating
        };
        assert_eq!(rating_of(private.id, &standings), CreditRating::C, "{b}");
        assert_eq!(rating_of(public.id, &standings), CreditRating::A, "{b}");

        // A complaint from the public: receipt code, no answer yet, overdue after 15 working days.
        let input = ComplaintInput {
            institution_id: public.id.to_string(),
            category: "abuse".into(),
            content: "护理员对老人大声呵斥".into(),
            complainant: "匿名".into(),
            ..Default::default()
        };
        let (id, code) = s
            .submit_complaint(&input, None, &actor_in("公众", "360733"))
            .await
            .unwrap();
        let by_code = s.complaint_by_code(&code.to_lowercase()).await.unwrap().unwrap();
        assert_eq!(by_code.id, id);
        assert!(by_code.complainant.is_none(), "{b}: the receipt page shows no name");
        let late = s
            .complaints_visible(
                "360733",
                &yiyang_store::supervision::Viewer::Division,
                today + chrono::Days::new(30),
            )
            .await
            .unwrap();
        assert!(late.iter().find(|c| c.id == id).unwrap().overdue, "{b}");
        // The institution sees it, without the complainant; another county does not.
        let own = s
            .complaints_visible(
                "360733",
                &yiyang_store::supervision::Viewer::Institution(public.code.clone()),
                today,
            )
            .await
            .unwrap();
        assert!(own.iter().any(|c| c.id == id && c.complainant.is_none()), "{b}");
        assert!(s
            .complaints_visible("360702", &yiyang_store::supervision::Viewer::Division, today)
            .await
            .unwrap()
            .is_empty());
        // Not answered yet: cannot be rated.
        assert!(matches!(
            s.rate_complaint(&code, "satisfied", &actor_in("公众", "360733")).await,
            Err(StoreError::Refused(_))
        ));
        // A hazard only for an upheld complaint.
        let not_upheld = Answer {
            finding: "not_upheld".into(),
            reply: "查无此事".into(),
            hazard_category: "service".into(),
            responsible: "院长".into(),
        };
        assert!(matches!(
            s.answer_complaint(id, &not_upheld, "360733", &county).await,
            Err(StoreError::Invalid(_))
        ));
        let upheld = Answer {
            finding: "upheld".into(),
            reply: "已查实，责令整改并对当事护理员停岗培训".into(),
            hazard_category: "service".into(),
            responsible: "院长 钟国平".into(),
        };
        s.answer_complaint(id, &upheld, "360733", &county).await.unwrap();
        assert!(
            matches!(
                s.answer_complaint(id, &upheld, "360733", &county).await,
                Err(StoreError::Refused(_))
            ),
            "{b}: answered once"
        );
        let hazards = s
            .hazards_visible("360733", &yiyang_store::supervision::Viewer::Division, today)
            .await
            .unwrap();
        assert!(
            hazards
                .iter()
                .any(|h| h.institution_id == Some(public.id) && h.description.contains("投诉查实")),
            "{b}"
        );
        assert_eq!(
            rating_of(public.id, &s.credit_standings("360733", today).await.unwrap()),
            CreditRating::B,
            "{b}: one upheld complaint"
        );
        s.rate_complaint(&code, "fair", &actor_in("公众", "360733"))
            .await
            .unwrap();
        assert_eq!(s.complaint_by_code(&code).await.unwrap().unwrap().status, "closed");

        // The 失信 list: D at once, and the institution drawn in the 重点对象 stratum.
        let on = today.to_string();
        let listing = yiyang_store::supervision::credit::ListingInput {
            object: ObjectRef::institution(public.id).to_string(),
            listed_on: on,
            months: "12".into(),
            reason: "欺老虐老查实".into(),
            document: "会民罚〔2026〕3号".into(),
        };
        let l = s.list_dishonest(&listing, "360733", &county).await.unwrap();
        assert_eq!(
            rating_of(public.id, &s.credit_standings("360733", today).await.unwrap()),
            CreditRating::D
        );
        assert!(
            matches!(
                s.repair_listing(l, "已整改", "360733", &county).await,
                Err(StoreError::Refused(_))
            ),
            "{b}: too early to repair"
        );
        let plan = BatchPlan {
            name: "HC-2027-X".into(),
            title: "专项".into(),
            per_object: "2".into(),
            ratio: "0".into(),
            ratio_risk: "100".into(),
            items: s
                .inspection_items("360733")
                .await
                .unwrap()
                .iter()
                .map(|i| i.id)
                .collect(),
            ..BatchPlan::default()
        };
        let batch = s.plan_batch(&plan, "360733", &county).await.unwrap();
        let file = s.batch_in_scope(batch, "360733").await.unwrap().unwrap().file();
        let object = file
            .objects
            .iter()
            .find(|o| o.id == public.credit_code.clone().unwrap_or(public.code.clone()))
            .unwrap();
        assert_eq!(object.stratum, "institution_risk", "{b}");

        // Prepaid: the demo's last report of the private home raised alerts; a sound one none;
        // an institution reports for itself only.
        let watch = s.prepaid_watch_list("360733").await.unwrap();
        assert_eq!(watch.len(), 1, "{b}");
        assert_eq!(watch[0].institution_id, private.id);
        assert!(
            watch[0].alert_messages().iter().any(|m| m.contains("会员卡")),
            "{:?}",
            watch[0].alert_messages()
        );
        let input = PrepaidInput {
            institution_id: private.id.to_string(),
            month: "2026-13".into(),
            deposits: "-1".into(),
            ..Default::default()
        };
        let Err(StoreError::Invalid(errors)) = s
            .report_prepaid(&input, "360733", &yiyang_store::supervision::Viewer::Division, &county)
            .await
        else {
            panic!("{b}: a bad report was accepted")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(
            fields.contains(&"month") && fields.contains(&"deposits") && fields.contains(&"cards_sold"),
            "{fields:?}"
        );
        let other = yiyang_store::supervision::Viewer::Institution(public.code.clone());
        let input = PrepaidInput {
            month: yiyang_domain::dates::Month::of(today).to_string(),
            deposits: "1".into(),
            prepaid: "0".into(),
            card_balance: "0".into(),
            cards_sold: "0".into(),
            largest_per_person: "1".into(),
            monthly_fee: "1".into(),
            net_assets: "1000".into(),
            ..input
        };
        assert!(
            matches!(
                s.report_prepaid(&input, "360733", &other, &actor_in("jigou", "360733"))
                    .await,
                Err(StoreError::NotFound)
            ),
            "{b}: another institution's report"
        );
    }
}
