//! Random inspections end to end on both backends: the demo county's batch is drawn from its
//! published inputs exactly as anyone redoing it gets, inspected with two signatures, published,
//! and its hazards escalate when overdue (a fixed date, not the clock).

use chrono::{Days, NaiveDate};
use yiyang_domain::supervision::draw::Batch;
use yiyang_domain::supervision::inspection::{BatchStatus, Escalation, HazardStatus, InspectionStatus};
use yiyang_store::audit::Actor;
use yiyang_store::supervision::{BatchPlan, RecordInput, Viewer, DEMO_PUBLIC_VALUE};
use yiyang_store::testing::fresh_database_urls;
use yiyang_store::{Store, StoreError};

fn actor(name: &str) -> Actor {
    Actor {
        name: name.into(),
        channel: "cli",
        source: "test@host".into(),
        scope: "360733".into(),
    }
}

async fn demo(url: &str) -> Store {
    let s = Store::connect(url).await.unwrap();
    s.load_demo(30, &actor("demo")).await.unwrap();
    s
}

#[tokio::test]
async fn the_demo_batch_is_the_draw_its_published_inputs_give_and_cannot_be_drawn_again() {
    for (b, url) in fresh_database_urls().await {
        let s = demo(&url).await;
        let batches = s.batches_in("360733").await.unwrap();
        assert_eq!(batches.len(), 1, "{b}");
        let batch = &batches[0];
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
        let again = s.draw_batch(batch.id, "1 2 3", "360733", &actor("huichang")).await;
        assert!(matches!(again, Err(StoreError::Refused(_))), "{b}");
        assert_eq!(s.batches_in("360733").await.unwrap()[0].seed, batch.seed);
        // Out of scope: as unknown.
        assert!(s.batch_in_scope(batch.id, "360702").await.unwrap().is_none());
        let inspections = s
            .inspections_visible("360733", &Viewer::Division, Some(batch.id))
            .await
            .unwrap();
        assert_eq!(inspections.len(), stored.objects.len());
        // The recused inspector (J002, who worked at 康乐护理院) is not on that inspection.
        for n in &inspections {
            if n.institution_code == "JG3607332001" {
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
        let all = s.inspections_visible("360733", &Viewer::Division, None).await.unwrap();
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
        let own = Viewer::Institution(n.institution_code.clone());
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
        let Err(StoreError::Invalid(errors)) = s.record_inspection(n.id, &input, "360733", x1.0, &actor("a")).await
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
        let Err(StoreError::Invalid(errors)) = s.record_inspection(n.id, &input, "360733", x1.0, &actor("a")).await
        else {
            panic!("{b}: a problem without a description was accepted")
        };
        assert!(errors[0].message.contains("写明问题"));
        input.findings.last_mut().unwrap().2 = "消防通道上锁".into();
        s.record_inspection(n.id, &input, "360733", x1.0, &actor("a"))
            .await
            .unwrap();
        // The recorder cannot be the second signature.
        let own_confirm = s.confirm_inspection(n.id, "360733", x1.0, &actor("a")).await;
        assert!(matches!(own_confirm, Err(StoreError::Refused(_))), "{b}");
        assert_eq!(
            s.confirm_inspection(n.id, "360733", x2.0, &actor("b")).await.unwrap(),
            1
        );
        assert!(s.inspection_visible(n.id, "360733", &own).await.unwrap().is_some());
        // The second inspector cannot change it now.
        assert!(matches!(
            s.record_inspection(n.id, &input, "360733", x1.0, &actor("a")).await,
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
        // Only the institution itself reports rectification; an inspector verifies.
        let not_own = Viewer::Institution("JG-OTHER".into());
        assert!(matches!(
            s.rectify_hazard(h.id, "360733", &not_own, "已整改", &actor("x")).await,
            Err(StoreError::NotFound)
        ));
        s.rectify_hazard(h.id, "360733", &own, "已开锁并张贴标识", &actor("jigou"))
            .await
            .unwrap();
        assert_eq!(find(at(today + Days::new(30)).await).escalation, Some(Escalation::None));
        s.verify_hazard(h.id, "360733", false, &actor("b")).await.unwrap();
        assert_eq!(find(at(today).await).status(), HazardStatus::Open);
        s.rectify_hazard(h.id, "360733", &own, "已开锁，钥匙交值班室", &actor("jigou"))
            .await
            .unwrap();
        s.verify_hazard(h.id, "360733", true, &actor("b")).await.unwrap();
        assert_eq!(find(at(today).await).status(), HazardStatus::Closed);

        // Publication: the public list carries the result, and no person's name.
        let before = s.public_results().await.unwrap().len();
        s.publish_inspection(n.id, "360733", &actor("huichang")).await.unwrap();
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
        };
        let Err(StoreError::Invalid(errors)) = s.plan_batch(&plan, "360733", &actor("huichang")).await else {
            panic!("{b}: a bad plan was accepted")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in ["name", "title", "per_object", "ratio", "items"] {
            assert!(fields.contains(&f), "{b}: {f} not named in {fields:?}");
        }
    }
}
