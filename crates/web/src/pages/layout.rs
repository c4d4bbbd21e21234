//! The frame every signed-in page shares: who is signed in, the scope and its switcher, the
//! navigation the role may use, and names for codes (`layout.division(code)`).

use askama::Template;
use axum::http::StatusCode;
use axum::response::Html;
use yiyang_domain::role::Permission;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

/// Who sees an entry of the navigation.
enum Gate {
    Everyone,
    /// Holders of any of these permissions.
    AnyOf(&'static [Permission]),
}

impl Gate {
    fn admits(&self, user: &CurrentUser) -> bool {
        match self {
            Gate::Everyone => true,
            Gate::AnyOf(ps) => ps.iter().any(|p| user.may(*p)),
        }
    }
}

/// One entry of the navigation: who sees it, where it leads, its words, and the `active` key
/// a page passes to `Layout::new` to mark it.
struct NavEntry {
    gate: Gate,
    href: &'static str,
    label: &'static str,
    key: &'static str,
}

const fn entry(gate: Gate, href: &'static str, label: &'static str, key: &'static str) -> NavEntry {
    NavEntry { gate, href, label, key }
}

/// The navigation, in the order shown. A new module adds its line here.
const NAV: &[NavEntry] = {
    use Gate::{AnyOf, Everyone};
    use Permission as P;
    &[
        entry(Everyone, "/", "首页", "home"),
        entry(AnyOf(&[P::PersonRead]), "/people", "老年人信息库", "people"),
        entry(AnyOf(&[P::PersonWrite]), "/people/new", "新增登记", "new"),
        entry(AnyOf(&[P::PersonWrite]), "/imports", "批量导入", "imports"),
        entry(AnyOf(&[P::PersonWrite]), "/people/deaths", "死亡信息比对", "deaths"),
        entry(
            AnyOf(&[P::PersonWrite]),
            "/people/life-checks",
            "待遇资格认证",
            "life-checks",
        ),
        entry(AnyOf(&[P::PersonRead]), "/assessments/due", "能力评估", "assessments"),
        entry(
            AnyOf(&[P::InstitutionRead]),
            "/institutions",
            "养老机构",
            "institutions",
        ),
        entry(AnyOf(&[P::FacilityRead]), "/facilities", "服务设施", "facilities"),
        entry(AnyOf(&[P::BenefitRead]), "/benefits", "补贴发放", "benefits"),
        entry(AnyOf(&[P::BenefitRead]), "/grants", "一次性补助", "grants"),
        entry(AnyOf(&[P::ServiceRead]), "/services", "居家社区服务", "services"),
        entry(AnyOf(&[P::ServiceOrder]), "/family", "为家人下单", "family"),
        entry(AnyOf(&[P::VisitManage, P::VisitWrite]), "/visits", "探访关爱", "visits"),
        entry(AnyOf(&[P::SosRead]), "/sos", "一键呼救", "sos"),
        entry(AnyOf(&[P::TimebankRead]), "/timebank", "时间银行", "timebank"),
        entry(AnyOf(&[P::IndicatorRead]), "/dashboard", "数据驾驶舱", "dashboard"),
        entry(AnyOf(&[P::IndicatorRead]), "/indicators", "规划指标", "indicators"),
        entry(AnyOf(&[P::SupervisionRead]), "/supervision", "综合监管", "supervision"),
        entry(Everyone, "/policy", "政策包", "policy"),
        entry(AnyOf(&[P::SettingsWrite]), "/settings", "系统设置", "settings"),
        entry(AnyOf(&[P::AuditRead]), "/audit", "审计日志", "audit"),
        entry(Everyone, "/api/docs", "接口文档", "api"),
    ]
};

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
        let nav = NAV
            .iter()
            .filter(|e| e.gate.admits(user))
            .map(|e| NavItem {
                href: e.href,
                label: e.label,
                active: active == e.key,
            })
            .collect();
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
