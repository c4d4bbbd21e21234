//! Creating and editing a person: the form keeps what was typed and shows each field's
//! problem next to it.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use yiyang_domain::person::{PersonInput, DEATH_SOURCES};
use yiyang_domain::role::Permission;

use crate::access::Submitted;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::AppState;

use super::*;

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
