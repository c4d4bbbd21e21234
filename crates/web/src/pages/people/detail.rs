//! One person's page: the record, assessments, benefits, history, and who looked.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use yiyang_domain::dates::age_on;
use yiyang_domain::person::account::AccountInput;
use yiyang_domain::person::FieldError;
use yiyang_domain::person::DEATH_SOURCES;
use yiyang_domain::role::Permission;
use yiyang_store::benefits::hold::LifeSign;
use yiyang_store::people::accounts::StoredAccount;
use yiyang_store::people::Person;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::AppState;

use super::*;

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
    stays: Vec<yiyang_store::institutions::residents::PersonStayEvent>,
    /// (what, before, after, takes effect, recorded)
    changes: Vec<(String, String, String, String, String)>,
    message: String,
    /// The payment account, and whether its number and the agent's ID number show in full.
    account: Option<StoredAccount>,
    account_full: bool,
    /// The account form as typed, with what is wrong, after a refused change.
    account_form: AccountInput,
    account_errors: Vec<FieldError>,
    /// 资格认证: the latest sign of life, the county's window (None: no proof asked), what is
    /// wrong with a refused check, and today (the form's default date).
    life: Option<LifeSign>,
    proof_months: Option<u32>,
    life_errors: Vec<FieldError>,
    today: chrono::NaiveDate,
}

/// A change refused on the person's page, shown again with what is wrong.
pub(super) enum Refused {
    None,
    /// The account as typed (bar the number).
    Account(AccountInput, Vec<FieldError>),
    LifeCheck(Vec<FieldError>),
}

impl DetailPage {
    fn account_error(&self, field: &str) -> String {
        crate::pages::layout::field_error(&self.account_errors, field)
    }

    fn life_error(&self, field: &str) -> String {
        crate::pages::layout::field_error(&self.life_errors, field)
    }
}

pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    flash: crate::security::Flash,
) -> Result<Html<String>, AppError> {
    render(&detail_page(&state, &user, id, flash.0, Refused::None).await?)
}

/// A person's page; `refused` is an account change refused, as typed, with its errors.
pub(super) async fn detail_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    message: String,
    refused: Refused,
) -> Result<impl Template, AppError> {
    let p = person_for(state, user, Permission::PersonRead, id).await?;
    let account = state.store.payment_account(id, user.scope()).await?;
    let full = user.may(Permission::PersonFullId);
    let id_shown = if full {
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
                crate::pages::local_second(e.at),
                users.of(&e.actor),
                crate::pages::labels::action(&e.action).to_string(),
                if e.detail == "{}" { String::new() } else { e.detail },
            )
        })
        .collect();
    let (refused_account, life_errors) = match refused {
        Refused::None => (None, Vec::new()),
        Refused::Account(form, errors) => (Some((form, errors)), Vec::new()),
        Refused::LifeCheck(errors) => (None, errors),
    };
    let life = state.store.last_sign_of_life(id).await?;
    let proof_months = state
        .store
        .hold_rule(&p.record.hukou_division.as_str()[..6])
        .await?
        .proof_months;
    let (account_form, account_errors) = refused_account.unwrap_or_else(|| {
        let form = account
            .as_ref()
            .map(|a| AccountInput {
                channel: a.channel.clone(),
                bank: a.bank.clone(),
                holder_name: a.holder_name.clone(),
                holder_relation: a.holder_relation.clone().unwrap_or_default(),
                ..AccountInput::default()
            })
            .unwrap_or_default();
        (form, Vec::new())
    });
    Ok(DetailPage {
        layout: Layout::new(state, user, format!("{} 的信息", p.record.name), "people"),
        account,
        account_full: full,
        account_form,
        account_errors,
        life,
        proof_months,
        life_errors,
        today,
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
        message,
        stays: state.store.person_stays(id).await?,
        changes: state
            .store
            .person_changes(id)
            .await?
            .into_iter()
            .map(|c| {
                let names = |v: &Option<String>| {
                    let v = v.as_deref().unwrap_or("");
                    if c.kind == "released" {
                        return match yiyang_domain::benefits::hold::HoldReason::parse(v) {
                            Some(r) => r.label().to_string(),
                            None if v.is_empty() => "恢复发放".to_string(),
                            None => v.to_string(),
                        };
                    }
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
                    match c.kind.as_str() {
                        "death" => "死亡日期",
                        "released" => "暂停发放的待遇（已认证或已登记账户，自该月起补发）",
                        _ => "人员类别",
                    }
                    .to_string(),
                    names(&c.old_value),
                    names(&c.new_value),
                    c.effective_on.to_string(),
                    crate::pages::local_minute(c.recorded_at),
                )
            })
            .collect(),
        id_shown,
        history,
        p,
    })
}
