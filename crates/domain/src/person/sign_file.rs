//! Signs of life from the medical-insurance system (医保结算): the file of settlements a county
//! receives, each row someone's visit to a doctor or a pharmacy on a date. Read row by row and
//! matched to the register by ID number; where the name agrees too, the settlement proves the
//! person alive on that date (静默认证: “做好与户籍、医疗、社会保险、社会救助等信息资源的对接”,
//! 赣府厅发〔2022〕3号 第七章第三节). A name that disagrees proves nothing: a settlement under the
//! wrong name must not release someone's payment.

use chrono::NaiveDate;

use super::death_file::same_name;
use super::file_columns::{self, Column, Found};
use super::FieldError;
use crate::dates::parse_date;
use crate::id_number::IdNumber;

/// The columns of a settlements file.
const COLUMNS: [Column; 3] = [
    Column {
        key: "id_number",
        label: "身份证号",
        names: &["身份证号", "身份证号码", "公民身份号码", "证件号码", "参保人身份证号"],
        required: true,
    },
    Column {
        key: "name",
        label: "姓名",
        names: &["姓名", "参保人姓名", "患者姓名"],
        required: true,
    },
    Column {
        key: "on",
        label: "结算日期",
        names: &["结算日期", "就诊日期", "费用发生日期", "结算时间", "日期"],
        required: true,
    },
];

/// The label of a column key, as a row report names the field.
pub fn sign_column_label(key: &str) -> &'static str {
    file_columns::label(&COLUMNS, key)
}

/// One settlement, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignRow {
    pub row_no: i64,
    pub id_number: IdNumber,
    pub name: String,
    pub on: NaiveDate,
}

impl SignRow {
    /// Whether the register's name for this ID number is the row's.
    pub fn names(&self, register_name: &str) -> bool {
        same_name(register_name, &self.name)
    }
}

/// Where the columns are in a file.
#[derive(Debug, Clone)]
pub struct SignColumns(Found);

impl SignColumns {
    /// Finds the columns from the header row; names every one missing.
    pub fn from_headers(headers: &[String]) -> Result<SignColumns, String> {
        file_columns::find(&COLUMNS, headers, "姓名、身份证号、结算日期").map(SignColumns)
    }

    /// A row's cell of column `key`, trimmed.
    pub fn cell<'a>(&self, key: &str, cells: &'a [String]) -> &'a str {
        self.0.cell(key, cells)
    }

    /// Parses one row; every problem is reported, each naming its field.
    pub fn parse(&self, row_no: i64, cells: &[String], today: NaiveDate) -> Result<SignRow, Vec<FieldError>> {
        let mut errors = Vec::new();
        let (id_number, name) = file_columns::person(&self.0, cells, &mut errors);
        // A time after the date (2026-03-05 10:21:00) is the same day.
        let raw = self.cell("on", cells);
        let day = raw.split([' ', 'T']).next().unwrap_or("");
        let on = match parse_date(day) {
            Ok(d) if d > today => {
                errors.push(FieldError::new("on", "结算日期晚于今天"));
                None
            }
            Ok(d) => Some(d),
            Err(_) if raw.is_empty() => {
                errors.push(FieldError::new("on", "结算日期为空"));
                None
            }
            Err(e) => {
                errors.push(FieldError::new("on", e.to_string()));
                None
            }
        };
        match (id_number, on) {
            (Some(id_number), Some(on)) if errors.is_empty() => Ok(SignRow {
                row_no,
                id_number,
                name,
                on,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_number::check_char;

    fn cells(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_settlement_row_is_read_whatever_the_headers_and_each_problem_is_named() {
        let today: NaiveDate = "2026-12-01".parse().unwrap();
        let cols = SignColumns::from_headers(&cells(&["序号", "参保人姓名", "公民身份号码", "结算时间"])).unwrap();
        let id = format!("36073319300101021{}", check_char(b"36073319300101021"));
        let row = cols
            .parse(2, &cells(&["1", "刘桂英", &id, "2026-03-05 10:21:00"]), today)
            .unwrap();
        assert_eq!(row.on, "2026-03-05".parse::<NaiveDate>().unwrap());
        assert!(row.names("刘 桂英") && !row.names("刘桂兰"));
        let e = cols
            .parse(3, &cells(&["2", "", "36073319300101020", "2099-01-01"]), today)
            .unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["id_number", "name", "on"]);
        assert_eq!(sign_column_label("on"), "结算日期");
        let missing = SignColumns::from_headers(&cells(&["姓名", "金额"])).unwrap_err();
        assert!(missing.contains("身份证号、结算日期"), "{missing}");
    }
}
