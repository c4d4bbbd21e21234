//! The register's pages: list with search, filters, sorting and export; detail; create and
//! edit with inline validation that keeps what was typed.
//!
//! Files: here the list, the export and what the other register pages share; `detail` (one
//! person's page); `form` (create and edit); `deaths` (death files from exchanged data and
//! their review list).

pub mod accounts;
pub mod deaths;
mod detail;
mod form;
pub mod life_checks;
mod payment;

pub use detail::detail;
pub use form::{create, edit_form, new_form, update};
pub use payment::{record_life_check, set_account};

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, Response};
use serde::Deserialize;
use yiyang_domain::dates::age_on;
use yiyang_domain::role::Permission;
use yiyang_store::people::{LifeFilter, Person, PersonQuery, SortKey};

use super::download::{area_name, audited_xlsx};
use super::{render, Layout};
use crate::access::{perm, Can};
use crate::auth::CurrentUser;
use crate::error::{urlencode, AppError};
use crate::AppState;

pub const PER_PAGE: i64 = 20;

/// The list counts its matches up to this many and numbers its pages up to here; past it, "more
/// than 10,000" and the next page by key (a province's register is millions of rows, and
/// counting or skipping them all on every page is what made the list take seconds).
pub const COUNT_CAP: i64 = 10_000;

/// The same for a search by name or ID number: more than 1,000 matches is a search to narrow
/// (a surname alone), and counting them costs more than the page.
pub const SEARCH_COUNT_CAP: i64 = 1_000;

/// The list's query string; all optional and lenient, since it comes from links and forms.
#[derive(Debug, Default, Deserialize, Clone)]
pub struct ListParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub division: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub life: String,
    /// `0` … `4`, or `none`: the level of the assessment valid today.
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub desc: String,
    #[serde(default)]
    pub page: String,
    /// The next page after this person's row (past the numbered pages).
    #[serde(default)]
    pub after: String,
}

impl ListParams {
    pub fn sort_key(&self) -> SortKey {
        match self.sort.as_str() {
            "name" => SortKey::Name,
            "birth_date" => SortKey::BirthDate,
            "division" => SortKey::Division,
            _ => SortKey::Updated,
        }
    }

    pub fn life_filter(&self) -> Option<LifeFilter> {
        match self.life.as_str() {
            "alive" => Some(LifeFilter::Alive),
            "dead" => Some(LifeFilter::Dead),
            _ => None,
        }
    }

    pub fn page_no(&self) -> i64 {
        self.page.parse::<i64>().unwrap_or(1).clamp(1, 1_000_000)
    }

    /// The row the page follows, when paging by key.
    pub fn after_id(&self) -> Option<i64> {
        self.after.parse::<i64>().ok().filter(|id| *id > 0)
    }

    pub fn to_query(&self, scope: &str, limit: i64, offset: i64) -> PersonQuery {
        PersonQuery {
            scope: scope.to_string(),
            q: Some(self.q.clone()),
            division: Some(self.division.clone()).filter(|d| d.starts_with(scope)),
            category: Some(self.category.clone()),
            life: self.life_filter(),
            sort: self.sort_key(),
            desc: self.desc == "1" || (self.desc.is_empty() && self.sort_key() == SortKey::Updated),
            limit,
            offset,
            after: None,
            count_up_to: None,
            id_prefix: false,
            level: yiyang_store::people::LevelFilter::parse(&self.level),
        }
    }

    /// The store query for `user`: in their scope, with ID-prefix search only for a role that
    /// may see full ID numbers.
    pub fn query_for(&self, user: &CurrentUser, limit: i64, offset: i64) -> PersonQuery {
        PersonQuery {
            id_prefix: user.may(Permission::PersonFullId),
            ..self.to_query(user.scope(), limit, offset)
        }
    }

    /// The query string with one key replaced.
    pub fn with(&self, key: &str, value: &str) -> String {
        let mut pairs = [
            ("q", self.q.as_str()),
            ("division", self.division.as_str()),
            ("category", self.category.as_str()),
            ("life", self.life.as_str()),
            ("level", self.level.as_str()),
            ("sort", self.sort.as_str()),
            ("desc", self.desc.as_str()),
            ("page", self.page.as_str()),
            ("after", self.after.as_str()),
        ];
        for p in pairs.iter_mut() {
            if p.0 == key {
                p.1 = value;
            }
        }
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Link for a sortable column header: toggles direction when already sorted by it.
    pub fn sort_link(&self, key: &str) -> String {
        let desc = if self.sort == key && self.desc != "1" { "1" } else { "0" };
        let mut p = self.clone();
        p.sort = key.to_string();
        p.desc = desc.to_string();
        p.page = String::new();
        p.after = String::new();
        format!("?{}", p.with("page", ""))
    }

    pub fn sort_mark(&self, key: &str) -> &'static str {
        if self.sort != key {
            ""
        } else if self.desc == "1" {
            " ▼"
        } else {
            " ▲"
        }
    }
}

/// One row of the list, ID number masked.
pub struct Row {
    pub id: i64,
    pub name: String,
    pub id_masked: String,
    pub sex: &'static str,
    pub age: i32,
    pub division: String,
    pub categories: String,
    pub alive: bool,
    pub updated: String,
}

pub fn row(p: &Person, r: &yiyang_store::RefData, today: chrono::NaiveDate) -> Row {
    let rec = &p.record;
    Row {
        id: p.id,
        name: rec.name.clone(),
        id_masked: rec.id_number.masked(),
        sex: rec.sex.label(),
        age: age_on(rec.birth_date, rec.death_date.unwrap_or(today)),
        division: r
            .division_path(rec.hukou_division.as_str())
            .split(' ')
            .skip(2)
            .collect::<Vec<_>>()
            .join(" "),
        categories: rec
            .categories
            .iter()
            .map(|c| r.catalogue.name_of(c))
            .collect::<Vec<_>>()
            .join("、"),
        alive: rec.death_date.is_none(),
        updated: crate::pages::local_minute(p.updated_at),
    }
}

#[derive(Template)]
#[template(path = "people_list.html")]
struct ListPage {
    layout: Layout,
    p: ListParams,
    rows: Vec<Row>,
    /// 共 N 人, or 超过 1 万人.
    total_text: String,
    /// 第 2 / 9 页, 第 2 页, or empty when paging by key.
    page_text: String,
    categories: Vec<(String, String)>,
    levels: Vec<(&'static str, &'static str)>,
    can_write: bool,
    export_link: String,
    prev_link: Option<String>,
    next_link: Option<String>,
    first_link: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: Can<perm::PersonRead>,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let after = p.after_id();
    let cap = if p.q.trim().is_empty() {
        COUNT_CAP
    } else {
        SEARCH_COUNT_CAP
    };
    // Numbered pages reach as far as the count does; further on, pages follow by key.
    let page = if after.is_some() {
        1
    } else {
        p.page_no().min(cap / PER_PAGE)
    };
    let mut query = p.query_for(&user, PER_PAGE, (page - 1) * PER_PAGE);
    query.after = after;
    query.count_up_to = Some(cap);
    let result = state.store.search_people(&query).await?;
    audit_id_search(&state, &user, "web", &p.query_for(&user, 0, 0)).await?;
    let r = state.store.reference();
    let today = state.clock().today();
    let pages = ((result.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let link = |key: &str, value: &str| {
        let mut q = p.clone();
        q.page = String::new();
        q.after = String::new();
        format!("?{}", q.with(key, value))
    };
    // A full page may have a next one: by number within the count, by key beyond it.
    let last = result.items.last().map(|x| x.id);
    let next_link = if (result.items.len() as i64) < PER_PAGE || (after.is_none() && result.exact && page >= pages) {
        None
    } else if after.is_some() || page * PER_PAGE >= cap {
        last.map(|id| link("after", &id.to_string()))
    } else {
        Some(link("page", &(page + 1).to_string()))
    };
    render(&ListPage {
        layout: Layout::new(&state, &user, "老年人信息库", "people"),
        rows: result.items.iter().map(|x| row(x, &r, today)).collect(),
        total_text: if result.exact {
            format!("共 {} 人", result.total)
        } else {
            match cap % 10_000 {
                0 => format!("超过 {} 万人", cap / 10_000),
                _ => format!("超过 {cap} 人"),
            }
        },
        page_text: match (after, result.exact) {
            (Some(_), _) => String::new(),
            (None, true) => format!("第 {page} / {pages} 页"),
            (None, false) => format!("第 {page} 页"),
        },
        categories: r
            .catalogue
            .categories
            .iter()
            .map(|c| (c.code.clone(), c.name.clone()))
            .collect(),
        levels: vec![
            ("0", "能力完好"),
            ("1", "轻度失能"),
            ("2", "中度失能"),
            ("3", "重度失能"),
            ("4", "完全失能"),
            ("none", "未评估或已过期"),
        ],
        can_write: user.may(Permission::PersonWrite),
        export_link: format!("/people/export.xlsx?{}", link("page", "").trim_start_matches('?')),
        prev_link: (after.is_none() && page > 1).then(|| link("page", &(page - 1).to_string())),
        first_link: after.map(|_| link("page", "")),
        next_link,
        p,
    })
}

/// The filtered list as .xlsx (ID numbers masked); the export is audited.
pub async fn export(
    State(state): State<AppState>,
    user: Can<perm::PersonRead>,
    Query(p): Query<ListParams>,
) -> Result<Response, AppError> {
    let result = state
        .store
        .search_people(&p.query_for(&user, state.export_rows, 0))
        .await?;
    let r = state.store.reference();
    let today = state.clock().today();
    let left_out = result.total - result.items.len() as i64;
    let name = format!(
        "老年人信息-{}-{}.xlsx",
        area_name(&state, user.scope()),
        today.format("%Y%m%d")
    );
    let detail = serde_json::json!({"rows": result.items.len(), "left_out": left_out, "filter": p.with("page", "")});
    audited_xlsx(
        &state,
        &user,
        ("person_list", user.scope(), detail),
        &name,
        people_xlsx(&result.items, &r, today, left_out),
    )
    .await
}

fn people_xlsx(
    people: &[Person],
    r: &yiyang_store::RefData,
    today: chrono::NaiveDate,
    left_out: i64,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold();
    let headers = [
        "姓名",
        "身份证号（脱敏）",
        "性别",
        "出生日期",
        "年龄",
        "户籍地区划代码",
        "户籍地",
        "户籍性质",
        "人员类别",
        "状态",
        "联系电话",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, p) in people.iter().enumerate() {
        let x = &p.record;
        let row = i as u32 + 1;
        let cells = [
            x.name.clone(),
            x.id_number.masked(),
            x.sex.label().to_string(),
            x.birth_date.to_string(),
            age_on(x.birth_date, x.death_date.unwrap_or(today)).to_string(),
            x.hukou_division.to_string(),
            r.division_path(x.hukou_division.as_str()),
            x.hukou_type.label().to_string(),
            x.categories
                .iter()
                .map(|c| r.catalogue.name_of(c))
                .collect::<Vec<_>>()
                .join("、"),
            x.death_date
                .map(|d| format!("已故（{d}）"))
                .unwrap_or_else(|| "在世".into()),
            x.phone.clone().unwrap_or_default(),
        ];
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(row, c as u16, v)?;
        }
    }
    if left_out > 0 {
        ws.write_string(
            people.len() as u32 + 2,
            0,
            format!(
                "仅导出前 {} 行，另有 {left_out} 行未导出，请缩小筛选范围后分批导出",
                people.len()
            ),
        )?;
    }
    ws.set_column_width(1, 22)?;
    ws.set_column_width(6, 30)?;
    ws.set_column_width(8, 24)?;
    wb.save_to_buffer()
}

/// A search by (the start of) an ID number is a look at personal data: audited with what was
/// searched, like a view of a full record.
pub async fn audit_id_search(
    state: &AppState,
    user: &CurrentUser,
    channel: &'static str,
    query: &PersonQuery,
) -> Result<(), AppError> {
    if let Some(q) = query.id_search() {
        state
            .store
            .audit(&user.actor(channel).entry(
                "search_id",
                "person_list",
                user.scope(),
                serde_json::json!({"q": q, "prefix": query.id_prefix}),
            ))
            .await?;
    }
    Ok(())
}

/// The record `id` if the user's role has `perm` and the record lies in their scope; 404
/// otherwise, so that neither the role nor the scope reveals whether it exists.
pub async fn person_for(state: &AppState, user: &CurrentUser, perm: Permission, id: i64) -> Result<Person, AppError> {
    if !user.may(perm) {
        return Err(AppError::NotFound);
    }
    state
        .store
        .person_in_scope(id, user.scope())
        .await?
        .ok_or(AppError::NotFound)
}
