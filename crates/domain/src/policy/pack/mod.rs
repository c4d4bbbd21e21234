//! Policy packs: the TOML file format, validation with file/line/key errors, and inheritance.
//!
//! A pack lives in a folder `policy-packs/<id>/` as `pack.toml` (the policy) and `tests.toml`
//! (its cases). The format is documented in `policy-packs/README.md`.
//!
//! Files: here the types a loaded pack is made of; `file` (the TOML as written, and reading
//! its values with their line numbers); `load` (validation, inheritance, building a pack).

mod file;
mod load;

pub use load::load;

use super::expr::Node;
use crate::DivisionCode;
use chrono::NaiveDate;
use serde::Deserialize;
use std::fmt;

/// An error in a pack file, pointing at the file, line and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub message: String,
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}: {}", self.file, self.line, self.key, self.message)
    }
}

impl std::error::Error for PackError {}

/// Who receives a benefit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payee {
    Person,
    /// The institution the person lives in (operating subsidies per resident-month).
    Institution,
}

/// How a parameter's value relates to the document. A pack says only what its document
/// says: `fixed` and `floor` carry the figure with the document's own words (`quote`);
/// `local` and `superior` carry no figure at all — people who qualify are 待定 (eligible,
/// amount pending) until an authorised user sets it; `choice` is a decision the document
/// leaves open that is not money (a level, a yes/no), stated with its reason in `note`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The document states this figure.
    #[default]
    Fixed,
    /// The document sets a minimum (不低于); the figure is that minimum.
    Floor,
    /// The document leaves the figure to local rules (由各地确定): no figure in the pack.
    Local,
    /// Set by a higher or another authority's document not in the pack (named in `note`): no
    /// figure in the pack.
    Superior,
    /// A choice the document does not make (how to read 生活不能自理, whether two subsidies
    /// combine); the pack states it with its reason in `note`. Never an amount of money.
    Choice,
}

impl Basis {
    pub fn label(self) -> &'static str {
        match self {
            Basis::Fixed => "文件规定",
            Basis::Floor => "文件规定下限（不低于）",
            Basis::Local => "文件授权地方确定，待当地设定",
            Basis::Superior => "由上级或其他文件规定，待设定",
            Basis::Choice => "文件未明确，本包的取舍（见说明）",
        }
    }

    /// The document leaves the figure to someone else: the pack holds none.
    pub fn left_open(self) -> bool {
        matches!(self, Basis::Local | Basis::Superior)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    /// Money, stored in fen.
    Money,
    /// A plain number (a count, a percentage, a number of months).
    Number,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub label: String,
    pub kind: ParamKind,
    pub unit: Option<String>,
    pub basis: Basis,
    pub clause: String,
    /// The document's own words that set the figure (checked verbatim against the source).
    pub quote: Option<String>,
    pub note: Option<String>,
    /// Values by date, sorted; the first starts at the pack's start.
    pub values: Vec<ParamValue>,
    /// The pack that last set this parameter.
    pub defined_in: String,
}

#[derive(Clone, Debug)]
pub struct ParamValue {
    pub from: NaiveDate,
    /// 0 while not `set`.
    pub value: i64,
    /// False while the document leaves the figure open and no one has set it (待定).
    pub set: bool,
    /// The clause of the document that changed the value, when not the parameter's own.
    pub clause: Option<String>,
}

impl Param {
    fn entry_on(&self, day: NaiveDate) -> &ParamValue {
        self.values
            .iter()
            .rev()
            .find(|v| v.from <= day)
            .unwrap_or(&self.values[0])
    }

    /// The value in force on `day` (0 while not set).
    pub fn value_on(&self, day: NaiveDate) -> i64 {
        self.entry_on(day).value
    }

    /// Whether a figure is in force on `day`; false while it is 待定.
    pub fn is_set_on(&self, day: NaiveDate) -> bool {
        self.entry_on(day).set
    }

    pub fn display_value(&self, v: i64) -> String {
        match self.kind {
            ParamKind::Money => crate::Fen(v).to_string(),
            ParamKind::Number => format!("{v}{}", self.unit.as_deref().unwrap_or("")),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Benefit {
    pub code: String,
    pub title: String,
    pub payee: Payee,
    pub note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    /// Index into the pack's benefits.
    pub benefit: usize,
    pub benefit_code: String,
    pub title: String,
    pub clause: String,
    pub when_src: String,
    pub when: Node,
    pub amount_src: String,
    pub amount: Node,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The document's own words for the rule (who qualifies), checked verbatim.
    pub quote: Option<String>,
    pub note: Option<String>,
    pub defined_in: String,
}

impl Rule {
    /// In force for a month that starts on `d0` and ends on `d1`.
    pub fn in_force(&self, d0: NaiveDate, d1: NaiveDate) -> bool {
        self.from.is_none_or(|f| f <= d1) && self.to.is_none_or(|t| t >= d0)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordinationKind {
    /// 就高不重复: of the listed benefits only the largest amount is paid (ties: first listed).
    TakeHigher,
    /// 不重复享受: the first listed benefit that pays excludes the others.
    Priority,
}

#[derive(Clone, Debug)]
pub struct Coordination {
    pub kind: CoordinationKind,
    /// Indices into the pack's benefits.
    pub benefits: Vec<usize>,
    pub benefit_codes: Vec<String>,
    pub clause: String,
    pub note: Option<String>,
}

/// A loaded, validated pack with its inheritance resolved.
#[derive(Clone, Debug)]
pub struct Pack {
    pub id: String,
    pub version: String,
    pub title: String,
    pub document: String,
    pub jurisdiction: Option<DivisionCode>,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub inherits: Option<String>,
    pub source: Option<String>,
    pub notes: Option<String>,
    pub file: String,
    pub params: Vec<Param>,
    pub benefits: Vec<Benefit>,
    pub rules: Vec<Rule>,
    pub coordination: Vec<Coordination>,
    /// The quantitative targets of this pack's own document (not inherited: a county's
    /// document has its own; the province's stay with the province's pack).
    pub targets: Vec<super::targets::Target>,
    /// Its planning standards (space, land, bed ceilings), not inherited either.
    pub standards: Vec<super::targets::Standard>,
    /// How a legacy MZ/T 039-2013 level (0-3) reads as a GB/T 42195-2022 level (0-4):
    /// `mzt039_levels[legacy]`. Inherited; default 0→0, 1→1, 2→2, 3→3.
    pub mzt039_levels: [i8; 4],
    /// Who its document says is visited (探访关爱), and how often; not inherited (a county's
    /// document names its own groups).
    pub visits: Option<crate::care::visits::RosterRule>,
    /// Who goes first on a public institution's waitlist, as its document says; not inherited
    /// as such, but a county without its own follows the nearest pack above it that has one
    /// ([`waitlist_rule_for`]).
    pub waitlist: Option<crate::institution::WaitlistRule>,
}

impl Pack {
    pub fn benefit_index(&self, code: &str) -> Option<usize> {
        self.benefits.iter().position(|b| b.code == code)
    }

    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// In force on any day of the month.
    pub fn in_force(&self, d0: NaiveDate, d1: NaiveDate) -> bool {
        self.effective_from <= d1 && self.effective_to.is_none_or(|t| t >= d0)
    }
}

/// The waitlist rule for an institution in `division` on `day`: that of the most specific pack
/// in force there that states one (a county's own, else its province's). `None` where no
/// document in force names an order.
pub fn waitlist_rule_for<'a>(
    packs: &'a [Pack],
    division: &str,
    day: NaiveDate,
) -> Option<&'a crate::institution::WaitlistRule> {
    packs
        .iter()
        .filter(|p| p.in_force(day, day))
        .filter(|p| {
            p.jurisdiction
                .as_ref()
                .is_some_and(|j| division.starts_with(j.as_str()))
        })
        .filter_map(|p| {
            Some((
                p.jurisdiction.as_ref()?.as_str().len(),
                p.effective_from,
                p.waitlist.as_ref()?,
            ))
        })
        .max_by_key(|(len, from, _)| (*len, *from))
        .map(|(_, _, w)| w)
}

/// The largest amount a parameter may hold: 100 million yuan. Larger is a typo, and it keeps
/// every sum over a province's people far from overflowing.
pub const MAX_PARAM_FEN: i64 = 10_000_000_000;

/// Parses whole or two-decimal yuan (`300`, `37.5`) into fen; `None` for anything else,
/// including amounts over [`MAX_PARAM_FEN`] (never an overflow).
pub fn parse_yuan(s: &str) -> Option<i64> {
    let (w, f) = s.split_once('.').unwrap_or((s, ""));
    if f.len() > 2 || w.is_empty() || w.len() > 12 || !w.bytes().chain(f.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fen = w
        .parse::<i64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(format!("{f:0<2}").parse::<i64>().ok()?)?;
    (fen <= MAX_PARAM_FEN).then_some(fen)
}

/// `base` with parameter `name` set to `value` (yuan for money) from the first day of `month`:
/// the what-if of a policy change. Nothing else changes.
pub fn with_change(base: &Pack, month: crate::dates::Month, name: &str, value: &str) -> Result<Pack, String> {
    let mut pack = base.clone();
    let d0 = month.first_day();
    let p = pack
        .params
        .iter_mut()
        .find(|p| p.name == name)
        .ok_or_else(|| format!("政策包 {} 没有参数 `{name}`", base.id))?;
    let v = match p.kind {
        ParamKind::Money => parse_yuan(value).ok_or_else(|| format!("`{value}` 不是金额（元，如 300 或 37.50）"))?,
        ParamKind::Number => value
            .parse::<i64>()
            .ok()
            .filter(|n| n.unsigned_abs() <= 1_000_000_000)
            .ok_or_else(|| format!("`{value}` 不是合理范围内的整数"))?,
    };
    p.values.retain(|pv| pv.from < d0);
    let from = if p.values.is_empty() {
        base.effective_from.min(d0)
    } else {
        d0
    };
    p.values.push(ParamValue {
        from,
        value: v,
        set: true,
        clause: Some("假设调整（what-if）".into()),
    });
    Ok(pack)
}
