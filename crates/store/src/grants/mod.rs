//! The grants outside the monthly run — construction subsidies per bed, facility subsidies,
//! staff incentives — pass through the same hands as a run: prepared by the benefit clerk
//! (经办, when granted on the institution or facility page), reviewed (审核) and approved (审批)
//! by two other people in their roles, then exported for payment once. The three kinds keep
//! their own tables (each is what makes one bed, period or person paid once); this module
//! reads and signs them together, a payee at a time.

pub mod items;

use chrono::{DateTime, Utc};
use serde::Serialize;
use yiyang_domain::role::{Permission, Role};

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// (code, label, grant table, owner column, owner table)
pub(crate) const KINDS: [(&str, &str, &str, &str, &str); 3] = [
    (
        "construction",
        "护理型床位建设补助",
        "bed_subsidies",
        "institution_id",
        "institutions",
    ),
    (
        "facility",
        "养老服务设施补助",
        "facility_subsidies",
        "facility_id",
        "facilities",
    ),
    ("staff", "人才补贴", "staff_awards", "institution_id", "institutions"),
];

pub fn kind_label(code: &str) -> &'static str {
    KINDS.iter().find(|k| k.0 == code).map_or("", |k| k.1)
}

pub fn status_label(code: &str) -> &'static str {
    match code {
        "prepared" => "待审核",
        "reviewed" => "已审核，待审批",
        "approved" => "已审批，待拨付",
        "exported" => "已导出拨付",
        "rejected" => "已驳回，不予补助",
        _ => "",
    }
}

/// The grants of one kind to one payee in one state, prepared by one person.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct GrantGroup {
    pub kind: String,
    pub owner_id: i64,
    pub payee_code: String,
    pub payee_name: String,
    pub division: String,
    pub status: String,
    pub prepared_by: String,
    pub reviewed_by: Option<String>,
    pub approved_by: Option<String>,
    pub items: i64,
    pub amount_fen: i64,
    pub clause: String,
    pub first_at: DateTime<Utc>,
}

impl GrantGroup {
    pub fn kind_label(&self) -> &'static str {
        kind_label(&self.kind)
    }
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }
}

impl Store {
    /// Every grant group whose payee lies in `scope`: open ones first, then by division.
    pub async fn grant_groups(&self, scope: &str) -> Result<Vec<GrantGroup>> {
        let (lo, hi) = scope_range(scope);
        let mut out: Vec<GrantGroup> = Vec::new();
        for (code, _, table, owner, owners) in KINDS {
            let sql = format!(
                "SELECT '{code}' AS kind, o.id AS owner_id, o.code AS payee_code, o.name AS payee_name, o.division, \
                 s.status, s.granted_by AS prepared_by, s.reviewed_by, s.approved_by, COUNT(*) AS items, \
                 CAST(SUM(s.amount_fen) AS BIGINT) AS amount_fen, MIN(s.clause) AS clause, MIN(s.granted_at) AS first_at \
                 FROM {table} s JOIN {owners} o ON o.id = s.{owner} WHERE o.division >= $1 AND o.division < $2 \
                 GROUP BY o.id, o.code, o.name, o.division, s.status, s.granted_by, s.reviewed_by, s.approved_by"
            );
            let mut rows: Vec<GrantGroup> =
                with_pool!(self, pool => sqlx::query_as(&sql).bind(&lo).bind(&hi).fetch_all(pool).await?);
            out.append(&mut rows);
        }
        let rank = |s: &str| {
            ["prepared", "reviewed", "approved", "exported", "rejected"]
                .iter()
                .position(|x| *x == s)
        };
        out.sort_by(|a, b| {
            (rank(&a.status), &a.division, &a.payee_code, &a.kind, a.first_at).cmp(&(
                rank(&b.status),
                &b.division,
                &b.payee_code,
                &b.kind,
                b.first_at,
            ))
        });
        Ok(out)
    }

    /// 审核 (`to` = `reviewed`) or 审批 (`approved`) every grant of `kind` to `owner` waiting for
    /// that step, except those the signer prepared (or, to approve, reviewed), if they are still
    /// what the signer saw (`seen`: the group's [`Store::grant_digest`] on the page they
    /// checked). Returns how many grants were signed.
    #[allow(clippy::too_many_arguments)]
    pub async fn sign_grants(
        &self,
        kind: &str,
        owner_id: i64,
        to: &str,
        seen: &str,
        user: &str,
        role: Role,
        scope: &str,
        actor: &Actor,
    ) -> Result<i64> {
        let (_, label, table, owner, owners) = KINDS
            .iter()
            .find(|k| k.0 == kind)
            .ok_or_else(|| StoreError::Refused(format!("未知的补助类别 {kind}")))?;
        let (from, permission, verb, by, at) = match to {
            "reviewed" => (
                "prepared",
                Permission::BenefitReview,
                "审核",
                "reviewed_by",
                "reviewed_at",
            ),
            "approved" => (
                "reviewed",
                Permission::BenefitApprove,
                "审批",
                "approved_by",
                "approved_at",
            ),
            _ => return Err(StoreError::Refused(format!("未知的步骤 {to}"))),
        };
        if !role.may(permission) {
            return Err(StoreError::Forbidden(format!("{}无权{verb}补助", role.label())));
        }
        let (lo, hi) = scope_range(scope);
        let in_scope: i64 = with_pool!(self, pool => sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {owners} WHERE id = $1 AND division >= $2 AND division < $3"))
            .bind(owner_id).bind(&lo).bind(&hi).fetch_one(pool).await?);
        if in_scope == 0 {
            return Err(StoreError::NotFound);
        }
        let (waiting, own): (i64, i64) = with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN granted_by = $3 OR COALESCE(reviewed_by, '') = $3 THEN 1 ELSE 0 END), 0) \
             FROM {table} WHERE {owner} = $1 AND status = $2"))
            .bind(owner_id).bind(from).bind(user).fetch_one(pool).await?);
        if waiting == 0 {
            return Err(StoreError::Refused(format!("没有待{verb}的{label}")));
        }
        if own == waiting {
            return Err(StoreError::Refused(format!("经办人、审核人不能{verb}自己经手的补助")));
        }
        if self.grant_digest(kind, owner_id, from).await? != seen {
            return Err(StoreError::Refused(
                "补助明细在您查看之后有变动，请刷新明细页重新核对后再办理".into(),
            ));
        }
        let n = with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let n = sqlx::query(&format!(
                "UPDATE {table} SET status = $3, {by} = $4, {at} = $5 WHERE {owner} = $1 AND status = $2 \
                 AND granted_by <> $4 AND COALESCE(reviewed_by, '') <> $4"))
                .bind(owner_id).bind(from).bind(to).bind(user).bind(now())
                .execute(&mut *tx).await?.rows_affected() as i64;
            (*tx).append_audit(&self.audit_keys(), &actor.entry(to, "grant", format!("{kind}:{owner_id}"),
                serde_json::json!({"kind": kind, "owner": owner_id, "grants": n}))).await?;
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// The payment list of every approved grant in `scope` not exported yet, as an .xlsx
    /// workbook (one line per payee and kind, with a total), and marks them exported. Only
    /// an approver may export; a second export holds only what was approved since.
    pub async fn export_grants(&self, scope: &str, user: &str, role: Role, actor: &Actor) -> Result<Vec<u8>> {
        if !role.may(Permission::BenefitApprove) {
            return Err(StoreError::Forbidden(format!("{}无权导出拨付清单", role.label())));
        }
        let groups: Vec<GrantGroup> = self
            .grant_groups(scope)
            .await?
            .into_iter()
            .filter(|g| g.status == "approved")
            .collect();
        if groups.is_empty() {
            return Err(StoreError::Refused("没有已审批待拨付的补助".into()));
        }
        let bytes = grants_workbook(&groups, &self.user_names(), &self.reference())
            .map_err(|e| StoreError::File(e.to_string()))?;
        let (lo, hi) = scope_range(scope);
        let at = now();
        let total: i64 = groups.iter().map(|g| g.amount_fen).sum();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (_, _, table, owner, owners) in KINDS {
                sqlx::query(&format!(
                    "UPDATE {table} SET status = 'exported', exported_at = $3 WHERE status = 'approved' AND {owner} IN \
                     (SELECT id FROM {owners} WHERE division >= $1 AND division < $2)"))
                    .bind(&lo).bind(&hi).bind(at).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("export", "grant", scope,
                serde_json::json!({"payees": groups.len(), "total_fen": total, "by": user}))).await?;
            tx.commit().await?;
        });
        Ok(bytes)
    }
}

/// The payment list of approved one-off grants: the county and the signers by name, amounts
/// as numbers (so SUM works), text made inert.
fn grants_workbook(
    groups: &[GrantGroup],
    names: &crate::users::UserNames,
    reference: &crate::RefData,
) -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use crate::disbursement::cell_text;
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    let ws = wb.add_worksheet().set_name("补助拨付清单")?;
    let header = [
        "序号",
        "区县",
        "类别",
        "收款单位编号",
        "收款单位",
        "项数",
        "金额（元）",
        "金额（分）",
        "依据",
        "经办",
        "审核",
        "审批",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold)?;
    }
    let mut total = 0i64;
    for (i, g) in groups.iter().enumerate() {
        let r = (i + 1) as u32;
        total += g.amount_fen;
        let county: String = g.division.chars().take(6).collect();
        ws.write_number(r, 0, (i + 1) as f64)?;
        ws.write_string(r, 1, reference.division_name(&county).unwrap_or(&county))?;
        ws.write_string(r, 2, g.kind_label())?;
        ws.write_string(r, 3, cell_text(&g.payee_code))?;
        ws.write_string(r, 4, cell_text(&g.payee_name))?;
        ws.write_number(r, 5, g.items as f64)?;
        ws.write_number_with_format(r, 6, g.amount_fen as f64 / 100.0, &money)?;
        ws.write_number(r, 7, g.amount_fen as f64)?;
        ws.write_string(r, 8, cell_text(&g.clause))?;
        ws.write_string(r, 9, cell_text(&names.of(&g.prepared_by)))?;
        ws.write_string(
            r,
            10,
            cell_text(&g.reviewed_by.as_deref().map(|u| names.of(u)).unwrap_or_default()),
        )?;
        ws.write_string(
            r,
            11,
            cell_text(&g.approved_by.as_deref().map(|u| names.of(u)).unwrap_or_default()),
        )?;
    }
    let r = (groups.len() + 1) as u32;
    ws.write_with_format(r, 0, "合计", &bold)?;
    ws.write_number_with_format(r, 6, total as f64 / 100.0, &money)?;
    ws.write_number(r, 7, total as f64)?;
    ws.set_column_width(4, 28)?;
    ws.set_column_width(8, 40)?;
    wb.save_to_buffer()
}
