//! Older people in the register (老年人信息库) and the validation every entry path shares:
//! the web form, the JSON API and the spreadsheet import.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::division::DivisionCode;
use crate::id_number::{normalize_width, IdNumber};

pub mod account;
pub mod account_file;
pub mod death_file;
pub mod file_columns;
mod parse;
pub mod sign_file;
pub use parse::{valid_phone, Reference};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn code(self) -> &'static str {
        match self {
            Sex::Male => "M",
            Sex::Female => "F",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
    pub fn parse(raw: &str) -> Option<Sex> {
        match normalize_width(raw).to_uppercase().as_str() {
            "M" | "男" | "1" | "MALE" => Some(Sex::Male),
            "F" | "女" | "2" | "FEMALE" => Some(Sex::Female),
            _ => None,
        }
    }
    /// The sex a stored code names (`M` or `F`); `None` for anything else, never a guess
    /// (any code but `M` once read as female).
    pub fn from_code(code: &str) -> Option<Sex> {
        match code {
            "M" => Some(Sex::Male),
            "F" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// Urban or rural household registration (户籍性质).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HukouType {
    Urban,
    Rural,
}

impl HukouType {
    pub fn code(self) -> &'static str {
        match self {
            HukouType::Urban => "urban",
            HukouType::Rural => "rural",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            HukouType::Urban => "城镇",
            HukouType::Rural => "农村",
        }
    }
    /// The type a stored code names (`urban` or `rural`); `None` for anything else.
    pub fn from_code(code: &str) -> Option<HukouType> {
        match code {
            "urban" => Some(HukouType::Urban),
            "rural" => Some(HukouType::Rural),
            _ => None,
        }
    }
    pub fn parse(raw: &str) -> Option<HukouType> {
        match normalize_width(raw).to_lowercase().as_str() {
            "urban" | "城镇" | "城市" | "非农业" | "城镇户口" | "非农业户口" => Some(HukouType::Urban),
            "rural" | "农村" | "农业" | "农村户口" | "农业户口" => Some(HukouType::Rural),
            _ => None,
        }
    }
}

/// A category a person can belong to (特困, 低保, 独居 ...). The catalogue is data
/// (`data/categories.csv`), loaded into the database; the domain only sees it as a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub code: String,
    pub name: String,
    pub group: String,
}

#[derive(Debug, Clone, Default)]
pub struct CategoryCatalogue {
    pub categories: Vec<Category>,
}

/// The shipped category list (`data/categories.csv`: code, name, group), as the store loads it.
pub const SHIPPED_CATEGORIES_CSV: &str = include_str!("../../../../data/categories.csv");

/// The codes of the shipped categories, for checking what a pack names.
pub fn shipped_category_codes() -> Vec<&'static str> {
    SHIPPED_CATEGORIES_CSV
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Whether someone with the categories `have` is in a group a document names: in one of
/// `any`, and, when `with_any` is not empty, also in one of those (经济困难的……: a hardship
/// category). Visit rosters and waitlist groups read their groups this way.
pub fn in_group(any: &[String], with_any: &[String], have: &[&str]) -> bool {
    let has = |c: &String| have.contains(&c.as_str());
    any.iter().any(has) && (with_any.is_empty() || with_any.iter().any(has))
}

/// Names clerks write in their own files for a category of the catalogue: the older name
/// (农村五保供养 became 特困人员救助供养 under 《社会救助暂行办法》, 2014) and the everyday
/// forms with 户, 人员 or 老人.
const CATEGORY_SYNONYMS: &[(&str, &str)] = &[
    ("五保", "tekun"),
    ("五保户", "tekun"),
    ("五保对象", "tekun"),
    ("特困人员", "tekun"),
    ("特困供养", "tekun"),
    ("特困供养人员", "tekun"),
    ("低保户", "dibao"),
    ("低保对象", "dibao"),
    ("低保老人", "dibao"),
    ("低保边缘户", "dibao_edge"),
    ("孤寡老人", "lonely_elder"),
    ("独居老人", "alone"),
    ("空巢老人", "empty_nest"),
    ("留守老人", "left_behind"),
    ("失能老人", "disabled"),
    ("失智老人", "dementia"),
    ("优抚", "youfu"),
    ("建档立卡户", "poverty_registered"),
    ("建档立卡贫困户", "poverty_registered"),
    ("护边员", "border_guard_family"),
];

impl CategoryCatalogue {
    /// A category by its code, its name, or a name clerks use for it (五保户 → 特困).
    pub fn find(&self, token: &str) -> Option<&Category> {
        let code = CATEGORY_SYNONYMS
            .iter()
            .find(|(s, _)| *s == token)
            .map_or(token, |(_, c)| *c);
        self.categories.iter().find(|c| c.code == code || c.name == token)
    }
    pub fn name_of<'a>(&'a self, code: &'a str) -> &'a str {
        self.find(code).map(|c| c.name.as_str()).unwrap_or(code)
    }
}

/// Where a death was learnt from (死亡信息来源).
pub const DEATH_SOURCES: &[(&str, &str)] = &[
    ("hukou_cancel", "公安户籍注销"),
    ("cremation", "殡葬火化信息"),
    ("health", "卫健死亡医学证明"),
    ("family", "家属报告"),
    ("verification", "民政核查"),
    ("institution", "养老机构报告"),
];

/// A person's entry as typed: every field a string, exactly as it came in.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PersonInput {
    #[cfg_attr(feature = "openapi", schema(required = true, min_length = 1, max_length = 50))]
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(required = true, min_length = 15, max_length = 18))]
    pub id_number: String,
    pub sex: String,
    pub birth_date: String,
    pub phone: String,
    pub address: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub hukou_division: String,
    pub residence_division: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub hukou_type: String,
    /// Codes or names separated by 、，,；; or space.
    pub categories: String,
    /// When a change of `categories` takes effect (the approval date), if not today. Only
    /// read on an update; a date before months already paid makes the next run pay back or
    /// recover the difference.
    pub categories_effective: String,
    pub death_date: String,
    pub death_source: String,
    pub contact_name: String,
    pub contact_relation: String,
    pub contact_phone: String,
    pub note: String,
}

/// A person's entry after validation: every field has its type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRecord {
    pub name: String,
    pub id_number: IdNumber,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub hukou_division: DivisionCode,
    pub residence_division: DivisionCode,
    pub hukou_type: HukouType,
    pub categories: Vec<String>,
    /// When this entry's change of categories takes effect; not stored on the record but in
    /// the change log (`person_changes`), and `None` on a record read back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories_effective: Option<NaiveDate>,
    pub death_date: Option<NaiveDate>,
    pub death_source: Option<String>,
    pub contact_name: Option<String>,
    pub contact_relation: Option<String>,
    pub contact_phone: Option<String>,
    pub note: Option<String>,
}

/// One field's problem, named by the field's key; shown next to the field on forms and in
/// the row report of an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// The Chinese label of a field key, for messages and reports.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "name" => "姓名",
        "id_number" => "身份证号",
        "sex" => "性别",
        "birth_date" => "出生日期",
        "phone" => "联系电话",
        "address" => "居住地址",
        "hukou_division" => "户籍地区划代码",
        "residence_division" => "居住地区划代码",
        "hukou_type" => "户籍性质",
        "categories" => "人员类别",
        "categories_effective" => "类别生效日期",
        "death_date" => "死亡日期",
        "death_source" => "死亡信息来源",
        "contact_name" => "紧急联系人",
        "contact_relation" => "与本人关系",
        "contact_phone" => "紧急联系人电话",
        "note" => "备注",
        _ => "字段",
    }
}
