//! Deaths from exchanged data: the death records that the public-security (户籍注销), health
//! (死亡医学证明), funeral (火化) and civil-affairs systems deliver, read row by row and matched
//! to the register by ID number, so that payment stops from the month after a death without
//! waiting for a family to report it (江西省“十四五”养老服务体系规划 第七章第三节：“做好与户籍、
//! 医疗、社会保险、社会救助等信息资源的对接”).
//!
//! A row becomes a [`DeathNotice`] once; matching it against the register's entry gives a
//! [`DeathOutcome`]. Only a row whose ID number and name both agree with the register records a
//! death by itself; a name or date that disagrees goes to a review list for a person to decide.

use chrono::NaiveDate;
use serde::Serialize;

use super::{FieldError, DEATH_SOURCES};
use crate::dates::parse_date;
use crate::id_number::{normalize_width, IdNumber};

/// The columns of a death file: (key, the headers it is known by). The source column is
/// optional: a file usually comes whole from one system, which the upload names.
pub const COLUMNS: &[(&str, &[&str])] = &[
    (
        "id_number",
        &["身份证号", "身份证号码", "公民身份号码", "证件号码", "身份证"],
    ),
    ("name", &["姓名", "死者姓名", "逝者姓名"]),
    ("death_date", &["死亡日期", "死亡时间", "注销日期", "火化日期"]),
    ("source", &["信息来源", "数据来源", "来源", "死亡信息来源"]),
];

/// The header's column key, if it is one of [`COLUMNS`].
pub fn column_key(header: &str) -> Option<&'static str> {
    let h: String = normalize_width(header).chars().filter(|c| !c.is_whitespace()).collect();
    let h = h.trim_start_matches('*');
    COLUMNS
        .iter()
        .find(|(_, names)| names.contains(&h))
        .map(|(key, _)| *key)
}

/// The label of a column key, as the row report names the field.
pub fn column_label(key: &str) -> &'static str {
    match key {
        "id_number" => "身份证号",
        "name" => "姓名",
        "death_date" => "死亡日期",
        "source" => "信息来源",
        _ => "文件",
    }
}

/// A source by its code, its label, or what the exchanging systems call themselves.
pub fn parse_source(raw: &str) -> Option<&'static str> {
    let s: String = normalize_width(raw).chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return None;
    }
    if let Some((code, _)) = DEATH_SOURCES.iter().find(|(c, l)| *c == s || *l == s) {
        return Some(code);
    }
    let by_word: &[(&str, &str)] = &[
        ("公安", "hukou_cancel"),
        ("户籍", "hukou_cancel"),
        ("殡葬", "cremation"),
        ("火化", "cremation"),
        ("殡仪", "cremation"),
        ("卫健", "health"),
        ("卫生", "health"),
        ("医学证明", "health"),
        ("医院", "health"),
        ("民政", "verification"),
        ("养老机构", "institution"),
        ("家属", "family"),
    ];
    by_word.iter().find(|(w, _)| s.contains(w)).map(|(_, c)| *c)
}

/// The label of a source code; the code itself never reaches a page.
pub fn source_label(code: &str) -> &str {
    DEATH_SOURCES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("其他来源", |(_, l)| l)
}

/// One row of a death file, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeathNotice {
    pub row_no: i64,
    pub id_number: IdNumber,
    pub name: String,
    pub death_date: NaiveDate,
    /// A code of [`DEATH_SOURCES`].
    pub source: &'static str,
}

/// Where each column is in a file, found from its header row.
#[derive(Debug, Clone, Default)]
pub struct DeathColumns {
    id_number: usize,
    name: usize,
    death_date: usize,
    source: Option<usize>,
}

impl DeathColumns {
    /// Finds the columns; names every required column that is missing.
    pub fn from_headers(headers: &[String]) -> Result<DeathColumns, String> {
        let find = |key: &str| headers.iter().position(|h| column_key(h) == Some(key));
        let missing: Vec<&str> = ["id_number", "name", "death_date"]
            .into_iter()
            .filter(|k| find(k).is_none())
            .map(column_label)
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "文件缺少必需的列：{}（第一行应为表头，如：姓名、身份证号、死亡日期、信息来源）",
                missing.join("、")
            ));
        }
        Ok(DeathColumns {
            id_number: find("id_number").unwrap_or_default(),
            name: find("name").unwrap_or_default(),
            death_date: find("death_date").unwrap_or_default(),
            source: find("source"),
        })
    }

    /// A row's cell of column `key` (`id_number`, `name`, `death_date`, `source`), trimmed.
    pub fn cell<'a>(&self, key: &str, cells: &'a [String]) -> &'a str {
        let at = match key {
            "id_number" => Some(self.id_number),
            "name" => Some(self.name),
            "death_date" => Some(self.death_date),
            _ => self.source,
        };
        at.and_then(|i| cells.get(i)).map_or("", |s| s.trim())
    }

    /// Parses one row; `default_source` is the system the whole file came from, used where a
    /// row names none. Every problem of the row is reported, each naming its field.
    pub fn parse(
        &self,
        row_no: i64,
        cells: &[String],
        default_source: Option<&'static str>,
        today: NaiveDate,
    ) -> Result<DeathNotice, Vec<FieldError>> {
        let cell = |i: usize| cells.get(i).map(|s| s.trim()).unwrap_or("");
        let mut errors = Vec::new();
        let id_number = match IdNumber::parse(cell(self.id_number)) {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(FieldError::new("id_number", e.to_string()));
                None
            }
        };
        let name = crate::text::visible(cell(self.name));
        if name.is_empty() {
            errors.push(FieldError::new("name", "姓名为空"));
        } else if name.chars().count() > 50 {
            errors.push(FieldError::new("name", "姓名超过 50 个字"));
        }
        let death_date = match parse_date(cell(self.death_date)) {
            Ok(d) if d > today => {
                errors.push(FieldError::new("death_date", "死亡日期晚于今天"));
                None
            }
            Ok(d) if id_number.as_ref().is_some_and(|id| d < id.birth_date()) => {
                errors.push(FieldError::new("death_date", "死亡日期早于身份证号中的出生日期"));
                None
            }
            Ok(d) => Some(d),
            Err(_) if cell(self.death_date).is_empty() => {
                errors.push(FieldError::new("death_date", "死亡日期为空"));
                None
            }
            Err(e) => {
                errors.push(FieldError::new("death_date", e.to_string()));
                None
            }
        };
        let raw_source = self.source.map(cell).unwrap_or("");
        let source = match (parse_source(raw_source), raw_source.is_empty(), default_source) {
            (Some(s), _, _) => Some(s),
            (None, true, Some(d)) => Some(d),
            (None, true, None) => {
                errors.push(FieldError::new("source", "未写信息来源，上传时也未选择"));
                None
            }
            (None, false, _) => {
                let shown: String = raw_source.chars().take(20).collect();
                errors.push(FieldError::new("source", format!("信息来源“{shown}”无法识别")));
                None
            }
        };
        match (id_number, death_date, source) {
            (Some(id_number), Some(death_date), Some(source)) if errors.is_empty() => Ok(DeathNotice {
                row_no,
                id_number,
                name,
                death_date,
                source,
            }),
            _ => Err(errors),
        }
    }
}

/// What became of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeathOutcome {
    /// ID number and name agree; the death is recorded (payment stops from the next month).
    Recorded,
    /// The register already has this death on this date.
    AlreadyRecorded,
    /// The ID number is registered but under another name: for a person to check.
    NameDiffers,
    /// The register has this death on another date: for a person to check.
    DateDiffers,
    /// No one with this ID number in the register of the importer's area.
    NotFound,
    /// A row the file got wrong (its field and reason are kept).
    Rejected,
    /// A reviewer confirmed the death after checking.
    Confirmed,
    /// A reviewer found the row does not apply, with a reason.
    Dismissed,
}

impl DeathOutcome {
    pub const ALL: [DeathOutcome; 8] = [
        DeathOutcome::Recorded,
        DeathOutcome::AlreadyRecorded,
        DeathOutcome::NameDiffers,
        DeathOutcome::DateDiffers,
        DeathOutcome::NotFound,
        DeathOutcome::Rejected,
        DeathOutcome::Confirmed,
        DeathOutcome::Dismissed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DeathOutcome::Recorded => "recorded",
            DeathOutcome::AlreadyRecorded => "already_recorded",
            DeathOutcome::NameDiffers => "name_differs",
            DeathOutcome::DateDiffers => "date_differs",
            DeathOutcome::NotFound => "not_found",
            DeathOutcome::Rejected => "rejected",
            DeathOutcome::Confirmed => "confirmed",
            DeathOutcome::Dismissed => "dismissed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DeathOutcome::Recorded => "已登记死亡",
            DeathOutcome::AlreadyRecorded => "此前已登记",
            DeathOutcome::NameDiffers => "姓名不一致，待核实",
            DeathOutcome::DateDiffers => "死亡日期不一致，待核实",
            DeathOutcome::NotFound => "本辖区登记册中无此人",
            DeathOutcome::Rejected => "未导入",
            DeathOutcome::Confirmed => "核实后登记死亡",
            DeathOutcome::Dismissed => "核实后不予登记",
        }
    }

    pub fn parse(code: &str) -> Option<DeathOutcome> {
        DeathOutcome::ALL.into_iter().find(|o| o.code() == code)
    }

    /// Waiting for a person to decide.
    pub fn awaits_review(self) -> bool {
        matches!(self, DeathOutcome::NameDiffers | DeathOutcome::DateDiffers)
    }
}

/// Names compared as people write them: widths unified, spaces and the dots of minority and
/// foreign names (·, •, ・, .) ignored.
pub fn same_name(a: &str, b: &str) -> bool {
    let key = |s: &str| -> String {
        normalize_width(s)
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '・' | '.' | '．'))
            .collect()
    };
    key(a) == key(b)
}

/// Matches a notice against the register's entry for its ID number (`None`: no entry in the
/// importer's area).
pub fn match_notice(notice: &DeathNotice, register: Option<(&str, Option<NaiveDate>)>) -> DeathOutcome {
    match register {
        None => DeathOutcome::NotFound,
        Some((name, _)) if !same_name(name, &notice.name) => DeathOutcome::NameDiffers,
        Some((_, None)) => DeathOutcome::Recorded,
        Some((_, Some(d))) if d == notice.death_date => DeathOutcome::AlreadyRecorded,
        Some((_, Some(_))) => DeathOutcome::DateDiffers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn cols(headers: &[&str]) -> Result<DeathColumns, String> {
        DeathColumns::from_headers(&headers.iter().map(|h| h.to_string()).collect::<Vec<_>>())
    }

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn id() -> String {
        let body = "36073319400315011";
        format!("{body}{}", crate::id_number::check_char(body.as_bytes()))
    }

    #[test]
    fn headers_are_read_by_their_common_names_and_missing_ones_named() {
        let c = cols(&["序号", "公民身份号码", "逝者姓名", "火化日期"]).unwrap();
        let n = c.parse(
            2,
            &row(&["1", &id(), "刘桂英", "2025/5/20"]),
            Some("cremation"),
            day("2025-06-01"),
        );
        let n = n.unwrap();
        assert_eq!(
            (n.name.as_str(), n.death_date, n.source),
            ("刘桂英", day("2025-05-20"), "cremation")
        );
        // A name that would read differently than it is (a bidirectional override) is kept
        // as it reads.
        let n = c.parse(
            3,
            &row(&["2", &id(), "刘\u{202E}桂英", "2025-05-20"]),
            Some("cremation"),
            day("2025-06-01"),
        );
        assert_eq!(n.unwrap().name, "刘桂英");
        let err = cols(&["姓名", "备注"]).unwrap_err();
        assert!(err.starts_with("文件缺少必需的列：身份证号、死亡日期（"), "{err}");
    }

    #[test]
    fn every_problem_of_a_row_is_named_by_its_field() {
        let c = cols(&["身份证号", "姓名", "死亡日期", "信息来源"]).unwrap();
        let errs = c
            .parse(
                7,
                &row(&["360733194003150110", "", "2030-01-01", "小道消息"]),
                None,
                day("2025-06-01"),
            )
            .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["id_number", "name", "death_date", "source"]);
        // Before the birth the ID number gives.
        let errs = c
            .parse(
                8,
                &row(&[&id(), "刘桂英", "1939-01-01", "公安"]),
                None,
                day("2025-06-01"),
            )
            .unwrap_err();
        assert_eq!(errs[0].field, "death_date");
        assert!(errs[0].message.contains("出生"));
        // No source in the row and none chosen at upload.
        let errs = c
            .parse(9, &row(&[&id(), "刘桂英", "2025-05-20", ""]), None, day("2025-06-01"))
            .unwrap_err();
        assert_eq!(errs[0].field, "source");
    }

    #[test]
    fn sources_are_read_by_what_the_systems_call_themselves() {
        assert_eq!(parse_source("公安户籍注销"), Some("hukou_cancel"));
        assert_eq!(parse_source("县公安局"), Some("hukou_cancel"));
        assert_eq!(parse_source("殡仪馆火化"), Some("cremation"));
        assert_eq!(parse_source("卫健委"), Some("health"));
        assert_eq!(parse_source("cremation"), Some("cremation"));
        assert_eq!(parse_source("朋友圈"), None);
        assert_eq!(source_label("health"), "卫健死亡医学证明");
    }

    #[test]
    fn only_an_agreeing_name_records_a_death_and_the_rest_goes_to_review() {
        let n = DeathNotice {
            row_no: 2,
            id_number: IdNumber::parse(&id()).unwrap(),
            name: "阿依古丽·买买提".into(),
            death_date: day("2025-05-20"),
            source: "cremation",
        };
        assert_eq!(match_notice(&n, None), DeathOutcome::NotFound);
        assert_eq!(
            match_notice(&n, Some(("阿依古丽•买买提", None))),
            DeathOutcome::Recorded
        );
        assert_eq!(match_notice(&n, Some(("阿依古丽买买提", None))), DeathOutcome::Recorded);
        assert_eq!(match_notice(&n, Some(("王秀兰", None))), DeathOutcome::NameDiffers);
        assert_eq!(
            match_notice(&n, Some(("阿依古丽·买买提", Some(day("2025-05-20"))))),
            DeathOutcome::AlreadyRecorded
        );
        assert_eq!(
            match_notice(&n, Some(("阿依古丽·买买提", Some(day("2025-04-01"))))),
            DeathOutcome::DateDiffers
        );
        for o in DeathOutcome::ALL {
            assert_eq!(DeathOutcome::parse(o.code()), Some(o));
        }
        assert!(DeathOutcome::NameDiffers.awaits_review() && !DeathOutcome::Recorded.awaits_review());
    }
}
