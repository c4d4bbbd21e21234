//! 居住区配建养老服务设施 and its "四同步" (同步规划、同步建设、同步验收、同步交付): a residential
//! project goes through the four steps, civil affairs signing each (并政办发〔2020〕53号:
//! "民政部门参加验收、移交工作"); its care premises are judged against the planning standard of
//! the pack governing its division (赣府厅发〔2022〕3号 第六章第二节: 新建居住区 每百户不少于20平方米、
//! 单处不少于300平方米; 已建成居住区 每百户15平方米、单处200平方米); and while the premises fall
//! short, acceptance is refused (会府发〔2021〕7号（十七）: "凡存在缓建、缩建、停建、不建或建而不交等
//! 问题的，整改到位前建设单位不得组织竣工验收").
//!
//! The standard is read from a pack's `[[standards]]` by id:
//! `{new|existing}_residential_area_per_100_households` (平方米/百户) and
//! `{new|existing}_residential_site_area` (平方米). A division no pack sets them for has no area
//! standard; "不建" (no premises at all) is still a shortfall there.

use std::fmt;

use crate::policy::Pack;

coded!(
    ProjectKind {
        New = "new" / "新建居住区",
        Existing = "existing" / "已建成居住区补足",
    }
);

coded!(
    /// The last step signed off (`Registered`: none yet).
    Stage {
        Registered = "registered" / "已登记",
        Planned = "planned" / "同步规划",
        Building = "building" / "同步建设",
        Accepted = "accepted" / "同步验收",
        Delivered = "delivered" / "同步交付",
    }
);

coded!(
    Outcome {
        Approved = "approved" / "同意",
        Refused = "refused" / "不同意",
    }
);

impl Stage {
    /// The step that comes after this one.
    pub fn next(self) -> Option<Stage> {
        match self {
            Stage::Registered => Some(Stage::Planned),
            Stage::Planned => Some(Stage::Building),
            Stage::Building => Some(Stage::Accepted),
            Stage::Accepted => Some(Stage::Delivered),
            Stage::Delivered => None,
        }
    }
    /// What civil affairs signs at this step.
    pub fn what(self) -> &'static str {
        match self {
            Stage::Registered => "登记",
            Stage::Planned => "审查规划方案中的养老服务用房",
            Stage::Building => "核查养老服务用房与住宅同步建设",
            Stage::Accepted => "参加竣工验收",
            Stage::Delivered => "接收移交的养老服务用房",
        }
    }
}

/// An area in hundredths of a square metre (two decimals, as plans give them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Area(i64);

impl Area {
    /// Largest area a site may have: 1 km².
    const MAX: i64 = 100_000_000;

    pub fn from_centi(c: i64) -> Area {
        Area(c)
    }
    pub fn centi(self) -> i64 {
        self.0
    }
    pub fn square_metres(self) -> f64 {
        self.0 as f64 / 100.0
    }
    /// Square metres as typed: `320`, `320.5`, `320.25`.
    pub fn parse(s: &str) -> Result<Area, String> {
        let s = s.trim().trim_end_matches("平方米").trim_end_matches('㎡').trim();
        let bad = || format!("“{s}”不是面积（平方米，最多两位小数）");
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        if whole.is_empty() || whole.len() > 9 || frac.len() > 2 {
            return Err(bad());
        }
        if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let w: i64 = whole.parse().map_err(|_| bad())?;
        let f: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let a = w * 100 + f;
        if a == 0 || a > Area::MAX {
            return Err(format!("面积应大于0且不超过 {} 平方米", Area::MAX / 100));
        }
        Ok(Area(a))
    }
    /// The area `per_100` square metres per hundred households asks of `households`, rounded up
    /// to the hundredth.
    pub fn per_households(households: u32, per_100: f64) -> Area {
        Area((households as f64 * per_100).ceil() as i64)
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (w, c) = (self.0 / 100, self.0 % 100);
        match c {
            0 => write!(f, "{w}平方米"),
            c if c % 10 == 0 => write!(f, "{w}.{}平方米", c / 10),
            c => write!(f, "{w}.{c:02}平方米"),
        }
    }
}

/// The care premises of a project: one area per site (用房), none when none is built.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Sites(Vec<Area>);

impl Sites {
    pub const MAX: usize = 20;

    /// Areas as typed, separated by commas, 、 or spaces; empty for none.
    pub fn parse(s: &str) -> Result<Sites, String> {
        let parts: Vec<&str> = s
            .split([',', '，', '、', ' ', ';', '；'])
            .filter(|p| !p.trim().is_empty())
            .collect();
        if parts.len() > Sites::MAX {
            return Err(format!("最多登记 {} 处用房", Sites::MAX));
        }
        parts.into_iter().map(Area::parse).collect::<Result<_, _>>().map(Sites)
    }
    /// As stored: hundredths of a square metre, comma-separated.
    pub fn to_db(&self) -> String {
        self.0.iter().map(|a| a.0.to_string()).collect::<Vec<_>>().join(",")
    }
    /// From the stored form; anything unreadable is left out (the column is only ever written
    /// by [`Sites::to_db`]).
    pub fn from_db(s: &str) -> Sites {
        Sites(
            s.split(',')
                .filter_map(|p| p.trim().parse::<i64>().ok())
                .filter(|c| *c > 0)
                .map(Area)
                .collect(),
        )
    }
    pub fn areas(&self) -> &[Area] {
        &self.0
    }
    pub fn total(&self) -> Area {
        Area(self.0.iter().map(|a| a.0).sum())
    }
    /// `320平方米、150.5平方米`, or 无.
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return "无".into();
        }
        self.0.iter().map(Area::to_string).collect::<Vec<_>>().join("、")
    }
    /// For a form field: `320, 150.5`.
    pub fn typed(&self) -> String {
        self.0
            .iter()
            .map(|a| a.to_string().trim_end_matches("平方米").to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The planning standard a project is judged by, with where it comes from.
#[derive(Clone, Debug, PartialEq)]
pub struct Requirement {
    pub per_100_households: f64,
    pub min_site: Area,
    pub pack_id: String,
    pub clause: String,
    /// The document's words for each figure.
    pub quotes: Vec<String>,
}

impl Requirement {
    /// `每百户不少于20平方米、单处不少于300平方米`.
    pub fn describe(&self) -> String {
        format!(
            "每百户不少于{}平方米、单处不少于{}",
            self.per_100_households, self.min_site
        )
    }
}

/// The standard for a project of `kind` in `division`: from the most specific pack whose
/// jurisdiction contains the division and sets both figures (a county's own before its
/// province's). `None` where no pack sets them.
pub fn requirement(packs: &[Pack], division: &str, kind: ProjectKind) -> Option<Requirement> {
    let (area_id, site_id) = (
        format!("{}_residential_area_per_100_households", kind.code()),
        format!("{}_residential_site_area", kind.code()),
    );
    crate::policy::targets::containing(packs, division)
        .into_iter()
        .find_map(|p| {
            let area = p.standards.iter().find(|s| s.id == area_id)?;
            let site = p.standards.iter().find(|s| s.id == site_id)?;
            Some(Requirement {
                per_100_households: area.value,
                min_site: Area((site.value * 100.0).round() as i64),
                pack_id: p.id.clone(),
                clause: area.clause.clone(),
                quotes: vec![area.quote.clone(), site.quote.clone()],
            })
        })
}

/// What is wrong with a project's premises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortfall {
    /// No premises at all (不建).
    None,
    /// Less than the households ask for (缩建).
    Area { have: Area, required: Area },
    /// A site smaller than one site may be.
    Site { site: Area, min: Area },
}

impl Shortfall {
    pub fn message(&self) -> String {
        match self {
            Shortfall::None => "未配建养老服务用房（不建）".into(),
            Shortfall::Area { have, required } => {
                format!("配建面积合计{have}，少于按户数应配建的{required}（缩建）")
            }
            Shortfall::Site { site, min } => format!("单处用房{site}，小于{min}"),
        }
    }
}

/// The shortfalls of `sites` for `households` against `req` (empty: the premises meet it).
pub fn shortfalls(req: Option<&Requirement>, households: u32, sites: &Sites) -> Vec<Shortfall> {
    if sites.0.is_empty() {
        return vec![Shortfall::None];
    }
    let Some(req) = req else { return Vec::new() };
    let mut out = Vec::new();
    let required = Area::per_households(households, req.per_100_households);
    if sites.total() < required {
        out.push(Shortfall::Area {
            have: sites.total(),
            required,
        });
    }
    for s in &sites.0 {
        if *s < req.min_site {
            out.push(Shortfall::Site {
                site: *s,
                min: req.min_site,
            });
        }
    }
    out
}

/// Whether civil affairs may record `outcome` for `step` on a project now at `stage` whose
/// premises have `short` shortfalls; the refusal in words otherwise.
pub fn may_sign(stage: Stage, step: Stage, outcome: Outcome, short: &[Shortfall], note: &str) -> Result<(), String> {
    let Some(next) = stage.next() else {
        return Err("该项目已完成移交，四个环节均已办结".into());
    };
    if step != next {
        return Err(format!(
            "该项目当前为“{}”，下一环节应为“{}”",
            stage.label(),
            next.label()
        ));
    }
    if outcome == Outcome::Refused {
        if note.trim().is_empty() {
            return Err("不同意时请写明理由".into());
        }
        return Ok(());
    }
    if short.is_empty() {
        return Ok(());
    }
    let what = short.iter().map(Shortfall::message).collect::<Vec<_>>().join("；");
    Err(match step {
        Stage::Accepted => format!("配建养老服务设施存在问题（{what}），整改到位前建设单位不得组织竣工验收"),
        Stage::Delivered => format!("配建养老服务设施存在问题（{what}），不能接收移交"),
        _ => format!("配建养老服务设施不达标（{what}），不能同意"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Requirement {
        requirement(&crate::policy::shipped::packs(), "360733100", ProjectKind::New).unwrap()
    }

    #[test]
    fn areas_read_as_typed_and_print_without_trailing_zeros() {
        assert_eq!(Area::parse("320").unwrap().centi(), 32000);
        assert_eq!(Area::parse("320.5㎡").unwrap().centi(), 32050);
        assert_eq!(Area::parse(" 0.25 平方米").unwrap().centi(), 25);
        for bad in ["", "0", "-3", "3.141", "1e3", "三百", "9999999999"] {
            assert!(Area::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Area::from_centi(32050).to_string(), "320.5平方米");
        assert_eq!(Area::from_centi(32005).to_string(), "320.05平方米");
        assert_eq!(Area::from_centi(30000).to_string(), "300平方米");
        let s = Sites::parse("320，150.5、 80").unwrap();
        assert_eq!(s.total().centi(), 55050);
        assert_eq!(Sites::from_db(&s.to_db()), s);
        assert_eq!(s.typed(), "320, 150.5, 80");
        assert_eq!(Sites::parse("").unwrap().describe(), "无");
        assert!(Sites::parse(&"10,".repeat(21)).is_err());
    }

    #[test]
    fn jiangxi_sets_the_standard_for_its_counties_and_others_set_none() {
        let packs = crate::policy::shipped::packs();
        let r = req();
        assert_eq!((r.per_100_households, r.min_site.centi()), (20.0, 30000));
        assert_eq!(r.pack_id, "jiangxi-2022");
        assert!(r.quotes[0].contains("每百户不少于20平方米"));
        let e = requirement(&packs, "360733100", ProjectKind::Existing).unwrap();
        assert_eq!((e.per_100_households, e.min_site.centi()), (15.0, 20000));
        // 太原 sets a per-capita land figure, not one per household.
        assert!(requirement(&packs, "140105", ProjectKind::New).is_none());
    }

    #[test]
    fn premises_are_judged_on_the_total_and_on_each_site() {
        let r = req();
        // 2,000 households ask for 400 m².
        assert!(shortfalls(Some(&r), 2000, &Sites::parse("400").unwrap()).is_empty());
        assert_eq!(
            shortfalls(Some(&r), 2000, &Sites::parse("399.99").unwrap()),
            vec![Shortfall::Area {
                have: Area::from_centi(39999),
                required: Area::from_centi(40000)
            }]
        );
        // Enough in all, but one site below 300 m².
        let s = shortfalls(Some(&r), 1000, &Sites::parse("300, 120").unwrap());
        assert_eq!(
            s,
            vec![Shortfall::Site {
                site: Area::from_centi(12000),
                min: Area::from_centi(30000)
            }]
        );
        // 1,001 households: 200.2 m², rounded up to the hundredth.
        assert_eq!(Area::per_households(1001, 20.0).centi(), 20020);
        assert_eq!(shortfalls(Some(&r), 10, &Sites::default()), vec![Shortfall::None]);
        assert_eq!(shortfalls(None, 10, &Sites::default()), vec![Shortfall::None]);
        assert!(shortfalls(None, 5000, &Sites::parse("10").unwrap()).is_empty());
    }

    #[test]
    fn steps_go_in_order_and_acceptance_waits_for_the_premises() {
        let short = [Shortfall::None];
        assert!(may_sign(Stage::Registered, Stage::Planned, Outcome::Approved, &[], "").is_ok());
        let e = may_sign(Stage::Registered, Stage::Accepted, Outcome::Approved, &[], "").unwrap_err();
        assert!(e.contains("下一环节应为“同步规划”"), "{e}");
        let e = may_sign(Stage::Building, Stage::Accepted, Outcome::Approved, &short, "").unwrap_err();
        assert!(
            e.contains("整改到位前建设单位不得组织竣工验收") && e.contains("不建"),
            "{e}"
        );
        // A refusal is always recordable, with its reason.
        assert!(may_sign(Stage::Building, Stage::Accepted, Outcome::Refused, &short, "").is_err());
        assert!(may_sign(Stage::Building, Stage::Accepted, Outcome::Refused, &short, "用房未建").is_ok());
        assert!(may_sign(Stage::Delivered, Stage::Delivered, Outcome::Approved, &[], "").is_err());
        assert_eq!(Stage::Registered.next(), Some(Stage::Planned));
        assert_eq!(Stage::parse("同步交付"), Some(Stage::Delivered));
        assert_eq!(Stage::parse("done"), None);
    }
}
