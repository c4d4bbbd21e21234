//! The older-people register: records, search, create and update, each change audited in
//! the same transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use yiyang_domain::division::DivisionCode;
use yiyang_domain::id_number::IdNumber;
use yiyang_domain::person::{FieldError, HukouType, PersonRecord, Sex};

pub mod accounts;
pub mod accounts_import;
pub mod deaths;
mod search;
pub mod signs;
pub use search::{LevelFilter, LifeFilter, Page, PersonQuery, SortKey, MAX_ROWS};

use crate::audit::{Actor, AuditAppend};
use crate::{now, scope_range, with_pool, Result, Store, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: i64,
    #[serde(flatten)]
    pub record: PersonRecord,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    id: i64,
    id_number: String,
    name: String,
    sex: String,
    birth_date: NaiveDate,
    phone: Option<String>,
    address: Option<String>,
    hukou_division: String,
    residence_division: String,
    hukou_type: String,
    categories: String,
    death_date: Option<NaiveDate>,
    death_source: Option<String>,
    contact_name: Option<String>,
    contact_relation: Option<String>,
    contact_phone: Option<String>,
    note: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    version: i64,
}

/// One logged change of a person's categories or death date.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct PersonChange {
    pub kind: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub effective_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
}

impl PersonRow {
    /// The record as stored, or a decode error naming the row and field for a value no code
    /// knows (never a guess, never a panic).
    fn into_person(self) -> Result<Person> {
        let bad = |field: &str, value: &str| {
            StoreError::Db(sqlx::Error::Decode(
                format!("person {}: {field} {value:?} is not a known value", self.id).into(),
            ))
        };
        let id_number = IdNumber::parse(&self.id_number).map_err(|_| bad("id_number", &self.id_number))?;
        let sex = Sex::from_code(&self.sex).ok_or_else(|| bad("sex", &self.sex))?;
        let hukou_type = match self.hukou_type.as_str() {
            "urban" => HukouType::Urban,
            "rural" => HukouType::Rural,
            other => return Err(bad("hukou_type", other)),
        };
        Ok(Person {
            id: self.id,
            record: PersonRecord {
                name: self.name,
                id_number,
                sex,
                birth_date: self.birth_date,
                phone: self.phone,
                address: self.address,
                hukou_division: DivisionCode::from_canonical(self.hukou_division),
                residence_division: DivisionCode::from_canonical(self.residence_division),
                hukou_type,
                categories: decode_categories(&self.categories),
                categories_effective: None,
                death_date: self.death_date,
                death_source: self.death_source,
                contact_name: self.contact_name,
                contact_relation: self.contact_relation,
                contact_phone: self.contact_phone,
                note: self.note,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }
}

/// Categories are stored as `,alone,tekun,` so a filter is a plain `LIKE '%,code,%'`.
pub(crate) fn encode_categories(codes: &[String]) -> String {
    if codes.is_empty() {
        String::new()
    } else {
        format!(",{},", codes.join(","))
    }
}

fn decode_categories(s: &str) -> Vec<String> {
    s.split(',').filter(|c| !c.is_empty()).map(str::to_string).collect()
}

const INSERT_COLUMNS: &str = "id_number, name, sex, birth_date, phone, address, hukou_division, residence_division, \
     hukou_type, categories, death_date, death_source, contact_name, contact_relation, contact_phone, note, \
     name_initials, given_name, created_at, updated_at, version";

/// Binds a record's 16 columns and its 2 name-search keys in [`INSERT_COLUMNS`] order.
macro_rules! bind_record {
    ($q:expr, $r:expr) => {{
        let keys = yiyang_domain::name_search::keys(&$r.name);
        $q.bind($r.id_number.as_str())
            .bind(&$r.name)
            .bind($r.sex.code())
            .bind($r.birth_date)
            .bind(&$r.phone)
            .bind(&$r.address)
            .bind($r.hukou_division.as_str())
            .bind($r.residence_division.as_str())
            .bind($r.hukou_type.code())
            .bind(encode_categories(&$r.categories))
            .bind($r.death_date)
            .bind(&$r.death_source)
            .bind(&$r.contact_name)
            .bind(&$r.contact_relation)
            .bind(&$r.contact_phone)
            .bind(&$r.note)
            .bind(keys.initials)
            .bind(keys.given)
    }};
}

/// Fields that differ between two versions of a record, for the audit detail.
fn changed_fields(a: &PersonRecord, b: &PersonRecord) -> Vec<&'static str> {
    let (a, b) = (a.to_input(), b.to_input());
    let mut out = Vec::new();
    macro_rules! cmp {
        ($($f:ident),*) => { $( if a.$f != b.$f { out.push(stringify!($f)); } )* };
    }
    cmp!(
        name,
        id_number,
        sex,
        birth_date,
        phone,
        address,
        hukou_division,
        residence_division,
        hukou_type,
        categories,
        death_date,
        death_source,
        contact_name,
        contact_relation,
        contact_phone,
        note
    );
    out
}

/// What creating, changing or importing a record says when its ID number is registered
/// already: the same words wherever the record is, naming neither its division nor anything
/// else about it (an ID number is unique, so that it exists cannot be hidden from a clerk who
/// registers it; what it is, can).
pub const ALREADY_REGISTERED: &str = "该身份证号已登记，不能重复登记；如此人已迁入本辖区，请联系上级民政部门办理迁移";

impl Store {
    /// The register's headline counts for `scope` in one pass over it: everyone, the living,
    /// and the living in each of `categories` (codes). The home page asks for these; at
    /// province scale one scan instead of one per figure is what keeps it quick.
    pub async fn register_counts(&self, scope: &str, categories: &[&str]) -> Result<(i64, i64, Vec<i64>)> {
        let (lo, hi) = scope_range(scope);
        let mut sql = String::from(
            "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN death_date IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT)",
        );
        for i in 0..categories.len() {
            sql.push_str(&format!(
                ", CAST(COALESCE(SUM(CASE WHEN death_date IS NULL AND categories LIKE ${} THEN 1 ELSE 0 END), 0) AS BIGINT)",
                i + 3
            ));
        }
        sql.push_str(
            " FROM persons WHERE ((hukou_division >= $1 AND hukou_division < $2) OR (residence_division >= $1 AND residence_division < $2))",
        );
        let patterns: Vec<String> = categories.iter().map(|c| format!("%,{c},%")).collect();
        with_pool!(self, pool => {
            let mut q = sqlx::query(&sql).bind(&lo).bind(&hi);
            for p in &patterns { q = q.bind(p); }
            let row = q.fetch_one(pool).await?;
            use sqlx::Row;
            let total: i64 = row.try_get(0)?;
            let alive: i64 = row.try_get(1)?;
            let mut by = Vec::with_capacity(categories.len());
            for i in 0..categories.len() { by.push(row.try_get::<i64, _>(i + 2)?); }
            Ok((total, alive, by))
        })
    }

    /// A record if it lies in `scope`; `None` otherwise (callers answer 404 either way,
    /// so a record's existence outside one's scope is not revealed).
    pub async fn person_in_scope(&self, id: i64, scope: &str) -> Result<Option<Person>> {
        let (lo, hi) = scope_range(scope);
        let sql = "SELECT * FROM persons WHERE id = $1 AND ((hukou_division >= $2 AND hukou_division < $3) OR (residence_division >= $2 AND residence_division < $3))";
        let row: Option<PersonRow> = with_pool!(self, pool =>
            sqlx::query_as(sql).bind(id).bind(&lo).bind(&hi).fetch_optional(pool).await?);
        row.map(PersonRow::into_person).transpose()
    }

    /// The register's id for an ID number, wherever it is registered. Only for uniqueness
    /// checks whose answer is the same neutral [`ALREADY_REGISTERED`] for every caller; every
    /// lookup on a user's behalf goes through [`Store::person_id_by_number_in`].
    pub(crate) async fn person_id_by_number(&self, id_number: &str) -> Result<Option<i64>> {
        Ok(with_pool!(self, pool =>
            sqlx::query_scalar("SELECT id FROM persons WHERE id_number = $1").bind(id_number).fetch_optional(pool).await?))
    }

    /// The register's id for an ID number registered inside `scope` (by registered or actual
    /// residence); `None` both for an unknown number and for one registered elsewhere, so no
    /// answer, message or timing-free branch tells the two apart.
    pub async fn person_id_by_number_in(&self, id_number: &str, scope: &str) -> Result<Option<i64>> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM persons WHERE id_number = $1 AND ((hukou_division >= $2 AND hukou_division < $3) \
             OR (residence_division >= $2 AND residence_division < $3))")
            .bind(id_number).bind(&lo).bind(&hi).fetch_optional(pool).await?))
    }

    /// Records that `actor` saw the full record (full ID number) of person `id`.
    pub async fn record_full_view(&self, id: i64, actor: &Actor) -> Result<()> {
        self.audit(&actor.entry("view_full", "person", id, serde_json::json!({})))
            .await?;
        Ok(())
    }

    /// Creates a record; the new record must lie inside the actor's `scope`.
    pub async fn create_person(&self, r: &PersonRecord, scope: &str, actor: &Actor) -> Result<i64> {
        check_in_scope(r, scope)?;
        if self.person_id_by_number(r.id_number.as_str()).await?.is_some() {
            return Err(StoreError::Invalid(vec![FieldError::new(
                "id_number",
                ALREADY_REGISTERED,
            )]));
        }
        let sql = format!(
            "INSERT INTO persons ({INSERT_COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$19,1) RETURNING id"
        );
        let ts = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = bind_record!(sqlx::query_scalar(&sql), r).bind(ts).fetch_one(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("create", "person", id, serde_json::json!({"division": r.hukou_division.as_str()}))).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// A person's dated changes of categories and death, newest first: (kind, before, after,
    /// takes effect on, recorded at). The benefit run reads categories through them.
    pub async fn person_changes(&self, id: i64) -> Result<Vec<PersonChange>> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT kind, old_value, new_value, effective_on, recorded_at FROM person_changes \
             WHERE person_id = $1 ORDER BY id DESC").bind(id).fetch_all(pool).await?))
    }

    /// Replaces a record if it is still at `version` (optimistic locking), within `scope`.
    pub async fn update_person(
        &self,
        id: i64,
        version: i64,
        r: &PersonRecord,
        scope: &str,
        actor: &Actor,
    ) -> Result<()> {
        check_in_scope(r, scope)?;
        let old = self.person_in_scope(id, scope).await?.ok_or(StoreError::NotFound)?;
        if old.record.id_number != r.id_number {
            if let Some(other) = self.person_id_by_number(r.id_number.as_str()).await? {
                if other != id {
                    return Err(StoreError::Invalid(vec![FieldError::new(
                        "id_number",
                        ALREADY_REGISTERED,
                    )]));
                }
            }
        }
        let changed = changed_fields(&old.record, r);
        if changed.is_empty() {
            return Ok(());
        }
        let sql = "UPDATE persons SET id_number=$1, name=$2, sex=$3, birth_date=$4, phone=$5, address=$6, hukou_division=$7, \
                   residence_division=$8, hukou_type=$9, categories=$10, death_date=$11, death_source=$12, contact_name=$13, \
                   contact_relation=$14, contact_phone=$15, note=$16, name_initials=$17, given_name=$18, updated_at=$19, \
                   version = version + 1 WHERE id = $20 AND version = $21";
        let ts = now();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = bind_record!(sqlx::query(sql), r).bind(ts).bind(id).bind(version).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict);
            }
            // The trigger logged a change of categories as taking effect today; an earlier
            // approval date from the form replaces that.
            if let (true, Some(on)) = (changed.contains(&"categories"), r.categories_effective) {
                sqlx::query("UPDATE person_changes SET effective_on = $2 WHERE id = \
                             (SELECT MAX(id) FROM person_changes WHERE person_id = $1 AND kind = 'categories')")
                    .bind(id).bind(on).execute(&mut *tx).await?;
            }
            (*tx).append_audit(&self.audit_keys(), &actor.entry("update", "person", id,
                serde_json::json!({"fields": changed, "categories_effective": r.categories_effective.map(|d| d.to_string())}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Deletes a record (e.g. entered by mistake). A death is recorded with a death date,
    /// not by deleting.
    pub async fn delete_person(&self, id: i64, scope: &str, actor: &Actor) -> Result<()> {
        let old = self.person_in_scope(id, scope).await?.ok_or(StoreError::NotFound)?;
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM persons WHERE id = $1").bind(id).execute(&mut *tx).await?;
            (*tx).append_audit(&self.audit_keys(), &actor.entry("delete", "person", id,
                serde_json::json!({"id_number": old.record.id_number.masked(), "name": old.record.name}))).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn count_people(&self, scope: &str) -> Result<i64> {
        let (lo, hi) = scope_range(scope);
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT COUNT(*) FROM persons WHERE (hukou_division >= $1 AND hukou_division < $2) OR (residence_division >= $1 AND residence_division < $2)")
            .bind(&lo).bind(&hi).fetch_one(pool).await?))
    }
}

fn check_in_scope(r: &PersonRecord, scope: &str) -> Result<()> {
    if r.hukou_division.as_str().starts_with(scope) || r.residence_division.as_str().starts_with(scope) {
        Ok(())
    } else {
        Err(StoreError::Invalid(vec![FieldError::new(
            "hukou_division",
            format!("区划“{}”不在您的管辖范围（{scope}）内", r.hukou_division),
        )]))
    }
}
