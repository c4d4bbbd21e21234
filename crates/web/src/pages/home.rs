//! The home page: the kept numbers of the user's scope and what waits for the role.

use askama::Template;
use axum::extract::State;
use yiyang_domain::role::Permission;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::AppState;

use super::*;

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
            .map(|v| crate::pages::local_minute(v.computed_at))
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
