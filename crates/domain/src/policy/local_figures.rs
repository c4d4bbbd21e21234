//! Local figures: what a county or city sets where its superior's document leaves the figure
//! open (`basis = "local"` or `"superior"`) — the 高龄津贴 bands, the 服务补贴, the 特困
//! standards. A figure names the pack it completes, the parameter, the value, the date from
//! which it applies, and its own document; it may fill only a figure the pack leaves open,
//! never change one the document sets.
//!
//! The demo's figures for 会昌县 are in `policy-packs/demo-local-figures.toml`, marked as demo:
//! a database loaded with the demo applies them; any other deployment starts without.

use super::pack::{parse_yuan, Pack, PackError, ParamKind, ParamValue};
use chrono::NaiveDate;
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "figure")]
    figures: Vec<toml::Spanned<FileFigure>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileFigure {
    pack: String,
    param: String,
    yuan: Option<String>,
    value: Option<i64>,
    from: toml::value::Datetime,
    /// The local document that sets it (文号 and title), or what it is.
    document: String,
    quote: Option<String>,
    #[serde(default)]
    demo: bool,
}

/// One figure set locally: the pack it completes, the parameter, the value (fen for money),
/// the first day it applies and the local document that sets it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalFigure {
    pub pack: String,
    pub param: String,
    pub value: i64,
    pub from: NaiveDate,
    pub document: String,
    pub quote: Option<String>,
    /// Demo data, not a real document.
    pub demo: bool,
}

/// Why `f` cannot complete `packs`, in words for the user (`None`: it can).
pub fn refusal(packs: &[Pack], f: &LocalFigure) -> Option<String> {
    let Some(pack) = packs.iter().find(|p| p.id == f.pack) else {
        return Some(format!("没有政策包 `{}`", f.pack));
    };
    let Some(param) = pack.param(&f.param) else {
        return Some(format!("政策包《{}》没有参数 `{}`", pack.title, f.param));
    };
    if !param.basis.left_open() {
        return Some(format!(
            "“{}”由文件规定（{}），本地不能改动；本地只能设定文件留给地方或上级文件的数值",
            param.label,
            param.basis.label()
        ));
    }
    if f.value < 0 || (param.kind == ParamKind::Money && f.value > super::pack::MAX_PARAM_FEN) {
        return Some("数值超出合理范围".into());
    }
    if f.document.trim().is_empty() {
        return Some("须写明设定该数值的本地文件（文号和标题）".into());
    }
    if f.from < pack.effective_from || pack.effective_to.is_some_and(|t| f.from > t) {
        return Some(format!("起始日期须在政策包的有效期内（{} 起）", pack.effective_from));
    }
    None
}

/// `packs` with `figures` filled in (in order; a later figure for the same parameter and day
/// replaces an earlier one). Figures that cannot apply are refused with the reason.
pub fn apply_figures(packs: &[Pack], figures: &[LocalFigure]) -> Result<Vec<Pack>, Vec<(usize, String)>> {
    let mut out = packs.to_vec();
    let mut errors = Vec::new();
    for (i, f) in figures.iter().enumerate() {
        if let Some(why) = refusal(&out, f) {
            errors.push((i, why));
            continue;
        }
        let pack = out.iter_mut().find(|p| p.id == f.pack).expect("checked");
        let param = pack.params.iter_mut().find(|p| p.name == f.param).expect("checked");
        let clause = if f.demo {
            format!("{}（演示数据，非真实文件）", f.document)
        } else {
            f.document.clone()
        };
        // From the pack's start it replaces the open value; from a later day it is a change
        // (the figure stays pending before it).
        param.values.retain(|v| v.from != f.from);
        param.values.push(ParamValue {
            from: f.from,
            value: f.value,
            set: true,
            clause: Some(clause),
        });
        param.values.sort_by_key(|v| v.from);
        if f.quote.is_some() {
            param.quote = f.quote.clone();
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Reads a local-figures file (`[[figure]]` tables) into figures, checking each against its
/// pack's parameter kind. Errors name the line.
pub fn parse(packs: &[Pack], file: &str, text: &str) -> Result<Vec<LocalFigure>, Vec<PackError>> {
    let parsed: File = toml::from_str(text).map_err(|e| {
        vec![PackError {
            file: file.into(),
            line: e.span().map_or(1, |s| text[..s.start].matches('\n').count() + 1),
            key: "-".into(),
            message: e.message().into(),
        }]
    })?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for spanned in parsed.figures {
        let line = text[..spanned.span().start].matches('\n').count() + 1;
        let f = spanned.into_inner();
        let err = |m: String| PackError {
            file: file.into(),
            line,
            key: format!("{}.{}", f.pack, f.param),
            message: m,
        };
        let kind = packs
            .iter()
            .find(|p| p.id == f.pack)
            .and_then(|p| p.param(&f.param))
            .map(|p| p.kind);
        let value = match (kind, &f.yuan, f.value) {
            (Some(ParamKind::Money), Some(y), None) => parse_yuan(y),
            (Some(ParamKind::Number), None, Some(v)) => Some(v),
            (None, ..) => Some(0), // reported by `refusal` below
            _ => None,
        };
        let Some(value) = value else {
            errors.push(err(match kind {
                Some(ParamKind::Money) => "金额参数须写 yuan = \"…\"（元）".into(),
                _ => "数值参数须写 value = …".into(),
            }));
            continue;
        };
        let Ok(from) = NaiveDate::parse_from_str(&f.from.to_string(), "%Y-%m-%d") else {
            errors.push(err("from 须为日期（如 2022-01-18）".into()));
            continue;
        };
        let figure = LocalFigure {
            pack: f.pack.clone(),
            param: f.param.clone(),
            value,
            from,
            document: f.document.clone(),
            quote: f.quote.clone(),
            demo: f.demo,
        };
        match refusal(packs, &figure) {
            Some(why) => errors.push(err(why)),
            None => out.push(figure),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `packs` with the figures of a local-figures file filled in.
pub fn apply(packs: &[Pack], file: &str, text: &str) -> Result<Vec<Pack>, Vec<PackError>> {
    let figures = parse(packs, file, text)?;
    apply_figures(packs, &figures).map_err(|errs| {
        errs.into_iter()
            .map(|(_, m)| PackError {
                file: file.into(),
                line: 1,
                key: "-".into(),
                message: m,
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::Month;
    use crate::policy::{shipped, Facts, MonthProgram};

    fn huichang(packs: &[Pack]) -> &Pack {
        packs.iter().find(|p| p.id == "huichang-2021").unwrap()
    }

    #[test]
    fn an_open_figure_is_pending_until_set_locally_then_paid() {
        let packs = shipped::packs();
        let mut f = Facts::default();
        f.set_by_name("age", "85").unwrap();
        let month = Month { year: 2024, month: 6 };
        let p = MonthProgram::direct(huichang(&packs), month);
        let b = huichang(&packs).benefit_index("gaoling").unwrap();
        let mut s = Vec::new();
        // The age band itself is open: the rule applies to no one yet.
        assert_eq!(p.pays(&f, &mut s)[b].amount, 0);
        let text = r#"
[[figure]]
pack = "huichang-2021"
param = "gaoling_age_1"
value = 80
from = 2022-01-18
document = "会民字〔2022〕1号"

[[figure]]
pack = "huichang-2021"
param = "gaoling_1"
yuan = "50"
from = 2023-01-01
document = "会民字〔2022〕1号"
"#;
        let set = apply(&packs, "local.toml", text).unwrap();
        let h = huichang(&set);
        // Before the amount applies: the person qualifies, the amount is pending.
        let before = MonthProgram::direct(h, Month { year: 2022, month: 6 });
        assert!(before.pays(&f, &mut s)[b].is_pending());
        let after = MonthProgram::direct(h, month);
        assert_eq!(after.pays(&f, &mut s)[b].amount, 5000);
        // Other Jiangxi packs are untouched.
        let jx = set.iter().find(|p| p.id == "jiangxi-2022").unwrap();
        assert!(!jx.param("gaoling_1").unwrap().is_set_on(month.first_day()));
    }

    #[test]
    fn a_figure_the_document_sets_cannot_be_changed_locally() {
        let text = r#"
[[figure]]
pack = "huichang-2021"
param = "yunying_disabled"
yuan = "300"
from = 2023-01-01
document = "x"
"#;
        let e = apply(&shipped::packs(), "local.toml", text).unwrap_err();
        assert!(e[0].message.contains("本地不能改动"), "{}", e[0]);
        assert_eq!(e[0].line, 2);
    }
}
