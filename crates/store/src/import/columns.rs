//! The columns of a register file: headers as county staff write them, reading .xlsx and
//! .csv with bounded memory, and validating rows with the web form's rules.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use yiyang_domain::id_number::normalize_width;
use yiyang_domain::person::{field_label, FieldError, PersonInput, PersonRecord};

use super::{ImportJob, RowError};
use crate::{Result, StoreError};

/// Column headers as they appear in real spreadsheets, mapped to field keys.
pub(crate) const HEADER_VARIANTS: &[(&str, &[&str])] = &[
    ("name", &["姓名", "老人姓名", "名字", "name"]),
    (
        "id_number",
        &[
            "身份证号",
            "身份证号码",
            "公民身份号码",
            "公民身份证号码",
            "证件号码",
            "身份证",
            "id_number",
            "person_id",
        ],
    ),
    ("sex", &["性别", "sex"]),
    (
        "birth_date",
        &["出生日期", "出生年月日", "出生年月", "生日", "birth_date"],
    ),
    (
        "phone",
        &["联系电话", "电话", "手机", "手机号", "手机号码", "本人电话", "phone"],
    ),
    (
        "address",
        &[
            "地址",
            "居住地址",
            "现居住地址",
            "家庭住址",
            "现住址",
            "详细地址",
            "address",
        ],
    ),
    (
        "hukou_division",
        &[
            "区划代码",
            "行政区划代码",
            "户籍地区划代码",
            "户籍区划代码",
            "户籍所在地区划代码",
            "所属区划代码",
            "hukou_division",
            "county_code",
        ],
    ),
    (
        "residence_division",
        &[
            "居住地区划代码",
            "现居住地区划代码",
            "居住区划代码",
            "实际居住地区划代码",
            "residence_division",
        ],
    ),
    (
        "hukou_type",
        &[
            "户籍性质",
            "户口性质",
            "户籍类型",
            "户口类型",
            "城乡类别",
            "hukou_type",
            "hukou",
        ],
    ),
    (
        "categories",
        &["人员类别", "类别", "老人类别", "特殊群体类别", "困难类别", "categories"],
    ),
    (
        "categories_effective",
        &[
            "类别生效日期",
            "类别认定日期",
            "认定日期",
            "审批日期",
            "categories_effective",
        ],
    ),
    ("death_date", &["死亡日期", "death_date"]),
    ("death_source", &["死亡信息来源", "死亡来源", "death_source"]),
    (
        "contact_name",
        &["紧急联系人", "联系人", "紧急联系人姓名", "contact_name"],
    ),
    (
        "contact_relation",
        &["与本人关系", "关系", "联系人关系", "contact_relation"],
    ),
    ("contact_phone", &["紧急联系人电话", "联系人电话", "contact_phone"]),
    ("note", &["备注", "note"]),
];

/// Maps one header cell to a field key: width folded, spaces, asterisks (required marks)
/// and bracketed hints such as "（必填）" removed.
pub fn header_key(raw: &str) -> Option<&'static str> {
    let mut h = normalize_width(raw);
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']'), ('【', '】')] {
        if let (Some(a), Some(b)) = (h.find(open), h.rfind(close)) {
            if a < b {
                h.replace_range(a..b + close.len_utf8(), "");
            }
        }
    }
    let h: String = h
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '*' && *c != '\u{feff}')
        .collect();
    let h = h.to_lowercase();
    HEADER_VARIANTS
        .iter()
        .find(|(_, vs)| vs.iter().any(|v| *v == h))
        .map(|(k, _)| *k)
}

/// Which field each column feeds.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    columns: Vec<Option<&'static str>>,
    pub ignored: Vec<String>,
}

impl ColumnMap {
    pub fn from_headers(headers: &[String]) -> Result<ColumnMap> {
        let mut seen = HashSet::new();
        let mut ignored = Vec::new();
        let columns: Vec<Option<&'static str>> = headers
            .iter()
            .map(|h| match header_key(h) {
                Some(k) if seen.insert(k) => Some(k),
                _ => {
                    if !h.trim().is_empty() {
                        ignored.push(h.trim().to_string());
                    }
                    None
                }
            })
            .collect();
        for required in ["id_number", "name", "hukou_division"] {
            if !seen.contains(required) {
                return Err(StoreError::File(format!(
                    "文件缺少“{}”列（第一行应为表头，可用的列名如：{}）",
                    field_label(required),
                    HEADER_VARIANTS
                        .iter()
                        .find(|(k, _)| *k == required)
                        .map(|(_, v)| v[..3].join("、"))
                        .unwrap_or_default()
                )));
            }
        }
        Ok(ColumnMap { columns, ignored })
    }

    pub fn has(&self, key: &str) -> bool {
        self.columns.contains(&Some(key))
    }

    pub fn to_input(&self, cells: &[String]) -> PersonInput {
        let mut p = PersonInput::default();
        for (i, key) in self.columns.iter().enumerate() {
            if let Some(key) = key {
                p.set(key, cells.get(i).cloned().unwrap_or_default());
            }
        }
        p
    }
}

fn field_value(p: &PersonInput, field: &str) -> String {
    let v = match field {
        "name" => &p.name,
        "id_number" => &p.id_number,
        "sex" => &p.sex,
        "birth_date" => &p.birth_date,
        "phone" => &p.phone,
        "hukou_division" => &p.hukou_division,
        "residence_division" => &p.residence_division,
        "hukou_type" => &p.hukou_type,
        "categories" => &p.categories,
        "categories_effective" => &p.categories_effective,
        "death_date" => &p.death_date,
        "death_source" => &p.death_source,
        "contact_phone" => &p.contact_phone,
        _ => return String::new(),
    };
    v.trim().to_string()
}

/// A spreadsheet read into rows of text, with each row's number as the user sees it.
#[derive(Debug)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<(i64, Vec<String>)>,
}

/// Reads a .csv (UTF-8, with or without BOM, or GB18030 as Excel saves it on Chinese
/// Windows) or .xlsx file.
pub fn read_sheet(path: &Path) -> Result<Sheet> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    match ext.as_str() {
        "csv" | "txt" => {
            let bytes =
                std::fs::read(path).map_err(|e| StoreError::File(format!("无法读取 {}：{e}", path.display())))?;
            read_csv_bytes(&bytes)
        }
        "xlsx" | "xlsm" => crate::xlsx_read::read_xlsx(path, &crate::xlsx_read::XlsxCaps::default()),
        "xls" => Err(StoreError::File(
            "不支持旧版 Excel 97-2003 文件（.xls）：请在 Excel 或 WPS 中另存为 .xlsx 后再导入".into(),
        )),
        _ => Err(StoreError::File(format!(
            "不支持的文件类型“{ext}”（请用 .csv 或 .xlsx）"
        ))),
    }
}

pub fn read_csv_bytes(bytes: &[u8]) -> Result<Sheet> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text: std::borrow::Cow<str> = match std::str::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0,
    };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| StoreError::File(format!("表头无法读取：{e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let row_no = i as i64 + 2;
        match rec {
            Ok(r) => rows.push((row_no, r.iter().map(str::to_string).collect())),
            Err(e) => return Err(StoreError::File(format!("第 {row_no} 行无法解析：{e}"))),
        }
    }
    Ok(Sheet { headers, rows })
}

/// The outcome of an import.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    pub job: ImportJob,
    pub errors: Vec<RowError>,
    pub ignored_columns: Vec<String>,
}

/// Validates rows chunk by chunk, remembering ID numbers across chunks to catch
/// duplicates within a file. Pure apart from the reference data.
pub struct RowValidator<'a> {
    map: &'a ColumnMap,
    reference: &'a crate::RefData,
    scope: &'a str,
    today: NaiveDate,
    first_row_of: HashMap<String, i64>,
}

impl<'a> RowValidator<'a> {
    pub fn new(map: &'a ColumnMap, reference: &'a crate::RefData, scope: &'a str, today: NaiveDate) -> Self {
        RowValidator {
            map,
            reference,
            scope,
            today,
            first_row_of: HashMap::new(),
        }
    }

    /// The valid records with their row numbers, and the rejected rows.
    pub fn validate(&mut self, rows: &[(i64, Vec<String>)]) -> (Vec<(i64, PersonRecord)>, Vec<RowError>) {
        let mut valid = Vec::with_capacity(rows.len());
        let mut errors = Vec::new();
        let scope = self.scope;
        for (row_no, cells) in rows {
            let mut input = self.map.to_input(cells);
            // A file without 户籍性质 can only update people already registered (checked
            // against the register before writing); the column is then left as it is.
            if !self.map.has("hukou_type") {
                input.hukou_type = "rural".into();
            }
            match input.validate(self.reference, self.today) {
                Ok(rec) => {
                    let in_scope = rec.hukou_division.as_str().starts_with(scope)
                        || rec.residence_division.as_str().starts_with(scope);
                    if !in_scope {
                        errors.push(RowError {
                            row_no: *row_no,
                            field: field_label("hukou_division").into(),
                            value: rec.hukou_division.to_string(),
                            message: format!("区划“{}”不在您的管辖范围（{scope}）内", rec.hukou_division),
                            original: String::new(),
                        });
                    } else if let Some(first) = self.first_row_of.get(rec.id_number.as_str()) {
                        errors.push(RowError::id_number(
                            *row_no,
                            &rec,
                            format!("与第 {first} 行的身份证号重复，本行未导入"),
                        ));
                    } else {
                        self.first_row_of.insert(rec.id_number.as_str().to_string(), *row_no);
                        valid.push((*row_no, rec));
                    }
                }
                Err(errs) => {
                    for FieldError { field, message } in errs {
                        errors.push(RowError {
                            row_no: *row_no,
                            value: field_value(&input, &field),
                            field: field_label(&field).into(),
                            message,
                            original: String::new(),
                        });
                    }
                }
            }
        }
        (valid, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_header_variants_map_to_fields() {
        assert_eq!(header_key("身份证号码"), Some("id_number"));
        assert_eq!(header_key(" 公民身份号码 "), Some("id_number"));
        assert_eq!(header_key("*姓名（必填）"), Some("name"));
        assert_eq!(header_key("行政区划代码"), Some("hukou_division"));
        assert_eq!(header_key("户籍地区划代码"), Some("hukou_division"));
        assert_eq!(header_key("\u{feff}身份证号"), Some("id_number"));
        assert_eq!(header_key("爱好"), None);
    }

    #[test]
    fn a_file_without_an_id_column_is_refused_with_a_hint() {
        let err = ColumnMap::from_headers(&["姓名".into(), "区划代码".into()]).unwrap_err();
        assert!(err.to_string().contains("身份证号"));
    }

    #[test]
    fn gb18030_csv_from_chinese_excel_is_read() {
        let (bytes, _, _) = encoding_rs::GB18030.encode("姓名,身份证号\n张三,11010519491231002X\n");
        let sheet = read_csv_bytes(&bytes).unwrap();
        assert_eq!(sheet.headers, vec!["姓名", "身份证号"]);
        assert_eq!(
            sheet.rows[0],
            (2, vec!["张三".to_string(), "11010519491231002X".to_string()])
        );
    }
}
