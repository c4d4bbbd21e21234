//! One inspection on a tablet: the batch's checklist with an outcome per item, recorded by one
//! assigned inspector and confirmed by the other; the institution's answer; publication. And
//! the hazard list: the unit reports its rectification, an inspector verifies it.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use yiyang_domain::person::FieldError;
use yiyang_domain::role::Permission;
use yiyang_domain::supervision::inspection::{InspectionStatus, Outcome};
use yiyang_domain::supervision::object::ObjectRef;
use yiyang_store::supervision::{Finding, Hazard, Inspection, InspectionItem, RecordInput, Viewer};
use yiyang_store::StoreError;

use super::viewer;
use crate::access::{perm, Can, InScope, NoFields, Submitted};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::pages::{render, Layout};
use crate::security::{flashed, Flash, Flashed};
use crate::AppState;

#[derive(Template)]
#[template(path = "supervision_inspection.html")]
struct InspectionPage {
    layout: Layout,
    message: String,
    n: Inspection,
    items: Vec<InspectionItem>,
    findings: Vec<Finding>,
    hazards: Vec<Hazard>,
    outcomes: Vec<(&'static str, &'static str)>,
    /// The signed-in inspector may record (first signature) or confirm (second).
    can_record: bool,
    can_confirm: bool,
    can_publish: bool,
    can_respond: bool,
    errors: Vec<FieldError>,
    input: RecordInput,
    /// Account → register name, to show who signed.
    names: Vec<(String, String)>,
    photos: Vec<yiyang_store::supervision::photos::Photo>,
}

impl InspectionPage {
    fn status(&self) -> &'static str {
        self.n.status().label()
    }
    fn error(&self, field: &str) -> String {
        crate::pages::field_error(&self.errors, field)
    }
    fn outcome_of(&self, item: &i64) -> String {
        self.input
            .findings
            .iter()
            .find(|f| f.0 == *item)
            .map(|f| f.1.clone())
            .unwrap_or_default()
    }
    fn note_of(&self, item: &i64) -> String {
        self.input
            .findings
            .iter()
            .find(|f| f.0 == *item)
            .map(|f| f.2.clone())
            .unwrap_or_default()
    }
    fn finding_label(&self, item: &i64) -> &'static str {
        self.findings
            .iter()
            .find(|f| f.item_id == *item)
            .and_then(|f| Outcome::parse(&f.outcome))
            .map_or("", |o| o.label())
    }
    fn finding_problem(&self, item: &i64) -> bool {
        self.findings
            .iter()
            .find(|f| f.item_id == *item)
            .and_then(|f| Outcome::parse(&f.outcome))
            .is_some_and(|o| o.is_problem())
    }
    fn finding_note(&self, item: &i64) -> String {
        self.findings
            .iter()
            .find(|f| f.item_id == *item)
            .and_then(|f| f.note.clone())
            .unwrap_or_default()
    }
    fn who(&self, account: &Option<String>) -> String {
        let Some(a) = account else { return String::new() };
        self.names
            .iter()
            .find(|(u, _)| u == a)
            .map_or_else(|| a.clone(), |(_, n)| n.clone())
    }
    fn shown(&self) -> bool {
        self.n.status() != InspectionStatus::Pending
    }
}

async fn inspection_page(
    state: &AppState,
    user: &CurrentUser,
    n: Inspection,
    message: String,
    errors: Vec<FieldError>,
    input: Option<RecordInput>,
) -> Result<Html<String>, AppError> {
    let v = viewer(state, user).await?;
    let me = user.session.user.username.clone();
    let assigned = matches!(v, Viewer::Inspector(x) if n.assigned(x));
    let status = n.status();
    let findings = state.store.findings(n.id).await?;
    let input = input.unwrap_or_else(|| RecordInput {
        inspected_on: n.inspected_on.unwrap_or_else(|| state.clock().today()).to_string(),
        summary: n.summary.clone().unwrap_or_default(),
        responsible: n.responsible.clone().unwrap_or_default(),
        findings: findings
            .iter()
            .map(|f| (f.item_id, f.outcome.clone(), f.note.clone().unwrap_or_default()))
            .collect(),
    });
    let hazards = state
        .store
        .hazards_visible(user.scope(), &v, state.clock().today())
        .await?
        .into_iter()
        .filter(|h| h.inspection_id == Some(n.id))
        .collect();
    let names = state
        .store
        .inspectors_in(user.scope())
        .await?
        .into_iter()
        .filter_map(|x| x.username.map(|u| (u, x.name)))
        .collect();
    render(&InspectionPage {
        layout: Layout::new(state, user, format!("检查：{}", n.object_name), "supervision"),
        message,
        items: state.store.batch_items(n.batch_id).await?,
        findings,
        hazards,
        outcomes: Outcome::ALL.iter().map(|o| (o.code(), o.label())).collect(),
        can_record: assigned
            && (status == InspectionStatus::Pending
                || (status == InspectionStatus::Recorded && n.recorded_by.as_deref() == Some(me.as_str()))),
        can_confirm: assigned && status == InspectionStatus::Recorded && n.recorded_by.as_deref() != Some(me.as_str()),
        can_publish: user.may(Permission::SupervisionPlan) && status == InspectionStatus::Confirmed,
        can_respond: user.may(Permission::HazardRectify) && matches!(v, Viewer::Institution(_) | Viewer::Provider(_)),
        errors,
        input,
        names,
        photos: state.store.inspection_photos(n.id).await?,
        n,
    })
}

pub async fn show(
    State(state): State<AppState>,
    InScope { user, item }: InScope<Inspection>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    inspection_page(&state, &user, item, flash.0, Vec::new(), None).await
}

/// The inspector's register id, or 403 for an account that is not on the register.
async fn inspector_id(state: &AppState, user: &CurrentUser) -> Result<i64, AppError> {
    user.require(Permission::InspectionWrite)?;
    match viewer(state, user).await? {
        Viewer::Inspector(x) => Ok(x),
        _ => Err(AppError::Forbidden),
    }
}

pub async fn record(
    State(state): State<AppState>,
    InScope { item, .. }: InScope<Inspection>,
    Submitted { user, form }: Submitted<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let me = inspector_id(&state, &user).await?;
    let mut input = RecordInput::default();
    let mut notes = Vec::new();
    for (k, v) in form {
        match k.as_str() {
            "inspected_on" => input.inspected_on = v,
            "summary" => input.summary = v,
            "responsible" => input.responsible = v,
            _ => {
                if let Some(id) = k.strip_prefix("outcome_").and_then(|i| i.parse::<i64>().ok()) {
                    input.findings.push((id, v, String::new()));
                } else if let Some(id) = k.strip_prefix("note_").and_then(|i| i.parse::<i64>().ok()) {
                    notes.push((id, v));
                }
            }
        }
    }
    for (id, note) in notes {
        if let Some(f) = input.findings.iter_mut().find(|f| f.0 == id) {
            f.2 = note;
        }
    }
    match state
        .store
        .record_inspection(item.id, &input, user.scope(), me, &user.actor("web"))
        .await
    {
        Ok(()) => Ok(flashed(
            format!("/supervision/inspections/{}", item.id),
            "检查记录已保存并签字，待另一名检查人员确认",
        )
        .into_response()),
        Err(StoreError::Invalid(errors)) => {
            let page = inspection_page(&state, &user, item, String::new(), errors, Some(input)).await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn confirm(
    State(state): State<AppState>,
    InScope { item, .. }: InScope<Inspection>,
    Submitted { user, .. }: Submitted<NoFields>,
) -> Result<Flashed, AppError> {
    let me = inspector_id(&state, &user).await?;
    let n = state
        .store
        .confirm_inspection(item.id, user.scope(), me, &user.actor("web"))
        .await?;
    let msg = if n == 0 {
        "已确认签字；未发现问题".to_string()
    } else {
        format!("已确认签字；{n} 个问题已列入隐患清单，限期整改")
    };
    Ok(flashed(format!("/supervision/inspections/{}", item.id), msg))
}

pub async fn publish(
    State(state): State<AppState>,
    InScope { item, .. }: InScope<Inspection>,
    Submitted { user, .. }: Submitted<NoFields>,
) -> Result<Flashed, AppError> {
    user.require(Permission::SupervisionPlan)?;
    state
        .store
        .publish_inspection(item.id, user.scope(), &user.actor("web"))
        .await?;
    Ok(flashed(
        format!("/supervision/inspections/{}", item.id),
        "检查结果已在公示页面公开",
    ))
}

#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

pub async fn respond(
    State(state): State<AppState>,
    InScope { item, .. }: InScope<Inspection>,
    Submitted { user, form }: Submitted<TextForm>,
) -> Result<Flashed, AppError> {
    user.require(Permission::HazardRectify)?;
    let v = viewer(&state, &user).await?;
    if !matches!(v, Viewer::Institution(_) | Viewer::Provider(_)) {
        return Err(AppError::Forbidden);
    }
    state
        .store
        .respond_to_inspection(item.id, user.scope(), &v, &form.text, &user.actor("web"))
        .await?;
    Ok(flashed(format!("/supervision/inspections/{}", item.id), "回复已提交"))
}

/// The list narrowed to one area under the user's (a township of the county) or to one object
/// (the lists per division and per unit the three lists are kept as). Anything outside the
/// user's scope, or not an object's key, narrows nothing.
#[derive(Debug, Default, Deserialize)]
pub struct HazardFilter {
    #[serde(default)]
    area: String,
    #[serde(default)]
    object: String,
}

impl HazardFilter {
    fn apply(&self, scope: &str, hazards: Vec<Hazard>) -> Vec<Hazard> {
        let area = Some(self.area.trim()).filter(|a| !a.is_empty() && a.starts_with(scope));
        let object = ObjectRef::parse(&self.object);
        hazards
            .into_iter()
            .filter(|h| area.is_none_or(|a| h.division.starts_with(a)))
            .filter(|h| object.is_none_or(|o| h.object() == o))
            .collect()
    }
    /// The query that keeps the filter (for the export link).
    fn query(&self) -> String {
        let mut q = Vec::new();
        if !self.area.trim().is_empty() {
            q.push(format!("area={}", self.area.trim()));
        }
        if ObjectRef::parse(&self.object).is_some() {
            q.push(format!("object={}", self.object.trim()));
        }
        if q.is_empty() {
            String::new()
        } else {
            format!("?{}", q.join("&"))
        }
    }
}

#[derive(Template)]
#[template(path = "supervision_hazards.html")]
struct HazardsPage {
    layout: Layout,
    message: String,
    hazards: Vec<Hazard>,
    /// The areas directly under the user's scope: (code, name).
    areas: Vec<(String, String)>,
    /// The objects with hazards the user sees: (key, name).
    objects: Vec<(String, String)>,
    filter: HazardFilter,
    can_rectify: bool,
    can_verify: bool,
}

pub async fn hazards(
    State(state): State<AppState>,
    user: Can<perm::SupervisionRead>,
    Query(filter): Query<HazardFilter>,
    flash: Flash,
) -> Result<Html<String>, AppError> {
    let v = viewer(&state, &user).await?;
    let all = state
        .store
        .hazards_visible(user.scope(), &v, state.clock().today())
        .await?;
    let mut objects: Vec<(String, String)> = Vec::new();
    for h in &all {
        let key = h.object().to_string();
        if !objects.iter().any(|(k, _)| *k == key) {
            objects.push((key, h.object_name.clone()));
        }
    }
    objects.sort_by(|a, b| a.1.cmp(&b.1));
    render(&HazardsPage {
        layout: Layout::new(&state, &user, "隐患、整改和责任清单", "supervision"),
        message: flash.0,
        hazards: filter.apply(user.scope(), all),
        areas: state.store.reference().children(user.scope()),
        objects,
        filter,
        can_rectify: user.may(Permission::HazardRectify),
        can_verify: user.may(Permission::InspectionWrite),
    })
}

pub async fn rectify(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<TextForm>,
) -> Result<Flashed, AppError> {
    user.require(Permission::HazardRectify)?;
    let v = viewer(&state, &user).await?;
    state
        .store
        .rectify_hazard(id, user.scope(), &v, &form.text, &user.actor("web"))
        .await?;
    Ok(flashed("/supervision/hazards", "整改情况已报告，待检查人员核验"))
}

#[derive(Deserialize)]
pub struct VerifyForm {
    #[serde(default)]
    accept: String,
}

pub async fn verify(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Submitted { user, form }: Submitted<VerifyForm>,
) -> Result<Flashed, AppError> {
    inspector_id(&state, &user).await?;
    let accept = form.accept == "1";
    state
        .store
        .verify_hazard(id, user.scope(), accept, &user.actor("web"))
        .await?;
    Ok(flashed(
        "/supervision/hazards",
        if accept {
            "已核验销号"
        } else {
            "核验未通过，隐患重新列为整改中"
        },
    ))
}

/// The hazard list as the user sees it (隐患、整改和责任清单), as .xlsx: one row per hazard with
/// its unit, category, severity, responsible person, deadline, escalation and status. Text
/// cells go through `cell_text` so that a description cannot become a formula.
pub async fn hazards_export(
    State(state): State<AppState>,
    user: Can<perm::SupervisionRead>,
    Query(filter): Query<HazardFilter>,
) -> Result<Response, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    use yiyang_store::disbursement::cell_text;
    let v = viewer(&state, &user).await?;
    let hazards = filter.apply(
        user.scope(),
        state
            .store
            .hazards_visible(user.scope(), &v, state.clock().today())
            .await?,
    );
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold();
    let headers = [
        "检查对象",
        "对象类别",
        "类别",
        "程度",
        "问题",
        "责任单位",
        "责任人",
        "整改期限",
        "逾期",
        "状态",
        "整改情况",
    ];
    let xlsx = |e: rust_xlsxwriter::XlsxError| {
        tracing::error!(error = %e, "xlsx");
        AppError::Internal
    };
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx)?;
    }
    for (i, h) in hazards.iter().enumerate() {
        let cells = [
            h.object_name.clone(),
            h.kind_label().to_string(),
            h.category_label().to_string(),
            h.severity_label().to_string(),
            h.description.clone(),
            h.responsible_unit.clone(),
            h.responsible_person.clone(),
            h.deadline.to_string(),
            h.escalation_label().to_string(),
            h.status().label().to_string(),
            h.evidence.clone().unwrap_or_default(),
        ];
        for (c, text) in cells.iter().enumerate() {
            ws.write_string(i as u32 + 1, c as u16, cell_text(text)).map_err(xlsx)?;
        }
    }
    let bytes = wb.save_to_buffer().map_err(xlsx)?;
    let name = format!(
        "隐患整改责任清单-{}-{}.xlsx",
        crate::pages::download::area_name(&state, user.scope()),
        state.clock().today().format("%Y%m%d")
    );
    Ok(crate::pages::download::xlsx_download(&name, bytes))
}

/// A photo taken on the inspection (multipart: `_csrf` and one file), by an assigned inspector.
pub async fn add_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    form: axum::extract::Multipart,
) -> Result<Flashed, AppError> {
    let upload = crate::pages::imports::read_upload(form).await?;
    user.check_csrf(&upload.field("_csrf"))?;
    let me = inspector_id(&state, &user).await?;
    let Some((_, bytes)) = upload.file.filter(|(_, b)| !b.is_empty()) else {
        return Err(AppError::BadRequest("请选择照片".into()));
    };
    let sha = state
        .store
        .add_inspection_photo(id, &bytes, user.scope(), me, &user.actor("web"))
        .await?;
    Ok(flashed(
        format!("/supervision/inspections/{id}"),
        format!("照片已保存（SHA-256 {}…）", &sha[..16]),
    ))
}

/// One photo of an inspection the user may see; otherwise as an unknown id.
pub async fn photo(
    State(state): State<AppState>,
    InScope { item, .. }: InScope<Inspection>,
    Path((_, photo)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    let (kind, bytes) = state
        .store
        .inspection_photo(item.id, photo)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(crate::pages::photo_response(kind, bytes))
}
