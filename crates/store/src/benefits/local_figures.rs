//! Local figures set in the product: where a pack's document leaves a figure to local rules or
//! to another document, a county or city sets it here from its own document. Like a run, a
//! figure passes three hands — prepared (经办), reviewed (审核), approved (审批) by three
//! different people in their roles — and may be returned with a note or withdrawn by its
//! preparer. Runs, explanations and grants use approved figures only, from their date.
//! Every step is audited in the same transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::policy::local_figures::{refusal, LocalFigure};
use yiyang_domain::policy::Pack;
use yiyang_domain::role::{Permission, Role};

use crate::audit::{Actor, AuditAppend};
use crate::{now, with_pool, Result, Store, StoreError};

/// Where a figure stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureStatus {
    Prepared,
    Reviewed,
    Approved,
    Returned,
    Withdrawn,
}

impl FigureStatus {
    pub fn parse(s: &str) -> Option<FigureStatus> {
        Some(match s {
            "prepared" => FigureStatus::Prepared,
            "reviewed" => FigureStatus::Reviewed,
            "approved" => FigureStatus::Approved,
            "returned" => FigureStatus::Returned,
            "withdrawn" => FigureStatus::Withdrawn,
            _ => return None,
        })
    }
    pub fn code(self) -> &'static str {
        match self {
            FigureStatus::Prepared => "prepared",
            FigureStatus::Reviewed => "reviewed",
            FigureStatus::Approved => "approved",
            FigureStatus::Returned => "returned",
            FigureStatus::Withdrawn => "withdrawn",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            FigureStatus::Prepared => "待审核",
            FigureStatus::Reviewed => "已审核，待审批",
            FigureStatus::Approved => "已审批，生效",
            FigureStatus::Returned => "已退回",
            FigureStatus::Withdrawn => "已撤回",
        }
    }
}

/// A step taken on a figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FigureStep {
    Review,
    Approve,
    /// Back to the preparer, with what to change.
    Return(String),
    /// The preparer takes back a figure not yet approved.
    Withdraw,
}

/// One figure as stored, with who did what.
#[derive(Clone, Debug, Serialize)]
pub struct FigureRow {
    pub id: i64,
    pub pack: String,
    pub jurisdiction: String,
    pub param: String,
    pub value: i64,
    pub from: NaiveDate,
    pub document: String,
    pub quote: Option<String>,
    pub demo: bool,
    pub status: FigureStatus,
    pub prepared_by: String,
    pub prepared_at: DateTime<Utc>,
    pub reviewed_by: Option<String>,
    pub approved_by: Option<String>,
    pub return_note: Option<String>,
}

impl FigureRow {
    pub fn figure(&self) -> LocalFigure {
        LocalFigure {
            pack: self.pack.clone(),
            param: self.param.clone(),
            value: self.value,
            from: self.from,
            document: self.document.clone(),
            quote: self.quote.clone(),
            demo: self.demo,
        }
    }
}

type Raw = (
    i64,
    String,
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    bool,
    String,
    String,
    DateTime<Utc>,
    Option<String>,
    Option<String>,
    Option<String>,
);

const COLUMNS: &str = "id, pack_id, jurisdiction, param, value, from_date, document, quote, demo, status, \
                       prepared_by, prepared_at, reviewed_by, approved_by, return_note";

fn row(r: Raw) -> Result<FigureRow> {
    let bad = |what: &str| decode(format!("local_figures {}: {what}", r.0));
    Ok(FigureRow {
        id: r.0,
        pack: r.1.clone(),
        jurisdiction: r.2.clone(),
        param: r.3.clone(),
        value: r.4,
        from: r.5.parse().map_err(|_| bad("from_date"))?,
        document: r.6.clone(),
        quote: r.7.clone(),
        demo: r.8,
        status: FigureStatus::parse(&r.9).ok_or_else(|| bad("status"))?,
        prepared_by: r.10.clone(),
        prepared_at: r.11,
        reviewed_by: r.12.clone(),
        approved_by: r.13.clone(),
        return_note: r.14.clone(),
    })
}

fn decode(msg: String) -> StoreError {
    StoreError::Db(sqlx::Error::Decode(msg.into()))
}

fn invalid(field: &str, msg: impl Into<String>) -> StoreError {
    StoreError::Invalid(vec![FieldError::new(field, msg.into())])
}

impl Store {
    /// Prepares a figure (经办). The pack must govern a division within `scope` (any other is
    /// an unknown pack to this user); the figure must fill one the document leaves open.
    pub async fn propose_local_figure(
        &self,
        f: &LocalFigure,
        packs: &[Pack],
        role: Role,
        scope: &str,
        actor: &Actor,
    ) -> Result<i64> {
        if !role.may(Permission::BenefitPrepare) {
            return Err(StoreError::Forbidden(format!("{}无权设定本地标准", role.label())));
        }
        let Some(pack) = packs
            .iter()
            .find(|p| p.id == f.pack && p.jurisdiction.as_ref().is_some_and(|j| j.as_str().starts_with(scope)))
        else {
            return Err(invalid("pack", "没有这个政策包，或不在您的管辖范围内"));
        };
        if let Some(why) = refusal(packs, f) {
            return Err(invalid("param", why));
        }
        let jurisdiction = pack.jurisdiction.as_ref().expect("checked").as_str().to_string();
        let id: i64 = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO local_figures (pack_id, jurisdiction, param, value, from_date, document, quote, demo, status, prepared_by, prepared_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'prepared', $9, $10) RETURNING id")
                .bind(&f.pack).bind(&jurisdiction).bind(&f.param).bind(f.value).bind(f.from.to_string())
                .bind(&f.document).bind(&f.quote).bind(f.demo).bind(&actor.name).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("prepare", "local_figure", id,
                serde_json::json!({"pack": f.pack, "param": f.param, "value": f.value,
                                   "from": f.from.to_string(), "document": f.document}))).await?;
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// The figures of packs governing divisions within `scope`, newest first.
    pub async fn local_figures_in(&self, scope: &str) -> Result<Vec<FigureRow>> {
        let rows: Vec<Raw> = with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM local_figures WHERE jurisdiction LIKE $1 ORDER BY id DESC LIMIT 2000"))
            .bind(format!("{scope}%")).fetch_all(pool).await?);
        rows.into_iter().map(row).collect()
    }

    /// One figure, if its pack governs a division within `scope`.
    pub async fn local_figure_in(&self, id: i64, scope: &str) -> Result<Option<FigureRow>> {
        let r: Option<Raw> = with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM local_figures WHERE id = $1 AND jurisdiction LIKE $2"))
            .bind(id).bind(format!("{scope}%")).fetch_optional(pool).await?);
        r.map(row).transpose()
    }

    /// Takes a step on figure `id`: review and approval by two other people in their roles, a
    /// return with a note by either of them, a withdrawal by the preparer.
    pub async fn sign_local_figure(
        &self,
        id: i64,
        step: &FigureStep,
        user: &str,
        role: Role,
        scope: &str,
        actor: &Actor,
    ) -> Result<FigureStatus> {
        // A function the role lacks is refused before anything is looked up, so that the
        // answer never depends on whether the figure exists.
        let needs = match step {
            FigureStep::Review => role.may(Permission::BenefitReview),
            FigureStep::Approve => role.may(Permission::BenefitApprove),
            FigureStep::Return(_) => role.may(Permission::BenefitReview) || role.may(Permission::BenefitApprove),
            FigureStep::Withdraw => role.may(Permission::BenefitPrepare),
        };
        if !needs {
            return Err(StoreError::Forbidden(format!("{}无权办理本地标准", role.label())));
        }
        let fig = self.local_figure_in(id, scope).await?.ok_or(StoreError::NotFound)?;
        let (from, to, action): (&[FigureStatus], FigureStatus, &str) = match step {
            FigureStep::Review => {
                if !role.may(Permission::BenefitReview) {
                    return Err(StoreError::Forbidden(format!("{}无权审核本地标准", role.label())));
                }
                if fig.prepared_by == user {
                    return Err(StoreError::Refused("经办人不能审核自己设定的标准".into()));
                }
                (&[FigureStatus::Prepared], FigureStatus::Reviewed, "review")
            }
            FigureStep::Approve => {
                if !role.may(Permission::BenefitApprove) {
                    return Err(StoreError::Forbidden(format!("{}无权审批本地标准", role.label())));
                }
                if fig.prepared_by == user || fig.reviewed_by.as_deref() == Some(user) {
                    return Err(StoreError::Refused("经办人、审核人不能审批自己经手的标准".into()));
                }
                (&[FigureStatus::Reviewed], FigureStatus::Approved, "approve")
            }
            FigureStep::Return(note) => {
                if !(role.may(Permission::BenefitReview) || role.may(Permission::BenefitApprove)) {
                    return Err(StoreError::Forbidden(format!("{}无权退回本地标准", role.label())));
                }
                if note.trim().is_empty() {
                    return Err(invalid("note", "退回须写明原因"));
                }
                (
                    &[FigureStatus::Prepared, FigureStatus::Reviewed],
                    FigureStatus::Returned,
                    "return",
                )
            }
            FigureStep::Withdraw => {
                if fig.prepared_by != user {
                    return Err(StoreError::Forbidden("只有经办人可以撤回".into()));
                }
                (
                    &[FigureStatus::Prepared, FigureStatus::Reviewed, FigureStatus::Returned],
                    FigureStatus::Withdrawn,
                    "withdraw",
                )
            }
        };
        if !from.contains(&fig.status) {
            return Err(StoreError::Refused(format!(
                "该标准{}，不能这样办理",
                fig.status.label()
            )));
        }
        let note = match step {
            FigureStep::Return(n) => Some(n.trim().to_string()),
            _ => None,
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let at = now();
            let n = sqlx::query(
                "UPDATE local_figures SET status = $2, \
                 reviewed_by = CASE WHEN $2 = 'reviewed' THEN $3 ELSE reviewed_by END, \
                 reviewed_at = CASE WHEN $2 = 'reviewed' THEN $4 ELSE reviewed_at END, \
                 approved_by = CASE WHEN $2 = 'approved' THEN $3 ELSE approved_by END, \
                 approved_at = CASE WHEN $2 = 'approved' THEN $4 ELSE approved_at END, \
                 return_note = COALESCE($5, return_note) \
                 WHERE id = $1 AND status = $6")
                .bind(id).bind(to.code()).bind(user).bind(at).bind(&note).bind(fig.status.code())
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                // Someone else moved it in between.
                return Err(StoreError::Conflict);
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry(action, "local_figure", id,
                serde_json::json!({"pack": fig.pack, "param": fig.param, "value": fig.value, "note": note}))).await?;
            tx.commit().await?;
        });
        Ok(to)
    }

    /// Every approved figure, in the order approved (a later one for the same parameter and
    /// day replaces an earlier one).
    pub async fn approved_local_figures(&self) -> Result<Vec<LocalFigure>> {
        let rows: Vec<Raw> = with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM local_figures WHERE status = 'approved' ORDER BY approved_at, id"))
            .fetch_all(pool).await?);
        rows.into_iter().map(|r| row(r).map(|f| f.figure())).collect()
    }

    /// `base` with every approved local figure filled in: the packs in force. A figure that no
    /// longer fits its pack (the pack was replaced) is left out and logged, never applied.
    pub async fn packs_in_force(&self, base: &[Pack]) -> Result<Vec<Pack>> {
        let figures = self.approved_local_figures().await?;
        if figures.is_empty() {
            return Ok(base.to_vec());
        }
        let usable: Vec<LocalFigure> = figures
            .into_iter()
            .filter(|f| match refusal(base, f) {
                None => true,
                Some(why) => {
                    tracing::warn!(pack = %f.pack, param = %f.param, %why, "local figure not applied");
                    false
                }
            })
            .collect();
        yiyang_domain::policy::local_figures::apply_figures(base, &usable)
            .map_err(|e| decode(format!("local figures: {e:?}")))
    }

    /// The demo county's figures, entered as approved by the demo's three accounts and marked
    /// as demo (`policy-packs/demo-local-figures.toml`).
    pub(crate) async fn load_demo_figures(&self, actor: &Actor) -> Result<usize> {
        let packs = yiyang_domain::policy::shipped::packs();
        let figures = yiyang_domain::policy::local_figures::parse(
            &packs,
            "demo-local-figures.toml",
            yiyang_domain::policy::shipped::DEMO_FIGURES,
        )
        .map_err(|e| decode(format!("demo figures: {e:?}")))?;
        let mut n = 0;
        for f in &figures {
            let jurisdiction = packs
                .iter()
                .find(|p| p.id == f.pack)
                .and_then(|p| p.jurisdiction.as_ref())
                .map(|j| j.as_str().to_string())
                .unwrap_or_default();
            with_pool!(self, pool => {
                let mut tx = pool.begin_write().await?;
                let at = now();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO local_figures (pack_id, jurisdiction, param, value, from_date, document, quote, demo, status, \
                     prepared_by, prepared_at, reviewed_by, reviewed_at, approved_by, approved_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'approved', 'huichang', $9, 'shenhe', $9, 'shenpi', $9) RETURNING id")
                    .bind(&f.pack).bind(&jurisdiction).bind(&f.param).bind(f.value).bind(f.from.to_string())
                    .bind(&f.document).bind(&f.quote).bind(true).bind(at)
                    .fetch_one(&mut *tx).await?;
                (*tx).append_audit(&self.audit_keys(), &actor.entry("demo_figure", "local_figure", id,
                    serde_json::json!({"pack": f.pack, "param": f.param, "value": f.value}))).await?;
                tx.commit().await?;
            });
            n += 1;
        }
        Ok(n)
    }
}
