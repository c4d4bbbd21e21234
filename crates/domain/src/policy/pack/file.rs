//! The pack file as written: TOML structures, and reading dates, money and parameter values
//! with the line they came from.

use crate::dates::parse_date;
use crate::policy::expr::{self};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

use super::*;

// ---- the file format ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FilePack {
    pub(super) pack: Spanned<FileMeta>,
    #[serde(default)]
    pub(super) params: BTreeMap<String, Spanned<FileParam>>,
    #[serde(default)]
    pub(super) benefits: BTreeMap<String, Spanned<FileBenefit>>,
    #[serde(default)]
    pub(super) rules: Vec<Spanned<FileRule>>,
    #[serde(default)]
    pub(super) coordination: Vec<Spanned<FileCoordination>>,
    #[serde(default)]
    pub(super) targets: Vec<crate::policy::targets::Target>,
    #[serde(default)]
    pub(super) standards: Vec<crate::policy::targets::Standard>,
    pub(super) visits: Option<crate::care::visits::RosterRule>,
    pub(super) waitlist: Option<crate::institution::WaitlistRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileMeta {
    pub(super) id: String,
    pub(super) version: String,
    pub(super) title: String,
    pub(super) document: String,
    pub(super) jurisdiction: Option<String>,
    pub(super) effective_from: toml::value::Datetime,
    pub(super) effective_to: Option<toml::value::Datetime>,
    pub(super) inherits: Option<String>,
    pub(super) source: Option<String>,
    pub(super) notes: Option<String>,
    #[serde(default)]
    pub(super) remove_rules: Vec<String>,
    pub(super) mzt039_levels: Option<Vec<i64>>,
}

#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(super) enum Yuan {
    Whole(i64),
    Decimal(String),
    Float(f64),
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct FileParam {
    pub(super) label: String,
    pub(super) yuan: Option<Yuan>,
    pub(super) fen: Option<i64>,
    pub(super) value: Option<i64>,
    pub(super) unit: Option<String>,
    #[serde(default)]
    pub(super) basis: Basis,
    pub(super) clause: String,
    pub(super) quote: Option<String>,
    pub(super) note: Option<String>,
    #[serde(default)]
    pub(super) changes: Vec<FileChange>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct FileChange {
    pub(super) from: toml::value::Datetime,
    pub(super) yuan: Option<Yuan>,
    pub(super) fen: Option<i64>,
    pub(super) value: Option<i64>,
    pub(super) clause: Option<String>,
    pub(super) quote: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct FileBenefit {
    pub(super) title: String,
    pub(super) payee: Payee,
    pub(super) note: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct FileRule {
    pub(super) id: String,
    pub(super) benefit: String,
    pub(super) title: String,
    pub(super) clause: String,
    pub(super) when: String,
    pub(super) amount: String,
    pub(super) from: Option<toml::value::Datetime>,
    pub(super) to: Option<toml::value::Datetime>,
    pub(super) quote: Option<String>,
    pub(super) note: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub(super) struct FileCoordination {
    pub(super) kind: CoordinationKind,
    pub(super) benefits: Vec<String>,
    pub(super) clause: String,
    pub(super) note: Option<String>,
}

/// Where an item came from, for error messages.
#[derive(Clone)]
pub(super) struct At {
    pub(super) file: String,
    pub(super) line: usize,
}

impl At {
    pub(super) fn err(&self, key: impl Into<String>, message: impl Into<String>) -> PackError {
        PackError {
            file: self.file.clone(),
            line: self.line,
            key: key.into(),
            message: message.into(),
        }
    }
}

pub(super) struct Parsed {
    pub(super) at: At,
    pub(super) meta: FileMeta,
    pub(super) params: Vec<(String, At, FileParam)>,
    pub(super) benefits: Vec<(String, At, FileBenefit)>,
    pub(super) rules: Vec<(At, FileRule)>,
    pub(super) coordination: Vec<(At, FileCoordination)>,
    pub(super) targets: Vec<crate::policy::targets::Target>,
    pub(super) standards: Vec<crate::policy::targets::Standard>,
    pub(super) visits: Option<crate::care::visits::RosterRule>,
    pub(super) waitlist: Option<crate::institution::WaitlistRule>,
}

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

pub(super) fn parse_file(file: &str, text: &str) -> Result<Parsed, PackError> {
    let raw: FilePack = toml::from_str(text).map_err(|e| PackError {
        file: file.into(),
        line: e.span().map_or(1, |s| line_of(text, s.start)),
        key: "-".into(),
        message: e.message().to_string(),
    })?;
    let at = |span: std::ops::Range<usize>| At {
        file: file.into(),
        line: line_of(text, span.start),
    };
    Ok(Parsed {
        at: at(raw.pack.span()),
        meta: raw.pack.into_inner(),
        params: raw
            .params
            .into_iter()
            .map(|(k, v)| (k, at(v.span()), v.into_inner()))
            .collect(),
        benefits: raw
            .benefits
            .into_iter()
            .map(|(k, v)| (k, at(v.span()), v.into_inner()))
            .collect(),
        rules: raw.rules.into_iter().map(|v| (at(v.span()), v.into_inner())).collect(),
        coordination: raw
            .coordination
            .into_iter()
            .map(|v| (at(v.span()), v.into_inner()))
            .collect(),
        targets: raw.targets,
        standards: raw.standards,
        visits: raw.visits,
        waitlist: raw.waitlist,
    })
}

pub(super) fn date(d: &toml::value::Datetime, at: &At, key: &str) -> Result<NaiveDate, PackError> {
    match (d.date, d.time) {
        (Some(date), None) => NaiveDate::from_ymd_opt(date.year as i32, date.month as u32, date.day as u32)
            .ok_or_else(|| at.err(key, format!("{d} 不是有效日期"))),
        _ => parse_date(&d.to_string()).map_err(|_| at.err(key, format!("应为日期（如 2021-01-01），不是 {d}"))),
    }
}

pub(super) fn money(y: &Yuan, at: &At, key: &str) -> Result<i64, PackError> {
    match y {
        Yuan::Whole(n) => Ok(n * 100),
        Yuan::Float(f) => Err(at.err(
            key,
            format!("金额不能写成浮点数 {f}：写整数元，或带引号的小数如 \"37.50\""),
        )),
        Yuan::Decimal(s) => {
            let bad = || at.err(key, format!("\"{s}\" 不是金额（如 \"37.50\"）"));
            let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
            if whole.is_empty() || frac.len() > 2 || !whole.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let frac_fen = format!("{frac:0<2}").parse::<i64>().map_err(|_| bad())?;
            Ok(whole.parse::<i64>().map_err(|_| bad())? * 100 + frac_fen)
        }
    }
}

/// One value given as exactly one of `yuan`, `fen` or `value`.
pub(super) fn one_value(
    yuan: &Option<Yuan>,
    fen: Option<i64>,
    value: Option<i64>,
    at: &At,
    key: &str,
) -> Result<(ParamKind, i64), PackError> {
    match (yuan, fen, value) {
        (Some(y), None, None) => Ok((ParamKind::Money, money(y, at, key)?)),
        (None, Some(f), None) => Ok((ParamKind::Money, f)),
        (None, None, Some(v)) => Ok((ParamKind::Number, v)),
        _ => Err(at.err(key, "须且只能写 yuan、fen、value 之一")),
    }
}

/// A parameter's first value, or none where the document leaves the figure open.
pub(super) fn first_value(
    fp: &FileParam,
    territorial: bool,
    at: &At,
    key: &str,
) -> Result<(ParamKind, Option<i64>), PackError> {
    let given = fp.yuan.is_some() || fp.fen.is_some() || fp.value.is_some();
    if fp.basis.left_open() {
        if given {
            return Err(at.err(
                key,
                "文件未规定的数额（basis = local / superior）不能写在政策包里：由有权限的用户在系统中设定",
            ));
        }
        // No figure: a plain number if it has a unit, money otherwise.
        let kind = if fp.unit.is_some() {
            ParamKind::Number
        } else {
            ParamKind::Money
        };
        return Ok((kind, None));
    }
    let (kind, v) = one_value(&fp.yuan, fp.fen, fp.value, at, key)?;
    match fp.basis {
        Basis::Choice if kind == ParamKind::Money => {
            return Err(at.err(key, "basis = choice 只用于非金额的取舍；文件未定的金额写 basis = local"))
        }
        Basis::Choice if fp.note.as_deref().is_none_or(|n| n.trim().is_empty()) => {
            return Err(at.err(key, "basis = choice 须在 note 中写明取舍的理由"))
        }
        Basis::Fixed | Basis::Floor
            if territorial && v != 0 && fp.quote.as_deref().is_none_or(|q| q.trim().is_empty()) =>
        {
            return Err(at.err(key, "文件规定的数值须附 quote：文件中设定该数值的原文"))
        }
        _ => {}
    }
    Ok((kind, Some(v)))
}

/// Names shared by the parameters during expression compilation.
pub(super) struct ParamNames<'a>(pub(super) &'a [Param]);

impl expr::Scope for ParamNames<'_> {
    fn param(&self, name: &str) -> Option<usize> {
        self.0.iter().position(|p| p.name == name)
    }
}

pub(super) fn is_code(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}
