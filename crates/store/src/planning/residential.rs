//! The register of residential projects and their care premises (配建养老服务设施), through
//! "四同步": civil affairs signs each step, and the domain refuses to pass a step while the
//! premises fall short of the standard of the pack governing the project's division
//! (`domain::planning::residential`). Read and written within the user's scope only; a
//! project elsewhere is answered exactly as an unknown one.

use chrono::NaiveDate;
use yiyang_domain::person::FieldError;
use yiyang_domain::planning::residential::{
    may_sign, requirement, shortfalls, Outcome, ProjectKind, Requirement, Shortfall, Sites, Stage,
};
use yiyang_domain::policy::Pack;

use crate::audit::{Actor, AuditAppend};
use crate::institutions::optional_date;
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

/// Most households a project may have (a whole new town is still below this).
const HOUSEHOLDS_MAX: u32 = 1_000_000;

/// A project as typed on the form.
#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    pub division: String,
    pub name: String,
    pub developer: String,
    pub kind: String,
    pub households: String,
    /// The premises in the plan: one area per site.
    pub sites: String,
}

/// A step as signed on the form.
#[derive(Debug, Clone, Default)]
pub struct StepInput {
    pub step: String,
    pub outcome: String,
    /// The premises as found at this step; blank keeps those on record.
    pub sites: String,
    pub on_date: String,
    pub note: String,
    /// At 交付: the facility the premises were registered as (optional).
    pub facility_id: String,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    division: String,
    name: String,
    developer: String,
    kind: String,
    households: i64,
    sites: String,
    stage: String,
    accepted_on: Option<NaiveDate>,
    delivered_on: Option<NaiveDate>,
    facility_id: Option<i64>,
}

/// A project with the standard it is judged by and what its premises lack.
#[derive(Debug, Clone)]
pub struct Project {
    pub id: i64,
    pub division: String,
    pub name: String,
    pub developer: String,
    pub kind: ProjectKind,
    pub households: u32,
    pub sites: Sites,
    pub stage: Stage,
    pub accepted_on: Option<NaiveDate>,
    pub delivered_on: Option<NaiveDate>,
    pub facility_id: Option<i64>,
    pub requirement: Option<Requirement>,
    pub shortfalls: Vec<Shortfall>,
}

impl Project {
    fn of(r: Row, packs: &[Pack]) -> Option<Project> {
        let kind = ProjectKind::parse(&r.kind)?;
        let households = u32::try_from(r.households).ok()?;
        let sites = Sites::from_db(&r.sites);
        let req = requirement(packs, &r.division, kind);
        Some(Project {
            shortfalls: shortfalls(req.as_ref(), households, &sites),
            requirement: req,
            id: r.id,
            division: r.division,
            name: r.name,
            developer: r.developer,
            kind,
            households,
            sites,
            stage: Stage::parse(&r.stage)?,
            accepted_on: r.accepted_on,
            delivered_on: r.delivered_on,
            facility_id: r.facility_id,
        })
    }

    /// The area the households ask for, in words (无标准 where no pack sets one).
    pub fn required_text(&self) -> String {
        match &self.requirement {
            Some(r) => {
                yiyang_domain::planning::residential::Area::per_households(self.households, r.per_100_households)
                    .to_string()
            }
            None => "所在地政策未规定".into(),
        }
    }

    /// Counted by `new_residential_compliance` on `as_of`: a new area accepted by then; and
    /// whether its premises meet the standard and were handed over by then.
    pub fn compliance_on(&self, as_of: NaiveDate) -> Option<bool> {
        if self.kind != ProjectKind::New || self.accepted_on.is_none_or(|d| d > as_of) {
            return None;
        }
        Some(self.shortfalls.is_empty() && self.delivered_on.is_some_and(|d| d <= as_of))
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StepRow {
    pub step: String,
    pub outcome: String,
    pub sites: String,
    pub on_date: NaiveDate,
    pub note: String,
    pub signed_by: String,
}

impl StepRow {
    pub fn step_label(&self) -> &'static str {
        Stage::parse(&self.step).map_or("", Stage::label)
    }
    pub fn outcome_label(&self) -> &'static str {
        Outcome::parse(&self.outcome).map_or("", Outcome::label)
    }
    pub fn sites_text(&self) -> String {
        Sites::from_db(&self.sites).describe()
    }
}

const COLUMNS: &str =
    "id, division, name, developer, kind, households, sites, stage, accepted_on, delivered_on, facility_id";

impl Store {
    /// Registers a project in `scope`.
    pub async fn create_residential_project(&self, input: &ProjectInput, scope: &str, actor: &Actor) -> Result<i64> {
        let mut errors = Vec::new();
        let name = input.name.trim();
        if name.is_empty() {
            errors.push(FieldError::new("name", "请填写项目名称"));
        }
        errors.extend(yiyang_domain::text::too_long(
            "name",
            "项目名称",
            name,
            yiyang_domain::text::NAME_MAX,
        ));
        let developer = input.developer.trim();
        errors.extend(yiyang_domain::text::too_long(
            "developer",
            "建设单位",
            developer,
            yiyang_domain::text::NAME_MAX,
        ));
        let kind = ProjectKind::parse(input.kind.trim());
        if kind.is_none() {
            errors.push(FieldError::new("kind", "请选择新建居住区或已建成居住区"));
        }
        let households = input
            .households
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=HOUSEHOLDS_MAX).contains(n));
        if households.is_none() {
            errors.push(FieldError::new(
                "households",
                format!("户数应为 1 至 {HOUSEHOLDS_MAX} 的整数"),
            ));
        }
        let sites = Sites::parse(&input.sites)
            .map_err(|e| errors.push(FieldError::new("sites", e)))
            .ok();
        let division = self.division_in_scope(&input.division, scope, &mut errors);
        let (Some(kind), Some(households), Some(sites), Some(division), true) =
            (kind, households, sites, division, errors.is_empty())
        else {
            return Err(StoreError::Invalid(errors));
        };
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO residential_projects (division, name, developer, kind, households, sites, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id")
                .bind(division.as_str()).bind(name).bind(developer).bind(kind.code()).bind(households as i64)
                .bind(sites.to_db()).bind(&actor.name).bind(now())
                .fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "residential_project", id,
                serde_json::json!({"name": name, "division": division.as_str(), "kind": kind.code(),
                                   "households": households, "sites": sites.to_db()}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The projects in `scope`, those still in progress first.
    pub async fn residential_projects(&self, scope: &str, packs: &[Pack]) -> Result<Vec<Project>> {
        let (lo, hi) = scope_range(scope);
        let rows: Vec<Row> = with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM residential_projects WHERE division >= $1 AND division < $2 ORDER BY id"))
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        let mut out: Vec<Project> = rows.into_iter().filter_map(|r| Project::of(r, packs)).collect();
        out.sort_by_key(|p| (p.stage == Stage::Delivered, std::cmp::Reverse(p.id)));
        Ok(out)
    }

    /// One project in `scope` with its signed steps, oldest first; `None` when unknown or elsewhere.
    pub async fn residential_project(
        &self,
        id: i64,
        scope: &str,
        packs: &[Pack],
    ) -> Result<Option<(Project, Vec<StepRow>)>> {
        let (lo, hi) = scope_range(scope);
        let row: Option<Row> = with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM residential_projects WHERE id = $1 AND division >= $2 AND division < $3"))
            .bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?);
        let Some(project) = row.and_then(|r| Project::of(r, packs)) else {
            return Ok(None);
        };
        let steps: Vec<StepRow> = with_pool!(self, pool => sqlx::query_as(
            "SELECT step, outcome, sites, on_date, note, signed_by FROM residential_project_steps WHERE project_id = $1 ORDER BY id")
            .bind(id).fetch_all(pool).await?);
        Ok(Some((project, steps)))
    }

    /// Signs the next step of a project in `scope`: recorded whether approved or refused, with
    /// the premises as found (which become the project's); an approval moves the project on,
    /// and is refused while the premises fall short.
    pub async fn sign_residential_step(
        &self,
        id: i64,
        input: &StepInput,
        scope: &str,
        packs: &[Pack],
        actor: &Actor,
    ) -> Result<Stage> {
        let Some((project, _)) = self.residential_project(id, scope, packs).await? else {
            return Err(StoreError::NotFound);
        };
        let mut errors = Vec::new();
        let step = Stage::parse(input.step.trim()).filter(|s| *s != Stage::Registered);
        if step.is_none() {
            errors.push(FieldError::new("step", "请选择环节"));
        }
        let outcome = Outcome::parse(input.outcome.trim());
        if outcome.is_none() {
            errors.push(FieldError::new("outcome", "请选择同意或不同意"));
        }
        let sites = match input.sites.trim() {
            "" => Some(project.sites.clone()),
            s => Sites::parse(s)
                .map_err(|e| errors.push(FieldError::new("sites", e)))
                .ok(),
        };
        let today = self.clock.today();
        let on_date = optional_date("on_date", &input.on_date, &mut errors).unwrap_or(today);
        if on_date > today {
            errors.push(FieldError::new("on_date", "日期晚于今天"));
        }
        let note = input.note.trim();
        errors.extend(yiyang_domain::text::too_long("note", "意见", note, 500));
        let facility = match input.facility_id.trim() {
            "" => None,
            f => match f.parse::<i64>() {
                Ok(f)
                    if self
                        .handover_facility_ok(f, &project.division[..6.min(project.division.len())], scope)
                        .await? =>
                {
                    Some(f)
                }
                _ => {
                    errors.push(FieldError::new(
                        "facility_id",
                        "所选设施不在本县（市、区）或您的管辖范围内",
                    ));
                    None
                }
            },
        };
        let (Some(step), Some(outcome), Some(sites), true) = (step, outcome, sites, errors.is_empty()) else {
            return Err(StoreError::Invalid(errors));
        };
        let short = shortfalls(project.requirement.as_ref(), project.households, &sites);
        may_sign(project.stage, step, outcome, &short, note).map_err(StoreError::Refused)?;
        let approved = outcome == Outcome::Approved;
        let stamp = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // The stage read above must still hold: two clerks signing at once sign one step once.
            let moved = sqlx::query(
                "UPDATE residential_projects SET updated_at = $1, \
                 stage = CASE WHEN $2 THEN $3 ELSE stage END, \
                 sites = $4, \
                 accepted_on = CASE WHEN $2 AND $3 = 'accepted' THEN $5 ELSE accepted_on END, \
                 delivered_on = CASE WHEN $2 AND $3 = 'delivered' THEN $5 ELSE delivered_on END, \
                 facility_id = CASE WHEN $2 AND $3 = 'delivered' THEN $6 ELSE facility_id END \
                 WHERE id = $7 AND stage = $8")
                .bind(stamp).bind(approved).bind(step.code()).bind(sites.to_db()).bind(on_date).bind(facility)
                .bind(id).bind(project.stage.code())
                .execute(&mut *tx).await?
                .rows_affected();
            if moved != 1 {
                return Err(StoreError::Refused("该项目的环节刚被他人签署，请刷新后再办".into()));
            }
            sqlx::query(
                "INSERT INTO residential_project_steps (project_id, step, outcome, sites, on_date, note, signed_by, signed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(id).bind(step.code()).bind(outcome.code()).bind(sites.to_db()).bind(on_date).bind(note)
                .bind(&actor.name).bind(stamp)
                .execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("sign_step", "residential_project", id,
                serde_json::json!({"step": step.code(), "outcome": outcome.code(), "sites": sites.to_db(),
                                   "on_date": on_date, "note": note, "facility_id": facility}))).await?;
            tx.commit().await?;
        });
        Ok(if approved { step } else { project.stage })
    }

    /// The facilities of county `county` within `scope` a delivered project may name:
    /// (id, name).
    pub async fn facilities_for_handover(&self, county: &str, scope: &str) -> Result<Vec<(i64, String)>> {
        let narrower = if county.starts_with(scope) {
            county
        } else if scope.starts_with(county) {
            scope
        } else {
            return Ok(Vec::new());
        };
        let (lo, hi) = scope_range(narrower);
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, name FROM facilities WHERE division >= $1 AND division < $2 ORDER BY name")
            .bind(&lo).bind(&hi).fetch_all(pool).await?))
    }

    async fn handover_facility_ok(&self, id: i64, county: &str, scope: &str) -> Result<bool> {
        Ok(self
            .facilities_for_handover(county, scope)
            .await?
            .iter()
            .any(|(f, _)| *f == id))
    }

    /// (division, compliant) of each new residential area counted on `as_of`
    /// (`new_residential_compliance`).
    pub(crate) async fn residential_compliance(
        &self,
        scope: &str,
        as_of: NaiveDate,
        packs: &[Pack],
    ) -> Result<Vec<(String, bool)>> {
        Ok(self
            .residential_projects(scope, packs)
            .await?
            .into_iter()
            .filter_map(|p| p.compliance_on(as_of).map(|c| (p.division, c)))
            .collect())
    }

    /// Demo projects in the demo county, once: one through all four steps, one accepted but
    /// not handed over (建而不交), one whose acceptance was refused for a small site, one just
    /// registered, and an old estate making up its premises.
    pub(crate) async fn load_demo_residential(&self, actor: &Actor) -> Result<()> {
        let n: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM residential_projects")
            .fetch_one(pool).await?);
        if n > 0 {
            return Ok(());
        }
        let packs = yiyang_domain::policy::shipped::packs();
        let today = self.clock.today();
        let ago = |days: i64| (today - chrono::Duration::days(days)).to_string();
        // (division, name, developer, kind, households, planned sites, steps: (step, outcome, sites, days ago, note))
        type Step<'a> = (&'a str, &'a str, &'a str, i64, &'a str);
        type Demo<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str, Vec<Step<'a>>);
        let projects: [Demo; 5] = [
            (
                "360733100",
                "锦绣新城",
                "会昌县锦绣置业有限公司",
                "new",
                "1800",
                "380",
                vec![
                    (
                        "planned",
                        "approved",
                        "",
                        900,
                        "规划方案配建养老服务用房380平方米，符合标准",
                    ),
                    ("building", "approved", "", 700, "与住宅同步建设"),
                    ("accepted", "approved", "382.5", 120, "参加竣工验收，实测382.5平方米"),
                    ("delivered", "approved", "", 60, "已移交县民政局，作社区养老服务用房"),
                ],
            ),
            (
                "360733100",
                "金鹰华府",
                "江西金鹰房地产开发有限公司",
                "new",
                "1500",
                "300",
                vec![
                    ("planned", "approved", "", 800, ""),
                    ("building", "approved", "", 600, ""),
                    ("accepted", "approved", "", 90, "竣工验收合格，养老服务用房待移交"),
                ],
            ),
            (
                "360733100",
                "湘江花园三期",
                "会昌县湘江房地产开发有限公司",
                "new",
                "2400",
                "500",
                vec![
                    ("planned", "approved", "", 500, ""),
                    ("building", "approved", "", 300, ""),
                    (
                        "accepted",
                        "refused",
                        "320, 120",
                        30,
                        "实测两处用房，其中一处仅120平方米，已书面告知建设单位整改",
                    ),
                ],
            ),
            (
                "360733100",
                "贡江壹号",
                "会昌县贡江置业有限公司",
                "new",
                "900",
                "300",
                vec![],
            ),
            (
                "360733100",
                "东街片区老旧小区改造",
                "会昌县城市建设投资有限公司",
                "existing",
                "1200",
                "220",
                vec![("planned", "approved", "", 45, "通过置换补足养老服务用房220平方米")],
            ),
        ];
        for (division, name, developer, kind, households, sites, steps) in projects {
            let id = self
                .create_residential_project(
                    &ProjectInput {
                        division: division.into(),
                        name: name.into(),
                        developer: developer.into(),
                        kind: kind.into(),
                        households: households.into(),
                        sites: sites.into(),
                    },
                    "",
                    actor,
                )
                .await?;
            for (step, outcome, sites, days, note) in steps {
                let input = StepInput {
                    step: step.into(),
                    outcome: outcome.into(),
                    sites: sites.into(),
                    on_date: ago(days),
                    note: note.into(),
                    facility_id: String::new(),
                };
                self.sign_residential_step(id, &input, "", &packs, actor).await?;
            }
        }
        Ok(())
    }
}
