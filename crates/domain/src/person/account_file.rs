//! Payment accounts in bulk (发放账户导入): the file a county builds from the bank's or the
//! social-security card system's list — who, and where their benefit is paid. A row names the
//! person (ID number and name, both checked against the register) and the account as the
//! person's page takes it; the account itself is checked by [`AccountInput::parse`] once the
//! register's name is known.

use super::account::AccountInput;
use super::file_columns::{self, Column, Found};
use super::FieldError;
use crate::id_number::IdNumber;

const COLUMNS: [Column; 8] = [
    Column {
        key: "id_number",
        label: "身份证号",
        names: &["身份证号", "身份证号码", "公民身份号码", "证件号码"],
        required: true,
    },
    Column {
        key: "name",
        label: "姓名",
        names: &["姓名", "老人姓名"],
        required: true,
    },
    Column {
        key: "channel",
        label: "发放渠道",
        names: &["发放渠道", "发放方式", "账户类型", "发放账户类型"],
        required: true,
    },
    Column {
        key: "bank",
        label: "开户银行",
        names: &["开户银行", "开户行", "银行名称", "发卡银行"],
        required: true,
    },
    Column {
        key: "number",
        label: "账号",
        names: &["账号", "银行账号", "银行卡号", "卡号", "社保卡金融账号", "一卡通账号"],
        required: true,
    },
    Column {
        key: "holder_name",
        label: "户名",
        names: &["户名", "账户名", "持卡人", "持卡人姓名"],
        required: false,
    },
    Column {
        key: "holder_id_number",
        label: "代领人身份证号",
        names: &["代领人身份证号", "持卡人身份证号"],
        required: false,
    },
    Column {
        key: "holder_relation",
        label: "代领人与本人关系",
        names: &["代领人关系", "代领人与本人关系", "与本人关系"],
        required: false,
    },
];

/// The label of a column key, as a row report names the field.
pub fn account_column_label(key: &str) -> &'static str {
    match file_columns::label(&COLUMNS, key) {
        "" => super::account::account_field_label(key),
        l => l,
    }
}

/// One row: the person it names, and the account as written.
#[derive(Debug, Clone)]
pub struct AccountRow {
    pub row_no: i64,
    pub id_number: IdNumber,
    pub name: String,
    pub account: AccountInput,
}

/// Where the columns are in a file.
#[derive(Debug, Clone)]
pub struct AccountColumns(Found);

impl AccountColumns {
    pub fn from_headers(headers: &[String]) -> Result<AccountColumns, String> {
        file_columns::find(&COLUMNS, headers, "身份证号、姓名、发放渠道、开户银行、账号、户名").map(AccountColumns)
    }

    pub fn cell<'a>(&self, key: &str, cells: &'a [String]) -> &'a str {
        self.0.cell(key, cells)
    }

    /// The row's person and account as written; the person's fields checked here, the account's
    /// against the register's entry later.
    pub fn parse(&self, row_no: i64, cells: &[String]) -> Result<AccountRow, Vec<FieldError>> {
        let mut errors = Vec::new();
        let (id_number, name) = file_columns::person(&self.0, cells, &mut errors);
        let take = |key: &str| self.cell(key, cells).chars().take(60).collect::<String>();
        let account = AccountInput {
            channel: take("channel"),
            bank: take("bank"),
            number: take("number"),
            number_again: String::new(),
            holder_name: take("holder_name"),
            holder_id_number: take("holder_id_number"),
            holder_relation: take("holder_relation"),
        };
        match id_number {
            Some(id_number) if errors.is_empty() => Ok(AccountRow {
                row_no,
                id_number,
                name,
                account,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_names_its_person_and_carries_the_account_as_written() {
        let h: Vec<String> = [
            "序号",
            "姓名",
            "公民身份号码",
            "账户类型",
            "开户行",
            "银行卡号",
            "持卡人",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let cols = AccountColumns::from_headers(&h).unwrap();
        let body = "36073319300101021";
        let id = format!("{body}{}", crate::id_number::check_char(body.as_bytes()));
        let cells: Vec<String> = [
            "1",
            "刘桂英",
            &id,
            "社保卡",
            "中国农业银行会昌县支行",
            "6217 0000 1",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let row = cols.parse(2, &cells).unwrap();
        assert_eq!((row.name.as_str(), row.account.channel.as_str()), ("刘桂英", "社保卡"));
        assert_eq!(row.account.number, "6217 0000 1");
        let mut bad = cells.clone();
        bad[1] = String::new();
        bad[2] = "123".into();
        let e = cols.parse(3, &bad).unwrap_err();
        assert_eq!(
            e.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(),
            ["id_number", "name"]
        );
        assert_eq!(account_column_label("number_again"), "再次输入账号");
        let missing = AccountColumns::from_headers(&h[..3]).unwrap_err();
        assert!(missing.contains("发放渠道、开户银行、账号"), "{missing}");
    }
}
