//! Supervision of more than institutions, on both backends: home-service providers and
//! community facilities are drawn in strata of their own, recused from, inspected, given
//! hazards their own staff see (a provider's, and those of the meal points it runs), and
//! credited; what the public page shows names them by kind.

use yiyang_domain::supervision::credit::CreditRating;
use yiyang_domain::supervision::draw::{Batch, Draw};
use yiyang_domain::supervision::inspection::InspectionStatus;
use yiyang_domain::supervision::object::{ObjectKind, ObjectRef};
use yiyang_store::services::DEMO_PROVIDER;
use yiyang_store::supervision::complaints::Answer;
use yiyang_store::supervision::credit::ListingInput;
use yiyang_store::supervision::registers::InspectorInput;
use yiyang_store::supervision::{BatchPlan, Viewer, DEMO_SERVICE_PUBLIC_VALUE};
use yiyang_store::testing::{actor_in, fresh_database_urls};
use yiyang_store::{Store, StoreError};

const COUNTY: &str = "360733";

async fn demo(url: &str) -> Store {
    let s = Store::connect(url).await.unwrap();
    s.load_demo(30, &actor_in("demo", COUNTY)).await.unwrap();
    s
}

fn plan(s: &[i64], name: &str) -> BatchPlan {
    BatchPlan {
        name: name.into(),
        title: "居家服务专项抽查".into(),
        per_object: "2".into(),
        ratio_provider: "100".into(),
        ratio_facility: "100".into(),
        ratio_risk: "100".into(),
        items: s.to_vec(),
        ..BatchPlan::default()
    }
}

#[tokio::test]
async fn the_demo_draws_providers_and_facilities_and_their_staff_see_their_own_results() {
    for (b, url) in fresh_database_urls().await {
        let s = demo(&url).await;
        let batch = s
            .batches_in(COUNTY)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.name == "HC-2026-FW")
            .expect("the providers' batch");
        let mut file = batch.file();
        assert!(
            file.ratios.contains_key("provider") && file.ratios.contains_key("facility_risk"),
            "{b}"
        );
        assert!(
            !file.ratios.contains_key("institution"),
            "{b}: no institution in this batch"
        );
        assert!(file.objects.iter().any(|o| o.id == DEMO_PROVIDER), "{b}");
        assert!(file.objects.iter().any(|o| o.stratum.starts_with("facility")), "{b}");
        // Anyone redoes the draw from the published inputs.
        file.public_value = DEMO_SERVICE_PUBLIC_VALUE.into();
        let stored: Draw = serde_json::from_str(batch.draw.as_deref().unwrap()).unwrap();
        assert_eq!(Batch::parse(&file).unwrap().verify(&stored), Ok(()), "{b}");

        let drawn = s
            .inspections_visible(COUNTY, &Viewer::Division, Some(batch.id))
            .await
            .unwrap();
        assert_eq!(drawn.len(), stored.objects.len(), "{b}");
        let provider = drawn
            .iter()
            .find(|n| n.object_code == DEMO_PROVIDER)
            .expect("every provider is drawn at 100%");
        assert_eq!(provider.object().kind, ObjectKind::Provider);
        assert_eq!(provider.status(), InspectionStatus::Published, "{b}");

        // The provider's staff see its result and its hazard; an institution's do not.
        let fuwu = Viewer::Provider(DEMO_PROVIDER.into());
        let own = s.inspections_visible(COUNTY, &fuwu, None).await.unwrap();
        assert_eq!(own.iter().map(|n| n.id).collect::<Vec<_>>(), vec![provider.id], "{b}");
        let today = chrono::Local::now().date_naive();
        let hazards = s.hazards_visible(COUNTY, &fuwu, today).await.unwrap();
        assert_eq!(hazards.len(), 1, "{b}");
        assert_eq!(hazards[0].category, "food");
        assert_eq!(hazards[0].object(), provider.object());
        let home = Viewer::Institution("JG3607331001".into());
        assert!(s
            .hazards_visible(COUNTY, &home, today)
            .await
            .unwrap()
            .iter()
            .all(|h| h.institution_id.is_some()));
        assert!(s
            .inspection_visible(provider.id, COUNTY, &home)
            .await
            .unwrap()
            .is_none());
        // Another provider's staff: as unknown.
        let other = Viewer::Provider("91360733MA35YK2Q8F".into());
        assert!(s
            .inspection_visible(provider.id, COUNTY, &other)
            .await
            .unwrap()
            .is_none());
        assert!(matches!(
            s.rectify_hazard(hazards[0].id, COUNTY, &other, "已消毒", &actor_in("x", COUNTY))
                .await,
            Err(StoreError::NotFound)
        ));
        // The provider answers its result and reports its rectification.
        s.respond_to_inspection(
            provider.id,
            COUNTY,
            &fuwu,
            "已购置消毒柜，留样由专人负责",
            &actor_in("fuwu", COUNTY),
        )
        .await
        .unwrap();
        s.rectify_hazard(
            hazards[0].id,
            COUNTY,
            &fuwu,
            "保温箱每日消毒并登记，餐次全部留样",
            &actor_in("fuwu", COUNTY),
        )
        .await
        .unwrap();

        // The public page: the provider by name and kind, nothing personal.
        let public = s.public_results().await.unwrap();
        let row = public
            .iter()
            .find(|r| r.batch_id == batch.id)
            .expect("the provider's published result");
        assert_eq!(row.kind_label(), "居家社区养老服务组织");
        assert_eq!(row.object_name, provider.object_name);
        // Its confirmed result is on its credit record.
        let standings = s.credit_standings(COUNTY, today).await.unwrap();
        assert!(
            standings
                .iter()
                .any(|x| x.object == provider.object() && x.adverse == 1),
            "{b}"
        );
    }
}

#[tokio::test]
async fn a_recused_inspector_is_never_drawn_for_a_provider_and_risk_raises_a_providers_stratum() {
    for (b, url) in fresh_database_urls().await {
        let s = demo(&url).await;
        let county = actor_in("huichang", COUNTY);
        let today = chrono::Local::now().date_naive();
        let p = s.provider_by_code(DEMO_PROVIDER).await.unwrap().unwrap();
        let key = ObjectRef::provider(p.id).to_string();
        // A conflict names an object in scope, once, with its reason.
        let mut input = InspectorInput {
            code: "J009".into(),
            name: "钟伟".into(),
            unit: "会昌县民政局".into(),
            qualification: "养老服务监管执法证".into(),
            conflicts: vec![(key.clone(), "配偶在该组织任职".into())],
            ..InspectorInput::default()
        };
        for bad in ["provider:999999", "shop:1", "3"] {
            let mut wrong = input.clone();
            wrong.conflicts = vec![(bad.into(), "亲属".into())];
            let Err(StoreError::Invalid(e)) = s.create_inspector(&wrong, COUNTY, &county).await else {
                panic!("{b}: a conflict with {bad} was accepted")
            };
            assert_eq!(e[0].field, "conflicts");
        }
        input.conflicts.push((key.clone(), "重复".into()));
        assert!(s.create_inspector(&input, COUNTY, &county).await.is_err());
        input.conflicts.pop();
        let recused = s.create_inspector(&input, COUNTY, &county).await.unwrap();
        let conflicts = s.conflicts_in(COUNTY).await.unwrap();
        assert!(conflicts.iter().any(|c| c.0 == recused && c.1 == p.name), "{b}");

        // The family's complaint about the provider, upheld: a hazard and a credit record.
        let complaint = s
            .complaints_visible(COUNTY, &Viewer::Division, today)
            .await
            .unwrap()
            .into_iter()
            .find(|c| c.provider_id == Some(p.id))
            .expect("the demo's complaint about a missed bath");
        let answer = Answer {
            finding: "upheld".into(),
            reply: "经核查，服务人员当日未按约上门，已责令整改并向家属致歉。".into(),
            hazard_category: "service".into(),
            responsible: "站长 邱小燕".into(),
        };
        s.answer_complaint(complaint.id, &answer, COUNTY, &county)
            .await
            .unwrap();
        let fuwu = Viewer::Provider(DEMO_PROVIDER.into());
        assert!(s
            .hazards_visible(COUNTY, &fuwu, today)
            .await
            .unwrap()
            .iter()
            .any(|h| h.description.contains("投诉查实")));

        // A facility on the 失信 list rates D.
        let facility = s.facilities_in(COUNTY).await.unwrap().into_iter().next().unwrap();
        let listing = ListingInput {
            object: ObjectRef::facility(facility.id).to_string(),
            listed_on: today.to_string(),
            months: "6".into(),
            reason: "虚报服务人次骗取运营补贴".into(),
            document: "会民罚〔2026〕5号".into(),
        };
        s.list_dishonest(&listing, COUNTY, &county).await.unwrap();
        let standings = s.credit_standings(COUNTY, today).await.unwrap();
        let rating = |o: ObjectRef| standings.iter().find(|x| x.object == o).unwrap().rating;
        assert_eq!(rating(ObjectRef::facility(facility.id)), CreditRating::D, "{b}");
        // Out of scope, a key is as unknown.
        let mut elsewhere = listing.clone();
        elsewhere.object = ObjectRef::facility(facility.id).to_string();
        assert!(matches!(
            s.list_dishonest(&elsewhere, "360702", &county).await,
            Err(StoreError::NotFound)
        ));

        // Planned now, the provider (an open hazard, an upheld complaint) and the facility (失信)
        // are 重点对象; the recused inspector's conflict is in the published inputs.
        let items: Vec<i64> = s.inspection_items(COUNTY).await.unwrap().iter().map(|i| i.id).collect();
        let id = s
            .plan_batch(&plan(&items, "HC-2027-FW"), COUNTY, &county)
            .await
            .unwrap();
        let batch = s.batch_in_scope(id, COUNTY).await.unwrap().unwrap();
        let file = batch.file();
        let stratum = |oid: &str| file.objects.iter().find(|o| o.id == oid).unwrap().stratum.clone();
        assert_eq!(stratum(DEMO_PROVIDER), "provider_risk", "{b}");
        assert_eq!(stratum(&facility.code), "facility_risk", "{b}");
        assert!(
            file.conflicts
                .contains(&("J009".to_string(), DEMO_PROVIDER.to_string())),
            "{b}"
        );
        s.publish_batch(id, COUNTY, &county).await.unwrap();
        for value in ["1", "2 3", "4 5 6"] {
            // Whatever the public value, J009 is never on the provider's inspection.
            let mut f = file.clone();
            f.public_value = value.into();
            let draw = Batch::parse(&f).unwrap().draw().unwrap();
            let o = draw.objects.iter().find(|o| o.id == DEMO_PROVIDER).unwrap();
            assert!(!o.inspectors.contains(&"J009".to_string()), "{b}");
        }
        s.draw_batch(id, "4 5 6", COUNTY, &county).await.unwrap();
        let drawn = s
            .inspections_visible(COUNTY, &Viewer::Division, Some(id))
            .await
            .unwrap();
        let n = drawn.iter().find(|n| n.provider_id == Some(p.id)).unwrap();
        assert!(n.risk() && n.inspectors.iter().all(|x| x.0 != recused), "{b}");
        assert!(drawn.iter().any(|n| n.facility_id == Some(facility.id)), "{b}");
    }
}

#[tokio::test]
async fn a_plan_names_at_least_one_kind_and_refuses_a_bad_ratio_by_its_field() {
    for (b, url) in fresh_database_urls().await {
        let s = demo(&url).await;
        let county = actor_in("huichang", COUNTY);
        let items: Vec<i64> = s.inspection_items(COUNTY).await.unwrap().iter().map(|i| i.id).collect();
        let mut none = plan(&items, "HC-X1");
        none.ratio_provider.clear();
        none.ratio_facility.clear();
        let Err(StoreError::Invalid(e)) = s.plan_batch(&none, COUNTY, &county).await else {
            panic!("{b}: a batch of no kind was accepted")
        };
        assert!(e.iter().any(|e| e.field == "ratio"), "{e:?}");
        let mut bad = plan(&items, "HC-X2");
        bad.ratio_facility = "120".into();
        let Err(StoreError::Invalid(e)) = s.plan_batch(&bad, COUNTY, &county).await else {
            panic!("{b}: a ratio of 120 was accepted")
        };
        assert!(
            e.iter()
                .any(|e| e.field == "ratio_facility" && e.message.contains("社区养老服务设施")),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn a_providers_staff_see_the_hazards_of_the_meal_point_it_runs_and_no_other_facilitys() {
    use yiyang_store::supervision::RecordInput;
    for (b, url) in fresh_database_urls().await {
        let s = demo(&url).await;
        let county = actor_in("huichang", COUNTY);
        let items: Vec<i64> = s.inspection_items(COUNTY).await.unwrap().iter().map(|i| i.id).collect();
        let mut facilities = plan(&items, "HC-2027-ZC");
        facilities.ratio_provider.clear();
        let id = s.plan_batch(&facilities, COUNTY, &county).await.unwrap();
        s.publish_batch(id, COUNTY, &county).await.unwrap();
        s.draw_batch(id, "7 8 9", COUNTY, &county).await.unwrap();
        let drawn = s
            .inspections_visible(COUNTY, &Viewer::Division, Some(id))
            .await
            .unwrap();
        assert!(drawn.iter().all(|n| n.facility_id.is_some()), "{b}");
        // The meal point (文武坝镇幸福食堂) and another facility, each with one problem.
        let meal_point = drawn.iter().find(|n| n.object_code == "ZC-360733100-01").unwrap();
        let other = drawn
            .iter()
            .find(|n| n.operator.is_none())
            .expect("a facility no provider runs");
        let register = s.inspectors_in(COUNTY).await.unwrap();
        for n in [meal_point, other] {
            let signer = |x: &(i64, String, String)| {
                let name = register
                    .iter()
                    .find(|r| r.id == x.0)
                    .unwrap()
                    .username
                    .clone()
                    .unwrap_or_default();
                actor_in(&name, COUNTY)
            };
            let input = RecordInput {
                inspected_on: chrono::Local::now().date_naive().to_string(),
                summary: String::new(),
                responsible: "负责人".into(),
                findings: items
                    .iter()
                    .enumerate()
                    .map(|(k, i)| {
                        let (o, note) = if k == 0 {
                            ("minor", "灭火器过期")
                        } else {
                            ("pass", "")
                        };
                        (*i, o.to_string(), note.to_string())
                    })
                    .collect(),
            };
            let (x, y) = (&n.inspectors[0], &n.inspectors[1]);
            s.record_inspection(n.id, &input, COUNTY, x.0, &signer(x))
                .await
                .unwrap();
            s.confirm_inspection(n.id, COUNTY, y.0, &signer(y)).await.unwrap();
        }
        let fuwu = Viewer::Provider(DEMO_PROVIDER.into());
        let today = chrono::Local::now().date_naive();
        let seen: Vec<_> = s
            .hazards_visible(COUNTY, &fuwu, today)
            .await
            .unwrap()
            .into_iter()
            .filter(|h| h.facility_id.is_some())
            .collect();
        assert_eq!(seen.len(), 1, "{b}");
        assert_eq!(seen[0].facility_id, meal_point.facility_id);
        assert!(s
            .inspection_visible(meal_point.id, COUNTY, &fuwu)
            .await
            .unwrap()
            .is_some());
        assert!(
            s.inspection_visible(other.id, COUNTY, &fuwu).await.unwrap().is_none(),
            "{b}"
        );
    }
}
