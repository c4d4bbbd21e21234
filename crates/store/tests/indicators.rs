//! The indicators of `standards/indicators.md` equal hand computations on the demo county,
//! on both backends, on fixed dates: each is recomputed here from the register's own lists.

use chrono::NaiveDate;
use yiyang_domain::dates::Month;
use yiyang_domain::planning::indicators::{Measure, Status};
use yiyang_domain::policy::shipped;
use yiyang_store::planning::indicators::IndicatorLine;
use yiyang_store::testing::{actor, fresh_database_urls};
use yiyang_store::Store;

fn line<'a>(lines: &'a [IndicatorLine], id: &str, d: &str) -> &'a IndicatorLine {
    lines
        .iter()
        .find(|l| l.indicator == id && l.division == d)
        .unwrap_or_else(|| panic!("{id} {d}"))
}

#[tokio::test]
async fn indicators_equal_what_the_lists_give_and_children_add_up() {
    let packs = shipped::packs();
    for (b, url) in fresh_database_urls().await {
        let s = Store::connect(&url).await.unwrap();
        s.load_demo(50, &actor("test")).await.unwrap();
        let today = chrono::Local::now().date_naive();
        let lines = s
            .indicators("360733", None, today, Month::of(today), &packs)
            .await
            .unwrap();
        assert_eq!(lines.len(), 17, "{b}: every indicator of the spec");

        // Beds: each institution's bed list, those out of service (停用) left out.
        let insts = s.institutions_in("360733").await.unwrap();
        let (mut beds, mut nursing) = (0i64, 0i64);
        let mut in_use_of = std::collections::HashMap::new();
        for i in &insts {
            let list: Vec<_> = s
                .beds(i.id)
                .await
                .unwrap()
                .into_iter()
                .filter(|b| b.status != "out_of_service")
                .collect();
            beds += list.len() as i64;
            nursing += list.iter().filter(|b| b.nursing).count() as i64;
            in_use_of.insert(i.id, list.len() as i64);
        }
        assert!(
            insts.iter().map(|i| i.beds).sum::<i64>() > beds,
            "{b}: the demo has beds out of service, left out"
        );
        assert_eq!(
            line(&lines, "nursing_bed_ratio", "360733").measure,
            Some(Measure::ratio(nursing, beds)),
            "{b}"
        );
        // Family care beds in service count too (the demo has one).
        let family_beds = s
            .family_beds_in("360733", None)
            .await
            .unwrap()
            .iter()
            .filter(|b| b.active())
            .count() as i64;
        assert!(family_beds > 0, "{b}: the demo's family bed");
        assert_eq!(
            line(&lines, "beds_total", "360733").measure,
            Some(Measure::count(beds + family_beds))
        );
        let public: Vec<_> = insts
            .iter()
            .filter(|i| matches!(i.kind.as_str(), "public" | "public_private"))
            .collect();
        assert_eq!(
            line(&lines, "public_occupancy_rate", "360733").measure,
            Some(Measure::ratio(
                public.iter().map(|i| i.occupied).sum(),
                public.iter().map(|i| in_use_of[&i.id]).sum()
            ))
        );
        // Huichang's 60 % target (会府发〔2021〕7号) is read with its year.
        let nb = line(&lines, "nursing_bed_ratio", "360733");
        assert_eq!(nb.target.as_ref().map(|t| (t.0, t.1)), Some((0.6, 2025)));
        // Villages with an operating mutual-aid site, over the villages of the county.
        let villages: Vec<String> = s
            .reference()
            .divisions
            .iter()
            .filter(|(c, n)| c.len() == 12 && c.starts_with("360733") && (n.ends_with('村') || n.ends_with("村委会")))
            .map(|(c, _)| c.clone())
            .collect();
        let sites: std::collections::BTreeSet<String> = s
            .facilities_in("360733")
            .await
            .unwrap()
            .into_iter()
            .filter(|f| {
                f.kind == "mutual_aid"
                    && f.status == "operating"
                    && f.opened_on.is_none_or(|d| d <= today)
                    && villages.contains(&f.division)
            })
            .map(|f| f.division)
            .collect();
        assert_eq!(
            line(&lines, "rural_mutual_aid_coverage", "360733").measure,
            Some(Measure::ratio(sites.len() as i64, villages.len() as i64)),
            "{b}"
        );
        // What the register does not hold is no_data, never a number.
        for id in [
            "centralized_care_rate",
            "service_circle_coverage",
            "director_training_rate",
        ] {
            let l = line(&lines, id, "360733");
            assert_eq!((l.measure, l.status), (None, Status::NoData), "{b}: {id}");
        }
        // New residential areas: those accepted (同步验收), of which up to standard and handed
        // over (同步交付), from the register's list.
        let projects = s.residential_projects("360733", &packs).await.unwrap();
        let accepted: Vec<_> = projects
            .iter()
            .filter(|p| p.kind.code() == "new" && p.accepted_on.is_some_and(|d| d <= today))
            .collect();
        let good = accepted
            .iter()
            .filter(|p| p.shortfalls.is_empty() && p.delivered_on.is_some_and(|d| d <= today))
            .count();
        assert!(accepted.len() > good && good > 0, "{b}: the demo has both");
        assert_eq!(
            line(&lines, "new_residential_compliance", "360733").measure,
            Some(Measure::ratio(good as i64, accepted.len() as i64)),
            "{b}"
        );
        // The province's bed count target (≈300,000) binds the province, not the county.
        assert_eq!(line(&lines, "beds_total", "360733").status, Status::NoTarget, "{b}");
        // Open major fire hazards: none, then one found on an inspection (Huichang: 0 by 2021).
        assert_eq!(line(&lines, "major_fire_hazards_open", "360733").status, Status::Met);

        // By township: the additive numerators and denominators add up to the county's.
        let by = s
            .indicators("360733", Some(9), today, Month::of(today), &packs)
            .await
            .unwrap();
        for id in [
            "nursing_bed_ratio",
            "public_occupancy_rate",
            "caregiver_training_rate",
            "social_workers_per_thousand",
            "beds_total",
        ] {
            let (n, d) = by.iter().filter(|l| l.indicator == id).fold((0, 0), |(n, d), l| {
                let m = l.measure.unwrap();
                (n + m.numerator, d + m.denominator.unwrap_or(0))
            });
            let county = line(&lines, id, "360733").measure.unwrap();
            assert_eq!((n, d), (county.numerator, county.denominator.unwrap_or(0)), "{b}: {id}");
        }

        // As of a date before anyone was hired, no caregiver is in post: no data, not 0 %.
        let long_ago = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        let then = s
            .indicators("360733", None, long_ago, Month::of(long_ago), &packs)
            .await
            .unwrap();
        assert_eq!(
            line(&then, "caregiver_training_rate", "360733").measure,
            Some(Measure::ratio(0, 0))
        );
        assert_eq!(line(&then, "caregiver_training_rate", "360733").status, Status::NoData);
        assert_eq!(
            line(&then, "caregiver_training_rate", "360733").csv().split(',').nth(4),
            Some("")
        );
    }
}
