//! The register's pages: list with search, filters, sorting and export; detail; create and
//! edit with inline validation that keeps what was typed.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use yiyang_domain::dates::age_on;
use yiyang_domain::person::{PersonInput, DEATH_SOURCES};
use yiyang_domain::role::Permission;
use yiyang_store::people::{LifeFilter, Person, PersonQuery, SortKey};

use super::{render, Layout};
use crate::access::Submitted;
use crate::access::{perm, Can};
use crate::auth::CurrentUser;
use crate::error::{urlencode, AppError};
use crate::AppState;

pub const PER_PAGE: i64 = 20;

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
        updated: p
            .updated_at
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
    }
}

#[derive(Template)]
#[template(path = "people_list.html")]
struct ListPage {
    layout: Layout,
    p: ListParams,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    categories: Vec<(String, String)>,
    levels: Vec<(&'static str, &'static str)>,
    can_write: bool,
    export_link: String,
    prev_link: String,
    next_link: String,
}

pub async fn list(
    State(state): State<AppState>,
    user: Can<perm::PersonRead>,
    Query(p): Query<ListParams>,
) -> Result<Html<String>, AppError> {
    let page = p.page_no();
    let result = state
        .store
        .search_people(&p.query_for(&user, PER_PAGE, (page - 1).saturating_mul(PER_PAGE)))
        .await?;
    audit_id_search(&state, &user, "web", &p.query_for(&user, 0, 0)).await?;
    let r = state.store.reference();
    let today = state.clock().today();
    let pages = ((result.total + PER_PAGE - 1) / PER_PAGE).max(1);
    render(&ListPage {
        layout: Layout::new(&state, &user, "老年人信息库", "people"),
        rows: result.items.iter().map(|x| row(x, &r, today)).collect(),
        total: result.total,
        page,
        pages,
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
        export_link: format!("/people/export.xlsx?{}", p.with("page", "")),
        prev_link: format!("?{}", p.with("page", &(page - 1).to_string())),
        next_link: format!("?{}", p.with("page", &(page + 1).to_string())),
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
    let bytes = people_xlsx(&result.items, &r, today, left_out).map_err(|e| {
        tracing::error!(error = %e, "xlsx");
        AppError::Internal
    })?;
    state
        .store
        .audit(&user.actor("web").entry(
            "export",
            "person_list",
            user.scope(),
            serde_json::json!({"rows": result.items.len(), "left_out": left_out, "filter": p.with("page", "")}),
        ))
        .await?;
    let name = format!("老年人信息-{}-{}.xlsx", user.scope(), today.format("%Y%m%d"));
    Ok(xlsx_download(&name, bytes))
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

#[derive(Template)]
#[template(path = "person_detail.html")]
struct DetailPage {
    layout: Layout,
    p: Person,
    id_shown: String,
    age: i32,
    hukou_path: String,
    residence_path: String,
    categories: String,
    death_source: String,
    can_write: bool,
    history: Vec<(String, String, String, String)>,
    stays: Vec<yiyang_store::residents::PersonStayEvent>,
    /// (what, before, after, takes effect, recorded)
    changes: Vec<(String, String, String, String, String)>,
    message: String,
}

pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    flash: crate::security::Flash,
) -> Result<Html<String>, AppError> {
    let p = person_for(&state, &user, Permission::PersonRead, id).await?;
    let id_shown = if user.may(Permission::PersonFullId) {
        state.store.record_full_view(id, &user.actor("web")).await?;
        p.record.id_number.to_string()
    } else {
        p.record.id_number.masked()
    };
    let r = state.store.reference();
    let today = state.clock().today();
    let users = state.store.user_names();
    let history = state
        .store
        .audit_entries(Some(("person", &id.to_string())), 20, 0)
        .await?
        .into_iter()
        .map(|e| {
            (
                e.at.with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                users.of(&e.actor),
                super::labels::action(&e.action).to_string(),
                if e.detail == "{}" { String::new() } else { e.detail },
            )
        })
        .collect();
    render(&DetailPage {
        layout: Layout::new(&state, &user, format!("{} 的信息", p.record.name), "people"),
        age: age_on(p.record.birth_date, p.record.death_date.unwrap_or(today)),
        hukou_path: r.division_path(p.record.hukou_division.as_str()),
        residence_path: r.division_path(p.record.residence_division.as_str()),
        categories: p
            .record
            .categories
            .iter()
            .map(|c| r.catalogue.name_of(c))
            .collect::<Vec<_>>()
            .join("、"),
        death_source: p
            .record
            .death_source
            .as_deref()
            .and_then(|s| DEATH_SOURCES.iter().find(|(c, _)| *c == s))
            .map(|(_, l)| l.to_string())
            .unwrap_or_default(),
        can_write: user.may(Permission::PersonWrite),
        message: flash.0,
        stays: state.store.person_stays(id).await?,
        changes: state
            .store
            .person_changes(id)
            .await?
            .into_iter()
            .map(|c| {
                let names = |v: &Option<String>| {
                    let v = v.as_deref().unwrap_or("");
                    if c.kind == "death" {
                        return if v.is_empty() {
                            "在世".to_string()
                        } else {
                            v.to_string()
                        };
                    }
                    let n: Vec<&str> = v
                        .split(',')
                        .filter(|x| !x.is_empty())
                        .map(|x| r.catalogue.name_of(x))
                        .collect();
                    if n.is_empty() {
                        "无".into()
                    } else {
                        n.join("、")
                    }
                };
                (
                    if c.kind == "death" {
                        "死亡日期"
                    } else {
                        "人员类别"
                    }
                    .to_string(),
                    names(&c.old_value),
                    names(&c.new_value),
                    c.effective_on.to_string(),
                    c.recorded_at
                        .with_timezone(&chrono::Local)
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                )
            })
            .collect(),
        id_shown,
        history,
        p,
    })
}

/// An .xlsx file as a download named `name`.
pub fn xlsx_download(name: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{}", urlencode(name)),
            ),
        ],
        bytes,
    )
        .into_response()
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

/// One input on the person form.
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub error: String,
    pub required: bool,
    pub hint: &'static str,
    pub options: Vec<(String, String)>,
}

impl Field {
    pub fn has_option(&self, code: &str) -> bool {
        self.value.split(',').any(|v| v == code)
    }
}

fn form_fields(input: &PersonInput, errors: &HashMap<String, String>, r: &yiyang_store::RefData) -> Vec<Field> {
    let err = |k: &str| errors.get(k).cloned().unwrap_or_default();
    let f = |key: &'static str,
             label: &'static str,
             kind: &'static str,
             value: &str,
             required: bool,
             hint: &'static str| Field {
        key,
        label,
        kind,
        value: value.to_string(),
        error: err(key),
        required,
        hint,
        options: Vec::new(),
    };
    let mut fields = vec![
        f("name", "姓名", "text", &input.name, true, ""),
        f(
            "id_number",
            "身份证号",
            "text",
            &input.id_number,
            true,
            "18 位，末位可为 X；性别和出生日期由身份证号得出",
        ),
        f("sex", "性别", "select", &input.sex, false, "可不填，将按身份证号核对"),
        f(
            "birth_date",
            "出生日期",
            "date",
            &input.birth_date,
            false,
            "可不填，将按身份证号核对",
        ),
        f("phone", "联系电话", "tel", &input.phone, false, ""),
        f(
            "hukou_division",
            "户籍地",
            "division",
            &input.hukou_division,
            true,
            "选到县、乡镇或村（社区）；可输入名称搜索",
        ),
        f(
            "residence_division",
            "实际居住地",
            "division",
            &input.residence_division,
            false,
            "与户籍地相同可不选",
        ),
        f("address", "居住地址", "text", &input.address, false, ""),
        f("hukou_type", "户籍性质", "select", &input.hukou_type, true, ""),
        f("categories", "人员类别", "checkboxes", &input.categories, false, ""),
        f(
            "categories_effective",
            "类别变更生效日期",
            "date",
            &input.categories_effective,
            false,
            "修改人员类别时填写认定（审批）生效日期，不填为今天；早于已发放月份的，下次发放时补发或追回差额",
        ),
        f("contact_name", "紧急联系人", "text", &input.contact_name, false, ""),
        f(
            "contact_relation",
            "与本人关系",
            "text",
            &input.contact_relation,
            false,
            "",
        ),
        f(
            "contact_phone",
            "紧急联系人电话",
            "tel",
            &input.contact_phone,
            false,
            "",
        ),
        f(
            "death_date",
            "死亡日期",
            "date",
            &input.death_date,
            false,
            "登记死亡后，自次月起停发各项补贴",
        ),
        f("death_source", "死亡信息来源", "select", &input.death_source, false, ""),
        f("note", "备注", "textarea", &input.note, false, ""),
    ];
    for field in fields.iter_mut() {
        field.options = match field.key {
            "sex" => vec![
                ("".into(), "（按身份证号）".into()),
                ("男".into(), "男".into()),
                ("女".into(), "女".into()),
            ],
            "hukou_type" => vec![
                ("".into(), "请选择".into()),
                ("rural".into(), "农村".into()),
                ("urban".into(), "城镇".into()),
            ],
            "death_source" => std::iter::once(("".into(), "（在世）".into()))
                .chain(DEATH_SOURCES.iter().map(|(c, l)| (c.to_string(), l.to_string())))
                .collect(),
            "categories" => r
                .catalogue
                .categories
                .iter()
                .map(|c| (c.code.clone(), c.name.clone()))
                .collect(),
            _ => Vec::new(),
        };
    }
    // Let a select show a value typed elsewhere (e.g. "城镇" from an API client).
    for field in fields.iter_mut().filter(|f| f.kind == "select") {
        if let Some((code, _)) = field
            .options
            .iter()
            .find(|(c, l)| *l == field.value && *c != field.value)
        {
            field.value = code.clone();
        }
    }
    fields
}

#[derive(Template)]
#[template(path = "person_form.html")]
struct FormPage {
    layout: Layout,
    fields: Vec<Field>,
    action: String,
    version: i64,
    general_error: String,
    cancel: String,
}

/// Reads the posted form, where categories arrive as repeated `categories` keys (its token
/// was checked by `Submitted`).
fn read_form(pairs: Vec<(String, String)>) -> (PersonInput, String) {
    let mut p = PersonInput::default();
    let mut version = String::new();
    for (k, v) in pairs {
        match k.as_str() {
            "_csrf" => {}
            "version" => version = v,
            _ => {
                p.set(&k, v);
            }
        }
    }
    (p, version)
}

#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    user: &CurrentUser,
    title: &str,
    input: &PersonInput,
    errors: &[yiyang_domain::person::FieldError],
    action: String,
    version: i64,
    general_error: String,
    cancel: String,
) -> Result<Html<String>, AppError> {
    let mut map = HashMap::new();
    for e in errors {
        map.entry(e.field.clone())
            .and_modify(|m: &mut String| m.push_str(&format!("；{}", e.message)))
            .or_insert(e.message.clone());
    }
    let active = if version == 0 { "new" } else { "people" };
    render(&FormPage {
        layout: Layout::new(state, user, title, active),
        fields: form_fields(input, &map, &state.store.reference()),
        action,
        version,
        general_error,
        cancel,
    })
}

pub async fn new_form(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    user.require(Permission::PersonWrite)?;
    let input = PersonInput {
        hukou_division: user.scope().to_string(),
        ..Default::default()
    };
    form_page(
        &state,
        &user,
        "新增老年人登记",
        &input,
        &[],
        "/people/new".into(),
        0,
        String::new(),
        "/people".into(),
    )
}

pub async fn create(
    State(state): State<AppState>,
    Submitted { user, form: pairs }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Permission::PersonWrite)?;
    let (input, _) = read_form(pairs);
    let today = state.clock().today();
    let result = match input.validate(&*state.store.reference(), today) {
        Ok(rec) => state.store.create_person(&rec, user.scope(), &user.actor("web")).await,
        Err(errs) => Err(yiyang_store::StoreError::Invalid(errs)),
    };
    match result {
        Ok(id) => Ok(crate::security::flashed(format!("/people/{id}"), "已登记").into_response()),
        Err(yiyang_store::StoreError::Invalid(errs)) => {
            let html = form_page(
                &state,
                &user,
                "新增老年人登记",
                &input,
                &errs,
                "/people/new".into(),
                0,
                "请按提示修改标红的项目".into(),
                "/people".into(),
            )?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    let p = person_for(&state, &user, Permission::PersonWrite, id).await?;
    // The form shows the full ID number, phone and address: a full view, audited as one.
    state.store.record_full_view(id, &user.actor("web")).await?;
    let title = format!("修改 {} 的信息", p.record.name);
    form_page(
        &state,
        &user,
        &title,
        &p.record.to_input(),
        &[],
        format!("/people/{id}/edit"),
        p.version,
        String::new(),
        format!("/people/{id}"),
    )
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form: pairs }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (input, version) = read_form(pairs);
    // Out of scope is a 404 before anything about the input is said.
    person_for(&state, &user, Permission::PersonWrite, id).await?;
    let version: i64 = version
        .parse()
        .map_err(|_| AppError::BadRequest("缺少版本号，请刷新页面后重试".into()))?;
    let today = state.clock().today();
    let result = match input.validate(&*state.store.reference(), today) {
        Ok(rec) => {
            state
                .store
                .update_person(id, version, &rec, user.scope(), &user.actor("web"))
                .await
        }
        Err(errs) => Err(yiyang_store::StoreError::Invalid(errs)),
    };
    let again = |errs: &[yiyang_domain::person::FieldError], msg: String| {
        form_page(
            &state,
            &user,
            "修改信息",
            &input,
            errs,
            format!("/people/{id}/edit"),
            version,
            msg,
            format!("/people/{id}"),
        )
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(yiyang_store::StoreError::Invalid(errs)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            again(&errs, "请按提示修改标红的项目".into())?,
        )
            .into_response()),
        Err(yiyang_store::StoreError::Conflict) => Ok((
            axum::http::StatusCode::CONFLICT,
            again(
                &[],
                "保存前该记录已被他人修改。您填写的内容仍在下方；请打开新窗口查看最新记录后再保存。".into(),
            )?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
