//! The family's pages (老年人及家属), phone first and 长辈模式 by default for an older person's own
//! account: the people linked to the account with what the government's purchase leaves them
//! this month, ordering (one task per page), the orders and notices, confirming and rating, and
//! asking to be linked. Sign-up is public (`/gongkai/zhuce`), throttled per address.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::Permission;
use yiyang_domain::services::order::{Channel, Relation};
use yiyang_store::services::family::{Link, Notice, SignUp};
use yiyang_store::services::orders::{Order, OrderInput, OrderViewer};
use yiyang_store::services::CatalogueRow;
use yiyang_store::StoreError;

use super::orders::{default_input, OrderFields};
use crate::access::Submitted;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::render;
use crate::pages::supervision::public::PUBLIC_CSRF_COOKIE;
use crate::security::{flashed, Flash};
use crate::AppState;

/// The family pages' frame: no register navigation, no scope switcher.
pub struct FamilyLayout {
    pub title: String,
    pub user_name: String,
    pub csrf: String,
    /// Large type unless the device chose otherwise: the account is an older person's own.
    pub elder: bool,
}

pub(crate) async fn family_layout(
    state: &AppState,
    user: &CurrentUser,
    title: impl Into<String>,
) -> Result<FamilyLayout, AppError> {
    let own = state
        .store
        .linked_people(&user.session.user.username)
        .await?
        .iter()
        .any(|(_, _, r)| r == Relation::Oneself.code());
    Ok(FamilyLayout {
        title: title.into(),
        user_name: user.session.user.display_name.clone(),
        csrf: user.session.csrf.clone(),
        elder: own,
    })
}

/// One linked person with this month's purchased-service balance.
pub struct Parent {
    pub id: i64,
    pub name: String,
    pub relation: &'static str,
    /// (scheme, hours a month, hours left) as text.
    pub balance: Option<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "family_home.html")]
struct HomePage {
    layout: FamilyLayout,
    message: String,
    parents: Vec<Parent>,
    orders: Vec<Order>,
    notices: Vec<Notice>,
    links: Vec<Link>,
    relations: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
}

impl HomePage {
    fn waiting(&self) -> Vec<&Link> {
        self.links.iter().filter(|l| l.status != "confirmed").collect()
    }
}

fn hours(m: i64) -> String {
    let h = format!("{:.1}", m as f64 / 60.0);
    h.trim_end_matches(".0").to_string()
}

async fn home_page(
    state: &AppState,
    user: &CurrentUser,
    message: String,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let me = user.session.user.username.clone();
    let today = state.clock().today();
    let mut parents = Vec::new();
    for (id, name, relation) in state.store.linked_people(&me).await? {
        let balance = state
            .store
            .purchased_balance(id, today)
            .await?
            .map(|(t, total, left)| (t, hours(total), hours(left)));
        parents.push(Parent {
            id,
            name,
            relation: Relation::parse(&relation).map_or("", |r| r.label()),
            balance,
        });
    }
    let t = state.clock().now();
    let orders = state
        .store
        .orders_visible(
            "",
            &OrderViewer::Family(me.clone()),
            t - chrono::Duration::days(62),
            t + chrono::Duration::days(31),
            100,
        )
        .await?;
    render(&HomePage {
        layout: family_layout(state, user, "为家人下单").await?,
        message,
        parents,
        orders,
        notices: state.store.notices(&me, 10).await?,
        links: state.store.links_of(&me).await?,
        relations: Relation::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        errors,
    })
}

pub async fn home(State(state): State<AppState>, user: CurrentUser, flash: Flash) -> Result<Html<String>, AppError> {
    user.require(Permission::ServiceOrder)?;
    home_page(&state, &user, flash.0, Vec::new()).await
}

#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    id_number: String,
    #[serde(default)]
    relation: String,
}

pub async fn request_link(
    State(state): State<AppState>,
    Submitted { user, form }: Submitted<LinkForm>,
) -> Result<Response, AppError> {
    user.require(Permission::ServiceOrder)?;
    match state
        .store
        .request_link(&form.name, &form.id_number, &form.relation, &user.actor("web"))
        .await
    {
        Ok(()) => Ok(flashed(
            "/family",
            "申请已提交：老人所在乡镇（街道）工作人员向老人核实后即可关联",
        )
        .into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            home_page(&state, &user, String::new(), errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

/// A linked person, or an unknown id.
async fn linked(state: &AppState, user: &CurrentUser, person: i64) -> Result<(String, Relation), AppError> {
    user.require(Permission::ServiceOrder)?;
    state
        .store
        .linked_people(&user.session.user.username)
        .await?
        .into_iter()
        .find(|(id, _, _)| *id == person)
        .map(|(_, n, r)| (n, Relation::parse(&r).unwrap_or(Relation::Other)))
        .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "family_order.html")]
struct OrderForm {
    layout: FamilyLayout,
    person_id: i64,
    services: Vec<(CatalogueRow, String, bool)>,
    balance: Option<(String, String, String)>,
    cancel_hours: i64,
    input: OrderInput,
    errors: Vec<FieldError>,
}

async fn order_form(
    state: &AppState,
    user: &CurrentUser,
    person: i64,
    input: OrderInput,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let (name, _) = linked(state, user, person).await?;
    let balance = state
        .store
        .purchased_balance(person, state.clock().today())
        .await?
        .map(|(t, total, left)| (t, hours(total), hours(left)));
    let cancel_hours = state
        .store
        .supervision_setting(yiyang_store::services::CANCEL_SETTING, user.scope())
        .await?;
    render(&OrderForm {
        layout: family_layout(state, user, format!("为{name}下单")).await?,
        person_id: person,
        cancel_hours,
        services: state.store.services_for_person(person).await?,
        balance,
        input,
        errors,
    })
}

pub async fn order_new(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Html<String>, AppError> {
    order_form(&state, &user, id, default_input(state.clock().today()), Vec::new()).await
}

pub async fn order_place(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<OrderFields>,
) -> Result<Response, AppError> {
    let (_, relation) = linked(&state, &user, id).await?;
    let channel = if relation == Relation::Oneself {
        Channel::Elder
    } else {
        Channel::Family
    };
    let input = form.input();
    match state
        .store
        .place_order(id, &input, channel, &user.actor("web"), state.clock().now())
        .await
    {
        Ok(oid) => Ok(flashed(format!("/services/orders/{oid}"), "已下单，服务商接单后会通知您").into_response()),
        Err(StoreError::Invalid(errors)) => Ok((
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            order_form(&state, &user, id, input, errors).await?,
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "family_order_detail.html")]
struct OrderDetail {
    layout: FamilyLayout,
    message: String,
    o: Order,
    may_cancel: bool,
    errors: Vec<FieldError>,
    /// Complaints made on this order (a new one only when none is open).
    complaints: Vec<yiyang_store::supervision::complaints::Complaint>,
    categories: &'static [yiyang_domain::supervision::complaint::ComplaintCategory],
}

impl OrderDetail {
    fn may_complain(&self) -> bool {
        self.o.status != "placed"
            && !self
                .complaints
                .iter()
                .any(|c| c.status() == yiyang_domain::supervision::complaint::ComplaintStatus::Received)
    }
}

/// An order as the family sees it: where it stands, what the government pays, and the steps
/// they may take.
pub(crate) async fn order_page(
    state: &AppState,
    user: &CurrentUser,
    o: Order,
    message: String,
    errors: Vec<FieldError>,
) -> Result<Html<String>, AppError> {
    let hours = state
        .store
        .supervision_setting(yiyang_store::services::CANCEL_SETTING, &o.division)
        .await?;
    let may_cancel = yiyang_domain::services::order::may_cancel(
        o.status(),
        yiyang_domain::services::order::Actor::Family,
        o.scheduled_start,
        state.clock().now(),
        hours,
    )
    .is_ok();
    let complaints = state.store.complaints_on_order(o.id).await?;
    render(&OrderDetail {
        layout: family_layout(state, user, format!("{}：{}", o.person_name, o.kind_label())).await?,
        message,
        may_cancel,
        errors,
        complaints,
        categories: yiyang_domain::supervision::complaint::ComplaintCategory::ALL,
        o,
    })
}

// ---- Public sign-up ----

#[derive(Template)]
#[template(path = "family_signup.html")]
struct SignUpPage {
    csrf: String,
    counties: Vec<(String, String)>,
    input: SignUp,
    errors: Vec<FieldError>,
    done: Option<String>,
    wait: Option<u64>,
}

async fn signup_page(
    state: &AppState,
    jar: CookieJar,
    input: SignUp,
    errors: Vec<FieldError>,
    done: Option<String>,
    wait: Option<u64>,
) -> Result<Response, AppError> {
    let csrf = crate::pages::random_hex();
    let cookie = Cookie::build((PUBLIC_CSRF_COOKIE, csrf.clone()))
        .path("/gongkai")
        .http_only(true)
        .same_site(SameSite::Strict);
    let r = state.store.reference();
    let mut counties: Vec<String> = state
        .store
        .providers_in("")
        .await?
        .into_iter()
        .filter_map(|p| p.division.get(..6).map(str::to_string))
        .collect();
    counties.sort();
    counties.dedup();
    let counties: Vec<(String, String)> = counties
        .into_iter()
        .map(|c| {
            let n = r.division_path(&c);
            (c, n)
        })
        .collect();
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = render(&SignUpPage {
        csrf,
        counties,
        input,
        errors,
        done,
        wait,
    })?;
    Ok((status, jar.add(cookie), page).into_response())
}

pub async fn signup_form(State(state): State<AppState>, jar: CookieJar) -> Result<Response, AppError> {
    signup_page(&state, jar, SignUp::default(), Vec::new(), None, None).await
}

#[derive(Deserialize)]
pub struct SignUpForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    county: String,
}

pub async fn signup(
    State(state): State<AppState>,
    parts: Parts,
    jar: CookieJar,
    Form(f): Form<SignUpForm>,
) -> Result<Response, AppError> {
    let ok = jar
        .get(PUBLIC_CSRF_COOKIE)
        .is_some_and(|c| !f._csrf.is_empty() && c.value() == f._csrf);
    if !ok {
        return Err(AppError::Csrf);
    }
    let ip = crate::auth::client_addr(&parts);
    let key = format!("@signup-{ip}");
    let input = SignUp {
        mobile: f.mobile,
        name: f.name,
        password: f.password,
        county: f.county,
    };
    if let Err(wait) = state.complaint_limiter.check(&key, &ip) {
        return signup_page(
            &state,
            jar,
            SignUp {
                password: String::new(),
                ..input
            },
            Vec::new(),
            None,
            Some(wait),
        )
        .await;
    }
    // Every attempt counts against the address, whatever its outcome.
    state.complaint_limiter.failed(&key, &ip);
    let actor = yiyang_store::audit::Actor {
        name: "公众（家属注册）".into(),
        channel: "web",
        source: ip.clone(),
        scope: String::new(),
    };
    match state.store.sign_up_family(&input, &actor).await {
        Ok(mobile) => signup_page(&state, jar, SignUp::default(), Vec::new(), Some(mobile), None).await,
        Err(StoreError::Invalid(errors)) => {
            signup_page(
                &state,
                jar,
                SignUp {
                    password: String::new(),
                    ..input
                },
                errors,
                None,
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
