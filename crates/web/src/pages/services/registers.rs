//! The registers of home services: providers and their catalogue, the county's purchase of
//! services (政府购买服务), and family links waiting for a clerk.

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::{Permission, Role};
use yiyang_domain::services::catalogue::{CatalogueItem, ServiceKind, Unit};
use yiyang_domain::services::order::Relation;
use yiyang_store::services::family::Link;
use yiyang_store::services::orders::OrderViewer;
use yiyang_store::services::{CatalogueRow, Provider, ProviderInput, SchemeInput, SchemeRow};
use yiyang_store::StoreError;

use super::{month_bounds, tabs, viewer};
use crate::access::{Can, InScope, ScopedRecord, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::supervision::complaints::StatementDraft;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

impl ScopedRecord for Provider {
    const READ: Permission = Permission::ServiceRead;
    async fn load(state: &AppState, user: &CurrentUser, id: i64) -> Result<Option<Self>, AppError> {
        let p = state.store.provider_in(id, user.scope()).await?;
        // Provider staff see their own provider only.
        Ok(p.filter(|p| {
            user.role() != Role::Provider || user.session.user.institution_id.as_deref() == Some(p.code.as_str())
        }))
    }
}

/// A provider as its customers judged it over the last three months: orders, ratings, the
/// average, low ratings (2 stars or fewer); and the complaints about it that reached
/// supervision, with those upheld in whole or part.
pub(crate) struct Satisfaction {
    orders: usize,
    rated: usize,
    average: String,
    low: usize,
    complaints: i64,
    upheld: i64,
}

async fn satisfaction(state: &AppState, scope: &str, provider: i64) -> Result<Satisfaction, AppError> {
    let (from, to) = month_bounds(state.clock().month());
    let sum = state
        .store
        .order_summary(
            scope,
            &OrderViewer::Provider(provider),
            from - chrono::Duration::days(62),
            to,
            state.clock().now(),
            30,
        )
        .await?;
    let (complaints, upheld) = state.store.provider_complaint_counts(provider).await?;
    Ok(Satisfaction {
        orders: sum.total() as usize,
        rated: sum.rated as usize,
        average: sum
            .average_rating()
            .map_or_else(|| "—".to_string(), |r| format!("{r:.1}")),
        low: sum.low_rated as usize,
        complaints,
        upheld,
    })
}

#[derive(Template)]
#[template(path = "services_providers.html")]
struct ProvidersPage {
    layout: Layout,
    tabs: Vec<(&'static str, &'static str, bool)>,
    message: String,
    providers: Vec<(Provider, Satisfaction)>,
    manage: bool,
    areas: Vec<(String, String)>,
    input: ProviderInput,
    errors: Vec<FieldError>,
}

/// The divisions one level below `scope` (or `scope` itself at township level), for pickers.
pub(crate) fn area_options(state: &AppState, scope: &str) -> Vec<(String, String)> {
    let r = state.store.reference();
    let mut out = vec![(
        scope.to_string(),
        format!("{}（全部）", r.division_name(scope).unwrap_or("")),
    )];
    out.extend(r.children(scope).into_iter().map(|(c, n)| (c.clone(), n.clone())));
    out
}

async fn providers_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    input: ProviderInput,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let (_, own) = viewer(state, user).await?;
    let mut providers = state.store.providers_in(user.scope()).await?;
    if let Some(p) = own {
        providers.retain(|x| x.id == p.id);
    }
    let mut rows = Vec::with_capacity(providers.len());
    for p in providers {
        let s = satisfaction(state, user.scope(), p.id).await?;
        rows.push((p, s));
    }
    let providers = rows;
    render(&ProvidersPage {
        layout: Layout::new(state, user, "服务商", "services"),
        tabs: tabs(user, "providers"),
        message,
        providers,
        manage: user.may(Permission::ServiceManage),
        areas: area_options(state, user.scope()),
        input,
        errors,
    })
}

pub async fn providers(
    State(state): State<AppState>,
    user: CurrentUser,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    providers_page(&state, &user, flash.0, ProviderInput::default(), Vec::new()).await
}

pub async fn create_provider(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Permission::ServiceManage)?;
    let get = |k: &str| {
        form.iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let input = ProviderInput {
        code: get("code"),
        name: get("name"),
        address: get("address"),
        phone: get("phone"),
        bank_name: get("bank_name"),
        bank_account: get("bank_account"),
        account_name: get("account_name"),
        areas: form
            .iter()
            .filter(|(k, _)| k == "area")
            .map(|(_, v)| v.clone())
            .take(100)
            .collect(),
    };
    match state
        .store
        .create_provider(&input, user.scope(), &user.actor("web"))
        .await
    {
        Ok(id) => Ok(flashed(format!("/services/providers/{id}"), "服务商已登记，请添加服务目录").into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            providers_page(&state, &user, String::new(), input, errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "services_provider.html")]
struct ProviderPage {
    layout: Layout,
    tabs: Vec<(&'static str, &'static str, bool)>,
    message: String,
    p: Provider,
    areas: Vec<String>,
    catalogue: Vec<CatalogueRow>,
    workers: Vec<(String, String)>,
    may_edit: bool,
    kinds: Vec<(&'static str, &'static str)>,
    units: Vec<(&'static str, &'static str)>,
    sat: Satisfaction,
    /// The latest complaints about it, without who complained.
    complaints: Vec<yiyang_store::supervision::complaints::Complaint>,
    /// Its own staff may state their side of a complaint awaiting the answer (情况说明).
    can_explain: bool,
    draft: StatementDraft,
    errors: Vec<FieldError>,
}

pub(crate) async fn provider_page(
    state: &AppState,
    user: &CurrentUser,
    p: Provider,
    message: String,
    errors: Vec<FieldError>,
    draft: StatementDraft,
) -> Result<Html<String>, AppError> {
    let r = state.store.reference();
    let areas = state
        .store
        .provider_areas(p.id)
        .await?
        .into_iter()
        .map(|a| r.division_path(&a))
        .collect();
    let sat = satisfaction(state, user.scope(), p.id).await?;
    render(&ProviderPage {
        layout: Layout::new(state, user, p.name.clone(), "services"),
        tabs: tabs(user, "providers"),
        message,
        areas,
        catalogue: state.store.catalogue(p.id).await?,
        workers: state.store.provider_workers(&p.code).await?,
        may_edit: user.may(Permission::ServiceManage) || user.may(Permission::ServiceDeliver),
        kinds: ServiceKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        units: Unit::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        sat,
        complaints: state.store.complaints_about_provider(p.id, 20).await?,
        can_explain: user.may(Permission::ComplaintExplain) && user.role() == Role::Provider,
        draft,
        errors,
        p,
    })
}

pub async fn provider(
    InScope { user, item }: InScope<Provider>,
    State(state): State<AppState>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    provider_page(&state, &user, item, flash.0, Vec::new(), StatementDraft::default()).await
}

#[derive(Deserialize)]
pub struct CatalogueForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    price: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    active: String,
}

pub async fn set_catalogue(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Submitted { user, form }: Submitted<CatalogueForm>,
) -> Result<Response, AppError> {
    if !(user.may(Permission::ServiceManage) || user.may(Permission::ServiceDeliver)) {
        return Err(AppError::Forbidden);
    }
    let p = Provider::load(&state, &user, id).await?.ok_or(AppError::NotFound)?;
    match CatalogueItem::parse(&form.kind, &form.unit, &form.price, &form.minutes) {
        Ok(item) => {
            state
                .store
                .set_catalogue_item(p.id, &item, form.active != "0", &user.actor("web"))
                .await?;
            Ok(flashed(format!("/services/providers/{}", p.id), "服务目录已更新").into_response())
        }
        Err(errors) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            provider_page(&state, &user, p, String::new(), errors, StatementDraft::default()).await?,
        )
            .into_response()),
    }
}

#[derive(Template)]
#[template(path = "services_schemes.html")]
struct SchemesPage {
    layout: Layout,
    tabs: Vec<(&'static str, &'static str, bool)>,
    message: String,
    schemes: Vec<SchemeRow>,
    categories: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    input: SchemeInput,
    errors: Vec<FieldError>,
}

impl SchemesPage {
    fn kind_checked(&self, code: &str) -> bool {
        self.input.kinds.iter().any(|k| k == code)
    }
    fn category_names(&self, codes: &str) -> String {
        codes
            .split(',')
            .filter_map(|c| self.categories.iter().find(|(k, _)| k == c).map(|(_, n)| n.as_str()))
            .collect::<Vec<_>>()
            .join("、")
    }
}

async fn schemes_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    input: SchemeInput,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let r = state.store.reference();
    render(&SchemesPage {
        layout: Layout::new(state, user, "政府购买居家养老服务", "services"),
        tabs: tabs(user, "schemes"),
        message,
        schemes: state.store.schemes_in(user.scope()).await?,
        categories: r
            .catalogue
            .categories
            .iter()
            .map(|c| (c.code.clone(), c.name.clone()))
            .collect(),
        kinds: ServiceKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
        input,
        errors,
    })
}

pub async fn schemes(
    State(state): State<AppState>,
    user: Can<crate::access::perm::ServiceManage>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    schemes_page(&state, &user, flash.0, SchemeInput::default(), Vec::new()).await
}

pub async fn create_scheme(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    user.require(Permission::ServiceManage)?;
    let get = |k: &str| {
        form.iter()
            .find(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let all = |k: &str| {
        form.iter()
            .filter(|(a, _)| a == k)
            .map(|(_, v)| v.clone())
            .take(50)
            .collect::<Vec<_>>()
    };
    let input = SchemeInput {
        title: get("title"),
        document: get("document"),
        categories: all("category"),
        min_level: get("min_level"),
        hours_per_month: get("hours_per_month"),
        meal_yuan: get("meal_yuan"),
        respite_days: get("respite_days"),
        kinds: all("kind"),
        from: get("from"),
        demo: false,
    };
    match state
        .store
        .create_scheme(&input, user.scope(), &user.actor("web"))
        .await
    {
        Ok(_) => Ok(flashed("/services/schemes", "政府购买服务项目已保存").into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            schemes_page(&state, &user, String::new(), input, errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "services_links.html")]
struct LinksPage {
    layout: Layout,
    tabs: Vec<(&'static str, &'static str, bool)>,
    message: String,
    links: Vec<Link>,
    relations: Vec<(&'static str, &'static str)>,
    division_names: Vec<(String, String)>,
}

impl LinksPage {
    fn place(&self, d: &Option<String>) -> String {
        d.as_ref()
            .and_then(|d| self.division_names.iter().find(|(c, _)| c == d))
            .map(|(_, n)| n.clone())
            .unwrap_or_default()
    }
}

pub async fn links(
    State(state): State<AppState>,
    user: Can<crate::access::perm::ServiceManage>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    let links = state.store.pending_links(user.scope()).await?;
    let r = state.store.reference();
    let division_names = links
        .iter()
        .filter_map(|l| l.division.clone())
        .map(|d| {
            let n = r.division_path(&d);
            (d, n)
        })
        .collect();
    render(&LinksPage {
        layout: Layout::new(&state, &user, "家属关联", "services"),
        tabs: tabs(&user, "links"),
        message: flash.0,
        links,
        relations: Relation::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        division_names,
    })
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
}

pub async fn decide_link(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Submitted { user, form }: Submitted<DecideForm>,
) -> Result<Flashed, AppError> {
    user.require(Permission::ServiceManage)?;
    let confirm = form.decision == "confirm";
    state
        .store
        .decide_link(id, confirm, user.scope(), &user.actor("web"))
        .await?;
    Ok(flashed(
        "/services/links",
        if confirm {
            "已确认关联"
        } else {
            "已退回该申请"
        },
    ))
}

#[derive(Deserialize)]
pub struct DirectLinkForm {
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    relation: String,
}

/// A clerk links a family account to a person at the counter (the person present or asked).
pub async fn link_direct(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<DirectLinkForm>,
) -> Result<Flashed, AppError> {
    user.require(Permission::ServiceManage)?;
    let relation = Relation::parse(form.relation.trim())
        .ok_or_else(|| AppError::Invalid(vec![FieldError::new("relation", "请选择关系")]))?;
    let mobile = yiyang_domain::services::order::parse_mobile(&form.mobile)
        .ok_or_else(|| AppError::Invalid(vec![FieldError::new("mobile", "请填写11位手机号码")]))?;
    let id = yiyang_domain::IdNumber::parse(&form.id_number)
        .map_err(|e| AppError::Invalid(vec![FieldError::new("id_number", e.to_string())]))?;
    let person = state
        .store
        .person_id_by_number_in(id.as_str(), user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    state
        .store
        .link_directly(&mobile, person, relation, user.scope(), &user.actor("web"))
        .await?;
    Ok(flashed("/services/links", "已关联，家属登录后即可为老人下单"))
}
