//! Visits on both backends: the roster takes the named groups, a visitor records visits to
//! their own people only, a danger sign needs its follow-up, and the month's visit rate
//! equals a hand count (the indicator included) for a fixed month.

use yiyang_domain::dates::Month;
use yiyang_domain::planning::indicators::Measure;
use yiyang_store::audit::Actor;
use yiyang_store::care::visits::{VisitInput, VisitViewer};
use yiyang_store::testing::fresh_database_urls;
use yiyang_store::{Store, StoreError};

fn actor(name: &str) -> Actor {
    Actor {
        name: name.into(),
        channel: "web",
        source: "test".into(),
        scope: "360733".into(),
    }
}

#[tokio::test]
async fn a_visitor_visits_their_own_people_and_the_rate_is_a_hand_count() {
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        s.load_demo(120, &actor("demo")).await.unwrap();
        let today = chrono::Local::now().date_naive();
        let month = Month::of(today);
        let roster = s
            .visit_roster("360733100", &VisitViewer::Division, month)
            .await
            .unwrap();
        assert!(!roster.is_empty(), "{b}");
        // 会昌's own document names the groups (会府发〔2021〕7号 (七)): 特困 or 低保 alone does
        // not put someone on its roster, as the default list of indicators.md would.
        let rule = s.roster_rule_for("360733100");
        assert!(rule.clause.contains("会府发"), "{b}: {}", rule.clause);
        let cats = |c: &str| {
            c.split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        for e in &roster {
            let c = cats(&e.categories);
            let c: Vec<&str> = c.iter().map(String::as_str).collect();
            assert!(rule.admits(&c, ""), "{b}: {} is not in 会昌's groups", e.categories);
        }
        let everyone = s.execute_scalar_rows_for_tests(
            "SELECT categories FROM persons WHERE death_date IS NULL AND (hukou_division LIKE '360733100%' OR residence_division LIKE '360733100%')",
        ).await;
        let by_hand = everyone
            .iter()
            .filter(|c| {
                let c = cats(c);
                let c: Vec<&str> = c.iter().map(String::as_str).collect();
                rule.admits(&c, "")
            })
            .count();
        assert_eq!(roster.len(), by_hand, "{b}: the roster is everyone 会昌's groups name");
        let mine = s
            .visit_roster("360733100", &VisitViewer::Visitor("tanfang".into()), month)
            .await
            .unwrap();
        assert_eq!(
            mine.len(),
            roster.len(),
            "{b}: the demo assigns the whole town to tanfang"
        );
        let nobody = s
            .visit_roster("360733", &VisitViewer::Visitor("someone".into()), month)
            .await
            .unwrap();
        assert!(nobody.is_empty());

        // A visitor cannot visit someone not assigned to them.
        let person = roster[0].person_id;
        let good = VisitInput {
            visited_on: today.to_string(),
            place: "家中".into(),
            health: "好".into(),
            living: "好".into(),
            needs: String::new(),
            condition: "good".into(),
            follow_up: String::new(),
        };
        let other = VisitViewer::Visitor("someone".into());
        assert!(
            matches!(
                s.record_visit(person, &good, "360733", &other, &actor("someone")).await,
                Err(StoreError::NotFound)
            ),
            "{b}"
        );
        // A danger sign needs its follow-up.
        let danger = VisitInput {
            condition: "danger".into(),
            ..good.clone()
        };
        let me = VisitViewer::Visitor("tanfang".into());
        let Err(StoreError::Invalid(errors)) = s
            .record_visit(person, &danger, "360733100", &me, &actor("tanfang"))
            .await
        else {
            panic!("{b}: a danger sign without a follow-up was accepted")
        };
        assert_eq!(errors[0].field, "follow_up");
        let future = VisitInput {
            visited_on: (today + chrono::Days::new(1)).to_string(),
            ..good.clone()
        };
        assert!(matches!(
            s.record_visit(person, &future, "360733100", &me, &actor("tanfang"))
                .await,
            Err(StoreError::Invalid(_))
        ));
        s.record_visit(person, &good, "360733100", &me, &actor("tanfang"))
            .await
            .unwrap();

        // The month's rate by hand: people on the roster with a visit dated in the month.
        let roster = s
            .visit_roster("360733100", &VisitViewer::Division, month)
            .await
            .unwrap();
        let visits = s.visits_in("360733100", &VisitViewer::Division, 2000).await.unwrap();
        let by_hand = roster
            .iter()
            .filter(|e| {
                visits
                    .iter()
                    .any(|v| v.person_id == e.person_id && Month::of(v.visited_on) == month)
            })
            .count() as i64;
        assert_eq!(roster.iter().filter(|e| e.visited).count() as i64, by_hand, "{b}");
        let lines = s
            .indicators(
                "360733100",
                None,
                today,
                month,
                &yiyang_domain::policy::shipped::packs(),
            )
            .await
            .unwrap();
        let rate = lines.iter().find(|l| l.indicator == "monthly_visit_rate").unwrap();
        assert_eq!(rate.measure, Some(Measure::ratio(by_hand, roster.len() as i64)), "{b}");
        // A month before any visit: nobody visited.
        let before = Month::parse("2020-01").unwrap();
        let lines = s
            .indicators(
                "360733100",
                None,
                today,
                before,
                &yiyang_domain::policy::shipped::packs(),
            )
            .await
            .unwrap();
        let rate = lines.iter().find(|l| l.indicator == "monthly_visit_rate").unwrap();
        assert_eq!(rate.measure.unwrap().numerator, 0, "{b}");
    }
}
