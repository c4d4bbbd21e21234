//! Subsidies to community and rural facilities that are not institutions: rural mutual-aid
//! sites (农村互助养老服务站点) and rural day-care centres (农村老年人日间照料中心). The amounts
//! are pack parameters; this module decides which are due. Pure: no I/O.
//!
//! - 会府发〔2021〕7号 第九条: a one-off construction subsidy of 30,000 yuan per mutual-aid site
//!   (`huzhu_build`); 20,000 yuan a year for a site in normal operation for a year or more
//!   (`huzhu_operate_year`); 30,000 yuan once for a "党建+农村互助养老服务" demonstration site
//!   (`huzhu_demo_award`).
//! - 并政办发〔2020〕53号 第（三）条: at least 50,000 yuan a year per rural day-care centre
//!   (`rizhao_operate_year`).
//! - 新疆 (七): a one-off opening subsidy and an operating subsidy for community home-care
//!   facilities (`shequ_kaiban`, `shequ_operate_year`); the document sets no amount, so both
//!   wait (待定) until a local figure is set.
//!
//! Each subsidy is due once per period: once for a one-off, once per calendar year for a
//! yearly one. A year's operating subsidy is due from the year in which the site completes its
//! first year, while it operates.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::Pack;

/// Kinds of facility the register holds.
pub const FACILITY_KINDS: [(&str, &str); 4] = [
    ("mutual_aid", "农村互助养老服务站点"),
    ("rural_day_care", "农村老年人日间照料中心"),
    ("community_center", "社区养老服务中心（站）"),
    ("meal_point", "老年助餐点"),
];

pub fn facility_kind_label(code: &str) -> &'static str {
    FACILITY_KINDS.iter().find(|(c, _)| *c == code).map_or("", |(_, l)| l)
}

/// One subsidy a pack sets for a kind of facility.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacilitySubsidy {
    /// `build`, `operate` or `demo`.
    pub subsidy: &'static str,
    pub title: String,
    pub amount_fen: i64,
    pub clause: String,
    /// Paid every calendar year (else once).
    pub yearly: bool,
    /// Years of operation before the first yearly payment.
    pub after_years: u32,
    /// The figure is set (a document's, or a local figure); false while it is 待定.
    pub set: bool,
}

/// The subsidies `pack` sets for facilities of `kind` on `day`.
pub fn subsidies(pack: &Pack, kind: &str, day: NaiveDate) -> Vec<FacilitySubsidy> {
    let one = |param: &str, subsidy: &'static str, yearly: bool, after_years: u32| {
        pack.param(param).map(|p| FacilitySubsidy {
            subsidy,
            title: p.label.clone(),
            amount_fen: p.value_on(day),
            clause: p.clause.clone(),
            yearly,
            after_years,
            set: p.is_set_on(day),
        })
    };
    match kind {
        "mutual_aid" => [
            one("huzhu_build", "build", false, 0),
            one("huzhu_operate_year", "operate", true, 1),
            one("huzhu_demo_award", "demo", false, 0),
        ]
        .into_iter()
        .flatten()
        .collect(),
        "rural_day_care" => one("rizhao_operate_year", "operate", true, 0).into_iter().collect(),
        "community_center" => [
            one("shequ_kaiban", "build", false, 0),
            one("shequ_operate_year", "operate", true, 0),
        ]
        .into_iter()
        .flatten()
        .collect(),
        _ => Vec::new(),
    }
}

/// What the register says about one facility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityFacts {
    pub opened_on: Option<NaiveDate>,
    pub operating: bool,
    pub demo_site: bool,
    pub today: NaiveDate,
}

/// One payment due: which subsidy, for which period (`""` for a one-off, `"YYYY"` for a year).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacilityDue {
    pub subsidy: &'static str,
    pub period: String,
    pub amount_fen: i64,
    pub title: String,
    pub clause: String,
}

/// The payments due now that have not been made (`paid`: (subsidy, period) already granted),
/// oldest first; and for each subsidy not due, the reason.
pub fn due(
    f: &FacilityFacts,
    subsidies: &[FacilitySubsidy],
    paid: &[(String, String)],
) -> (Vec<FacilityDue>, Vec<(String, String)>) {
    let mut out = Vec::new();
    let mut why_not = Vec::new();
    let is_paid = |s: &str, period: &str| paid.iter().any(|(a, b)| a == s && b == period);
    for s in subsidies {
        let Some(opened) = f.opened_on.filter(|d| *d <= f.today) else {
            why_not.push((s.title.clone(), "尚未建成投入使用（未登记启用日期）".into()));
            continue;
        };
        if !s.set {
            why_not.push((s.title.clone(), "金额待定：文件未定标准，待本地标准设定".into()));
            continue;
        }
        if s.amount_fen <= 0 {
            why_not.push((s.title.clone(), "政策包中金额为 0（待当地核定）".into()));
            continue;
        }
        if s.subsidy == "demo" && !f.demo_site {
            why_not.push((s.title.clone(), "未被认定为示范站点".into()));
            continue;
        }
        if !s.yearly {
            if !is_paid(s.subsidy, "") {
                out.push(FacilityDue {
                    subsidy: s.subsidy,
                    period: String::new(),
                    amount_fen: s.amount_fen,
                    title: s.title.clone(),
                    clause: s.clause.clone(),
                });
            }
            continue;
        }
        if !f.operating {
            why_not.push((s.title.clone(), "未在正常运营".into()));
            continue;
        }
        let Some(first) = opened.checked_add_months(chrono::Months::new(12 * s.after_years)) else {
            continue;
        };
        if first > f.today {
            why_not.push((
                s.title.clone(),
                format!("运营满 {} 年后（{first} 起）按年补助", s.after_years),
            ));
            continue;
        }
        for year in first.year()..=f.today.year() {
            let period = year.to_string();
            if !is_paid(s.subsidy, &period) {
                out.push(FacilityDue {
                    subsidy: s.subsidy,
                    period,
                    amount_fen: s.amount_fen,
                    title: s.title.clone(),
                    clause: s.clause.clone(),
                });
            }
        }
    }
    (out, why_not)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn huichang() -> Vec<FacilitySubsidy> {
        let packs = crate::policy::shipped::packs();
        let pack = packs.iter().find(|p| p.id == "huichang-2021").unwrap();
        subsidies(pack, "mutual_aid", d("2026-11-23"))
    }

    fn facts(opened: &str) -> FacilityFacts {
        FacilityFacts {
            opened_on: Some(d(opened)),
            operating: true,
            demo_site: false,
            today: d("2026-11-23"),
        }
    }

    fn amounts(due: &[FacilityDue]) -> Vec<(&str, &str, i64)> {
        due.iter()
            .map(|x| (x.subsidy, x.period.as_str(), x.amount_fen))
            .collect()
    }

    #[test]
    fn the_huichang_pack_sets_the_three_mutual_aid_subsidies_of_article_nine() {
        let s = huichang();
        let by = |k: &str| s.iter().find(|x| x.subsidy == k).unwrap();
        assert_eq!(by("build").amount_fen, 3_000_000);
        assert_eq!((by("operate").amount_fen, by("operate").yearly), (2_000_000, true));
        assert_eq!(by("demo").amount_fen, 3_000_000);
        assert!(s.iter().all(|x| x.clause.contains("会府发〔2021〕7号 第九条")));
    }

    #[test]
    fn xinjiangs_community_facility_subsidies_wait_for_a_local_figure() {
        // 新疆 (七): 运营补贴和一次性开办补助, 按规定: no amount in the document.
        let packs = crate::policy::shipped::packs();
        let pack = packs.iter().find(|p| p.id == "xinjiang-2019").unwrap();
        let s = subsidies(pack, "community_center", d("2026-11-23"));
        assert_eq!(
            s.iter().map(|x| (x.subsidy, x.yearly, x.set)).collect::<Vec<_>>(),
            [("build", false, false), ("operate", true, false)]
        );
        let (due, why) = due(&facts("2024-01-01"), &s, &[]);
        assert!(due.is_empty());
        assert_eq!(why.len(), 2);
        assert!(why.iter().all(|(_, r)| r.starts_with("金额待定")), "{why:?}");
        // 会昌's pack names no subsidy for a community centre.
        let hc = packs.iter().find(|p| p.id == "huichang-2021").unwrap();
        assert!(subsidies(hc, "community_center", d("2026-11-23")).is_empty());
    }

    #[test]
    fn a_site_gets_its_build_subsidy_once_and_yearly_operation_after_its_first_year() {
        // Opened in March 2024: one year reached in March 2025; 2025 and 2026 are due.
        let (due, _) = due(&facts("2024-03-01"), &huichang(), &[]);
        assert_eq!(
            amounts(&due),
            [
                ("build", "", 3_000_000),
                ("operate", "2025", 2_000_000),
                ("operate", "2026", 2_000_000)
            ]
        );
        // What was granted is not due again.
        let paid = [
            ("build".to_string(), String::new()),
            ("operate".to_string(), "2025".to_string()),
        ];
        let (due2, _) = super::due(&facts("2024-03-01"), &huichang(), &paid);
        assert_eq!(amounts(&due2), [("operate", "2026", 2_000_000)]);
    }

    #[test]
    fn a_new_site_a_closed_one_and_the_demo_award_say_why() {
        let (due, why) = due(&facts("2026-06-01"), &huichang(), &[]);
        assert_eq!(amounts(&due), [("build", "", 3_000_000)]);
        assert!(why.iter().any(|(_, r)| r.contains("运营满 1 年后（2027-06-01 起）")));
        assert!(why.iter().any(|(_, r)| r.contains("示范站点")));
        let closed = FacilityFacts {
            operating: false,
            demo_site: true,
            ..facts("2020-01-01")
        };
        let (due, why) = super::due(&closed, &huichang(), &[]);
        assert_eq!(amounts(&due), [("build", "", 3_000_000), ("demo", "", 3_000_000)]);
        assert!(why.iter().any(|(_, r)| r == "未在正常运营"));
        let unbuilt = FacilityFacts {
            opened_on: None,
            ..facts("2020-01-01")
        };
        assert!(super::due(&unbuilt, &huichang(), &[]).0.is_empty());
    }

    #[test]
    fn taiyuan_pays_each_rural_day_care_centre_every_year_it_operates() {
        let packs = crate::policy::shipped::packs();
        let pack = packs.iter().find(|p| p.id == "taiyuan-2020").unwrap();
        let s = subsidies(pack, "rural_day_care", d("2025-06-01"));
        let f = FacilityFacts {
            today: d("2025-06-01"),
            ..facts("2024-09-01")
        };
        let (due, _) = due(&f, &s, &[]);
        assert_eq!(
            amounts(&due),
            [("operate", "2024", 5_000_000), ("operate", "2025", 5_000_000)]
        );
        assert!(subsidies(pack, "mutual_aid", d("2025-06-01")).is_empty());
    }

    proptest! {
        #[test]
        fn nothing_is_due_twice_and_granting_all_leaves_nothing(
            opened in 0i64..3000, demo: bool, operating: bool,
        ) {
            let f = FacilityFacts {
                opened_on: Some(d("2018-01-01") + chrono::Days::new(opened as u64)),
                operating,
                demo_site: demo,
                today: d("2026-11-23"),
            };
            let (first, _) = due(&f, &huichang(), &[]);
            let mut keys: Vec<(&str, &str)> = first.iter().map(|x| (x.subsidy, x.period.as_str())).collect();
            let n = keys.len();
            keys.sort();
            keys.dedup();
            prop_assert_eq!(keys.len(), n);
            let paid: Vec<(String, String)> = first.iter().map(|x| (x.subsidy.to_string(), x.period.clone())).collect();
            prop_assert!(due(&f, &huichang(), &paid).0.is_empty());
        }
    }
}
