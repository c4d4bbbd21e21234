//! Server-rendered pages. Every page shows the user's role and current division scope, and
//! a navigation that fits the role.

pub mod assessment_confirm;
pub mod assessment_form;
pub mod assessments;
pub mod audit;
pub mod benefits;
pub mod care;
pub mod care_import;
pub mod divisions;
pub mod facilities;
pub mod grants;
pub mod imports;
pub mod institution_bed;
pub mod institution_care;
pub mod institutions;
pub mod labels;
pub mod local_figures;
pub mod people;
pub mod planning;
pub mod policy;
pub mod services;
pub mod settings;
pub mod supervision;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use axum_extra::extract::cookie::{Cookie, SameSite};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use yiyang_domain::role::Permission;

use crate::access::{NoFields, Submitted};
use crate::auth::{CurrentUser, SESSION_COOKIE};
use crate::error::AppError;
use crate::AppState;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// What the shared page frame (templates/base.html) needs.
pub struct Layout {
    pub title: String,
    pub user_name: String,
    pub role_label: &'static str,
    pub scope: String,
    pub scope_path: String,
    /// Scopes the user may switch to: the way back up to their own, and one level down.
    pub scope_options: Vec<(String, String)>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    /// For names in templates: `layout.pack_title(id)`, `layout.division(code)`.
    packs: std::sync::Arc<Vec<yiyang_domain::policy::Pack>>,
    reference: std::sync::Arc<yiyang_store::RefData>,
    users: std::sync::Arc<yiyang_store::users::UserNames>,
}

impl Layout {
    pub fn new(state: &AppState, user: &CurrentUser, title: impl Into<String>, active: &str) -> Layout {
        let r = state.store.reference();
        let own = user.session.user.scope.clone();
        let current = user.scope().to_string();
        let mut options = Vec::new();
        // From the account's own scope down to the current one.
        let mut code = yiyang_domain::DivisionCode::from_canonical(current.clone());
        let mut chain = vec![current.clone()];
        while code.as_str() != own {
            match code.parent() {
                Some(p) => {
                    chain.push(p.as_str().to_string());
                    code = p;
                }
                None => break,
            }
        }
        chain.reverse();
        for c in chain {
            // Names, never codes: staff know their places by name.
            let label = r.division_path(&c);
            options.push((c, label));
        }
        for (c, n) in r.children(&current) {
            options.push((c.clone(), format!("　└ {n}")));
        }
        let mut nav = vec![NavItem {
            href: "/",
            label: "首页",
            active: active == "home",
        }];
        if user.may(Permission::PersonRead) {
            nav.push(NavItem {
                href: "/people",
                label: "老年人信息库",
                active: active == "people",
            });
        }
        if user.may(Permission::PersonWrite) {
            nav.push(NavItem {
                href: "/people/new",
                label: "新增登记",
                active: active == "new",
            });
            nav.push(NavItem {
                href: "/imports",
                label: "批量导入",
                active: active == "imports",
            });
        }
        if user.may(Permission::PersonRead) {
            nav.push(NavItem {
                href: "/assessments/due",
                label: "能力评估",
                active: active == "assessments",
            });
        }
        if user.may(Permission::InstitutionRead) {
            nav.push(NavItem {
                href: "/institutions",
                label: "养老机构",
                active: active == "institutions",
            });
        }
        if user.may(Permission::FacilityRead) {
            nav.push(NavItem {
                href: "/facilities",
                label: "服务设施",
                active: active == "facilities",
            });
        }
        if user.may(Permission::BenefitRead) {
            nav.push(NavItem {
                href: "/benefits",
                label: "补贴发放",
                active: active == "benefits",
            });
            nav.push(NavItem {
                href: "/grants",
                label: "一次性补助",
                active: active == "grants",
            });
        }
        if user.may(Permission::ServiceRead) {
            nav.push(NavItem {
                href: "/services",
                label: "居家社区服务",
                active: active == "services",
            });
        }
        if user.may(Permission::ServiceOrder) {
            nav.push(NavItem {
                href: "/family",
                label: "为家人下单",
                active: active == "family",
            });
        }
        if user.may(Permission::VisitManage) || user.may(Permission::VisitWrite) {
            nav.push(NavItem {
                href: "/visits",
                label: "探访关爱",
                active: active == "visits",
            });
        }
        if user.may(Permission::SosRead) {
            nav.push(NavItem {
                href: "/sos",
                label: "一键呼救",
                active: active == "sos",
            });
        }
        if user.may(Permission::TimebankRead) {
            nav.push(NavItem {
                href: "/timebank",
                label: "时间银行",
                active: active == "timebank",
            });
        }
        if user.may(Permission::IndicatorRead) {
            nav.push(NavItem {
                href: "/dashboard",
                label: "数据驾驶舱",
                active: active == "dashboard",
            });
            nav.push(NavItem {
                href: "/indicators",
                label: "规划指标",
                active: active == "indicators",
            });
        }
        if user.may(Permission::SupervisionRead) {
            nav.push(NavItem {
                href: "/supervision",
                label: "综合监管",
                active: active == "supervision",
            });
        }
        nav.push(NavItem {
            href: "/policy",
            label: "政策包",
            active: active == "policy",
        });
        if user.may(Permission::SettingsWrite) {
            nav.push(NavItem {
                href: "/settings",
                label: "系统设置",
                active: active == "settings",
            });
        }
        if user.may(Permission::AuditRead) {
            nav.push(NavItem {
                href: "/audit",
                label: "审计日志",
                active: active == "audit",
            });
        }
        nav.push(NavItem {
            href: "/api/docs",
            label: "接口文档",
            active: active == "api",
        });
        Layout {
            title: title.into(),
            user_name: user.session.user.display_name.clone(),
            role_label: user.role().label(),
            scope_path: r.division_path(&current),
            scope: current,
            scope_options: options,
            nav,
            csrf: user.session.csrf.clone(),
            packs: state.packs.clone(),
            reference: r,
            users: state.store.user_names(),
        }
    }

    /// Who did something: the account's display name, never its code.
    pub fn who(&self, username: &str) -> String {
        self.users.of(username)
    }

    /// The same for a step not taken yet (an empty string).
    pub fn who_opt(&self, username: &Option<String>) -> String {
        username.as_deref().map(|u| self.users.of(u)).unwrap_or_default()
    }

    /// A policy pack's title (its id only if no pack has it).
    pub fn pack_title(&self, id: &str) -> String {
        self.packs
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.to_string(), |p| p.title.clone())
    }

    /// A benefit's title in a pack (its code only if the pack has none such).
    pub fn benefit_title(&self, pack: &str, code: &str) -> String {
        self.packs
            .iter()
            .filter(|p| p.id == pack)
            .flat_map(|p| p.benefits.iter())
            .find(|b| b.code == code)
            .map_or_else(|| code.to_string(), |b| b.title.clone())
    }

    /// A rule's title in a pack (its id only if the pack has none such).
    pub fn rule_title(&self, pack: &str, rule: &str) -> String {
        self.packs
            .iter()
            .filter(|p| p.id == pack)
            .flat_map(|p| p.rules.iter())
            .find(|r| r.id == rule)
            .map_or_else(|| rule.to_string(), |r| r.title.clone())
    }

    /// A division by name, from the province down ("江西省 赣州市 会昌县").
    pub fn division(&self, code: &str) -> String {
        self.reference.division_path(code)
    }

    /// A division by name, from the user's scope down (the scope's own name when it is the
    /// scope): what a table of the user's own area needs.
    pub fn place(&self, code: &str) -> String {
        let full = self.reference.division_path(code);
        match full.strip_prefix(&self.scope_path) {
            Some(rest) if !rest.trim().is_empty() => rest.trim().to_string(),
            _ => full,
        }
    }
}

/// The messages for one field of a refused form, joined: shown next to the field.
pub fn field_error(errors: &[yiyang_domain::person::FieldError], field: &str) -> String {
    errors
        .iter()
        .filter(|e| e.field == field)
        .map(|e| e.message.as_str())
        .collect::<Vec<_>>()
        .join("；")
}

pub fn render<T: Template>(t: &T) -> Result<Html<String>, AppError> {
    t.render().map(Html).map_err(|e| {
        tracing::error!(error = %e, "template");
        AppError::Internal
    })
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
    details: &'a [String],
}

pub fn error_page(status: StatusCode, message: &str, details: &[String]) -> String {
    ErrorPage {
        status: status.as_u16(),
        message,
        details,
    }
    .render()
    .unwrap_or_else(|_| message.to_string())
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    can_read: bool,
    can_write: bool,
    /// The kept values of the user's scope (the dashboard's job): month, when, living people,
    /// money paid that month, living people by category (name, code, count).
    kept: Option<HomeCounts>,
    /// What waits for this user's role: (label, count, link).
    todo: Vec<(&'static str, usize, String)>,
}

struct HomeCounts {
    month: String,
    computed_at: String,
    alive: i64,
    paid: Option<String>,
    by_category: Vec<(String, String, i64)>,
}

async fn home_counts(state: &AppState, scope: &str) -> Result<Option<HomeCounts>, AppError> {
    use yiyang_store::planning::snapshot::{PAID_FEN, PEOPLE_ALIVE};
    let Some(month) = state.store.latest_stored_month(scope).await? else {
        return Ok(None);
    };
    let values = state.store.stored_values(scope, &month).await?;
    let r = state.store.reference();
    let of = |key: &str| values.iter().find(|v| v.indicator == key);
    let by_category = r
        .catalogue
        .categories
        .iter()
        .filter_map(|c| {
            let n = values
                .iter()
                .find(|v| v.category() == Some(c.code.as_str()))?
                .numerator?;
            (n > 0).then(|| (c.name.clone(), c.code.clone(), n))
        })
        .collect();
    Ok(Some(HomeCounts {
        computed_at: values
            .first()
            .map(|v| {
                v.computed_at
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default(),
        alive: of(PEOPLE_ALIVE).and_then(|v| v.numerator).unwrap_or(0),
        paid: of(PAID_FEN).map(|v| v.value_text()),
        by_category,
        month,
    }))
}

/// What waits for the signed-in user: runs and grants to review or approve (not their own),
/// approved grants to export, reassessment requests, their institution.
async fn todo_for(state: &AppState, user: &CurrentUser) -> Result<Vec<(&'static str, usize, String)>, AppError> {
    use yiyang_store::benefits::RunStatus;
    let me = user.session.user.username.as_str();
    let mut out = Vec::new();
    let (review, approve) = (
        user.may(Permission::BenefitReview),
        user.may(Permission::BenefitApprove),
    );
    if review || approve {
        let runs = state.store.list_benefit_runs(user.scope()).await?;
        let grants = state.store.grant_groups(user.scope()).await?;
        if review {
            let n = runs
                .iter()
                .filter(|r| r.status == RunStatus::Draft && r.created_by != me)
                .count();
            out.push(("待审核的发放批次", n, "/benefits".to_string()));
            let n = grants
                .iter()
                .filter(|g| g.status == "prepared" && g.prepared_by != me)
                .count();
            out.push(("待审核的一次性补助", n, "/grants".to_string()));
        }
        if approve {
            let n = runs
                .iter()
                .filter(|r| {
                    r.status == RunStatus::Reviewed && r.created_by != me && r.reviewed_by.as_deref() != Some(me)
                })
                .count();
            out.push(("待审批的发放批次", n, "/benefits".to_string()));
            let n = grants
                .iter()
                .filter(|g| g.status == "reviewed" && g.prepared_by != me && g.reviewed_by.as_deref() != Some(me))
                .count();
            out.push(("待审批的一次性补助", n, "/grants".to_string()));
            let n = grants.iter().filter(|g| g.status == "approved").count();
            out.push(("已审批待导出拨付", n, "/grants".to_string()));
        }
    }
    if user.may(Permission::AssessmentWrite) {
        let n = state
            .store
            .awaiting_my_confirmation(&user.session.user.username)
            .await?
            .len();
        out.push(("待我确认的评估", n, "/assessments/due".to_string()));
    }
    if user.may(Permission::AssessmentReview) {
        let n = state.store.awaiting_review(user.scope()).await?.len();
        out.push(("待审核的补录评估", n, "/assessments/due".to_string()));
    }
    if user.may(Permission::AssessmentWrite) || user.may(Permission::AssessmentRequest) {
        let n = state.store.open_reassessment_requests(user.scope()).await?.len();
        out.push(("待处理的立即复评申请", n, "/assessments/due".to_string()));
    }
    if user.may(Permission::SupervisionRead) {
        let v = supervision::viewer(state, user).await?;
        let today = state.clock().today();
        let hazards = state.store.hazards_visible(user.scope(), &v, today).await?;
        let overdue = hazards
            .iter()
            .filter(|h| {
                h.escalation
                    .is_some_and(|e| e != yiyang_domain::supervision::inspection::Escalation::None)
            })
            .count();
        if let yiyang_store::supervision::Viewer::Inspector(_) = v {
            let me = user.session.user.username.as_str();
            let mine = state.store.inspections_visible(user.scope(), &v, None).await?;
            let n = mine
                .iter()
                .filter(|n| {
                    use yiyang_domain::supervision::inspection::InspectionStatus as S;
                    n.status() == S::Pending || (n.status() == S::Recorded && n.recorded_by.as_deref() != Some(me))
                })
                .count();
            out.push(("待我检查或确认", n, "/supervision".to_string()));
            let n = hazards.iter().filter(|h| h.status == "rectified").count();
            out.push(("待核验的整改", n, "/supervision/hazards".to_string()));
        }
        if v != yiyang_store::supervision::Viewer::Nobody {
            out.push(("逾期未整改的隐患", overdue, "/supervision/hazards".to_string()));
        }
        if v == yiyang_store::supervision::Viewer::Division && user.may(Permission::SupervisionPlan) {
            let complaints = state.store.complaints_visible(user.scope(), &v, today).await?;
            let n = complaints.iter().filter(|c| c.status == "received").count();
            out.push(("待答复的投诉", n, "/supervision/complaints".to_string()));
            let n = state.store.prepaid_watch_list(user.scope()).await?.len();
            out.push(("预付费关注名单", n, "/supervision/prepaid".to_string()));
        }
        if let yiyang_store::supervision::Viewer::Institution(_) = v {
            let n = hazards.iter().filter(|h| h.status == "open").count();
            out.push(("本机构待整改的隐患", n, "/supervision/hazards".to_string()));
        }
    }
    if user.role() == yiyang_domain::role::Role::Provider {
        if let Ok((v, Some(_))) = services::viewer(state, user).await {
            let t = state.clock().now();
            let (late, _) = state.store.service_timing_settings(user.scope()).await?;
            let (from, to) = (t - chrono::Duration::days(31), t + chrono::Duration::days(31));
            let sum = state.store.order_summary(user.scope(), &v, from, to, t, late).await?;
            use yiyang_domain::services::order::OrderStatus as S;
            out.push((
                "待接单的订单",
                sum.count(S::Placed) as usize,
                "/services?status=placed".to_string(),
            ));
            out.push((
                "待派单的订单",
                sum.count(S::Accepted) as usize,
                "/services?status=accepted".to_string(),
            ));
            let me = user.session.user.username.as_str();
            let n = state
                .store
                .worker_orders(me, t - chrono::Duration::days(2), t + chrono::Duration::days(7))
                .await?
                .len();
            out.push(("我的上门任务", n, "/services/work".to_string()));
        }
    }
    if user.may(Permission::ServiceManage) {
        let n = state.store.pending_links(user.scope()).await?.len();
        out.push(("待核实的家属关联", n, "/services/links".to_string()));
    }
    if let Some(code) = user.session.user.institution_id.as_deref() {
        if let Some(i) = state
            .store
            .institutions_in(user.scope())
            .await?
            .into_iter()
            .find(|i| i.code == code)
        {
            out.push((
                "本机构在住老人",
                i.occupied as usize,
                format!("/institutions/{}/residents", i.id),
            ));
        }
    }
    Ok(out)
}

pub async fn home(State(state): State<AppState>, user: CurrentUser) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    // A family account has one page: ordering for the people linked to it.
    if user.role() == yiyang_domain::role::Role::Family {
        return Ok(axum::response::Redirect::to("/family").into_response());
    }
    let can_read = user.may(Permission::PersonRead);
    // The numbers are those the dashboard's job kept, never counted per view.
    let kept = if can_read {
        home_counts(&state, user.scope()).await?
    } else {
        None
    };
    render(&HomePage {
        todo: todo_for(&state, &user).await?,
        layout: Layout::new(&state, &user, "首页", "home"),
        can_read,
        can_write: user.may(Permission::PersonWrite),
        kept,
    })
    .map(IntoResponse::into_response)
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    username: String,
    next: String,
    error: Option<String>,
    csrf: String,
}

#[derive(Deserialize, Default)]
pub struct NextParam {
    #[serde(default)]
    next: String,
}

const LOGIN_CSRF_COOKIE: &str = "yiyang_login_csrf";

pub(crate) fn random_hex() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

fn login_page(
    jar: CookieJar,
    secure: bool,
    username: String,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    // Login CSRF: a double-submit token (cookie + hidden field), as there is no session yet.
    let csrf = random_hex();
    let cookie = Cookie::build((LOGIN_CSRF_COOKIE, csrf.clone()))
        .path("/login")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .build();
    match render(&LoginPage {
        username,
        next,
        error,
        csrf,
    }) {
        Ok(html) => (status, jar.add(cookie), html).into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn login_form(State(state): State<AppState>, jar: CookieJar, Query(p): Query<NextParam>) -> Response {
    login_page(jar, state.secure_cookies, String::new(), p.next, None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    _csrf: String,
}

pub async fn login(
    State(state): State<AppState>,
    jar: CookieJar,
    parts: axum::http::request::Parts,
    Form(f): Form<LoginForm>,
) -> Response {
    let ip = crate::auth::client_addr(&parts);
    let cookie_ok = jar
        .get(LOGIN_CSRF_COOKIE)
        .is_some_and(|c| !f._csrf.is_empty() && c.value() == f._csrf);
    if !cookie_ok {
        return login_page(
            jar,
            state.secure_cookies,
            f.username,
            f.next,
            Some(AppError::Csrf.message()),
            StatusCode::FORBIDDEN,
        );
    }
    if let Err(wait) = state.limiter.check(&f.username, &ip) {
        let msg = AppError::TooManyRequests { retry_after_secs: wait }.message();
        return login_page(
            jar,
            state.secure_cookies,
            f.username,
            f.next,
            Some(msg),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let user = match state.store.authenticate(f.username.trim(), &f.password).await {
        Ok(u) => u,
        Err(e) => return AppError::from(e).into_response(),
    };
    let Some(user) = user else {
        state.limiter.failed(&f.username, &ip);
        return login_page(
            jar,
            state.secure_cookies,
            f.username,
            f.next,
            Some("用户名或密码错误".into()),
            StatusCode::UNAUTHORIZED,
        );
    };
    state.limiter.succeeded(&f.username, &ip);
    let token = match state.store.create_session(&user).await {
        Ok(t) => t,
        Err(e) => return AppError::from(e).into_response(),
    };
    let _ = state
        .store
        .audit(
            &yiyang_store::audit::Actor {
                name: user.username.clone(),
                channel: "web",
                source: ip,
                scope: user.scope.clone(),
            }
            .entry("login", "user", user.id, serde_json::json!({})),
        )
        .await;
    let cookie = Cookie::build((SESSION_COOKIE, token))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.secure_cookies)
        .build();
    (
        jar.add(cookie).remove(Cookie::from(LOGIN_CSRF_COOKIE)),
        Redirect::to(&crate::security::safe_path(&f.next)),
    )
        .into_response()
}

pub async fn logout(
    State(state): State<AppState>,
    jar: CookieJar,
    Submitted { user, .. }: Submitted<NoFields>,
) -> Result<Response, AppError> {
    state.store.delete_session(&user.token).await?;
    Ok((
        jar.remove(Cookie::build(SESSION_COOKIE).path("/")),
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct ScopeForm {
    #[serde(default)]
    scope: String,
    #[serde(default)]
    back: String,
}

/// Narrows the working scope to a division inside the account's own (or back up to it).
pub async fn switch_scope(
    State(state): State<AppState>,
    Submitted { user, form: f }: Submitted<ScopeForm>,
) -> Result<Redirect, AppError> {
    let own = &user.session.user.scope;
    let exists = state.store.reference().division_name(&f.scope).is_some();
    if !f.scope.starts_with(own.as_str()) || !exists {
        return Err(AppError::BadRequest(format!("区划“{}”不在您的管辖范围内", f.scope)));
    }
    state.store.set_session_scope(&user.token, &f.scope).await?;
    let back = crate::security::safe_path(&f.back);
    // A record page may fall outside the new scope; go to its list instead.
    let back = if back.starts_with("/people/") {
        "/people".to_string()
    } else {
        back
    };
    Ok(Redirect::to(&back))
}

/// A stored photo as the browser gets it: its sniffed type, never cached outside this session.
pub fn photo_response(kind: String, bytes: Vec<u8>) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [
            (axum::http::header::CONTENT_TYPE, kind),
            (axum::http::header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}
