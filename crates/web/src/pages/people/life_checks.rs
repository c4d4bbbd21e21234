//! 待认证名单: the living people of the clerk's area whose county asks for proof of life
//! (静默认证) and who have no sign of it for this month's payment — the township's list of
//! whom to see in person before the run holds their payment.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use yiyang_domain::role::Permission;
use yiyang_store::benefits::hold::ProofDue;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::AppState;

/// People the page lists; the rest are counted.
const SHOWN: usize = 500;

#[derive(Template)]
#[template(path = "people_life_checks.html")]
struct LifeChecksPage {
    layout: Layout,
    /// None when the area is wider than a county (pick a county or township first).
    due: Option<Vec<ProofDue>>,
    total: i64,
    month: String,
    proof_months: Option<u32>,
}

impl LifeChecksPage {
    fn place(&self, division: &str) -> String {
        self.layout.division(division)
    }
}

pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<Html<String>, AppError> {
    user.require(Permission::PersonWrite)?;
    let month = yiyang_domain::dates::Month::of(state.clock().today());
    let scope = user.scope().to_string();
    let (due, total, proof_months) = if scope.len() >= 6 {
        let (mut due, total) = state.store.due_for_proof(&scope, month, SHOWN).await?;
        for d in &mut due {
            d.id_number = yiyang_domain::id_number::mask(&d.id_number);
        }
        let rule = state.store.hold_rule(&scope[..6]).await?;
        (Some(due), total, rule.proof_months)
    } else {
        (None, 0, None)
    };
    render(&LifeChecksPage {
        layout: Layout::new(&state, &user, "待遇资格认证（待认证名单）", "life-checks"),
        due,
        total,
        month: month.to_string(),
        proof_months,
    })
}
