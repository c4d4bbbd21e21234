//! The register of inspection objects (检查对象名录): the registers that exist — care
//! institutions, home- and community-care providers, community facilities (meal points among
//! them) — read as one list. A row of supervision names its object through three columns, one
//! of them set; the SQL here joins them back to a name, a code and a division.

use serde::Serialize;
use yiyang_domain::supervision::object::{ObjectKind, ObjectRef};

use crate::{scope_range, with_pool, Result, Store};

/// The joins that name the object of a row aliased `x` (its `institution_id`, `provider_id`
/// and `facility_id`), for [`OBJECT_COLUMNS`].
pub(crate) fn join_objects(x: &str) -> String {
    format!(
        "LEFT JOIN institutions oi ON oi.id = {x}.institution_id \
         LEFT JOIN providers op ON op.id = {x}.provider_id \
         LEFT JOIN facilities ofa ON ofa.id = {x}.facility_id"
    )
}

/// The object's name, register code and division, after [`join_objects`].
pub(crate) const OBJECT_NAME: &str = "COALESCE(oi.name, op.name, ofa.name)";
pub(crate) const OBJECT_CODE: &str = "COALESCE(oi.code, op.code, ofa.code)";
pub(crate) const OBJECT_DIVISION: &str = "COALESCE(oi.division, op.division, ofa.division)";

/// The columns every object-bearing row reads, after [`join_objects`] on `x`: the three ids,
/// the name, code and division, and the provider that runs it (the provider itself, or the
/// provider of a meal point), whose staff see its results.
pub(crate) fn object_columns(x: &str) -> String {
    format!(
        "{x}.institution_id, {x}.provider_id, {x}.facility_id, {OBJECT_NAME} AS object_name, \
         {OBJECT_CODE} AS object_code, {OBJECT_DIVISION} AS division, \
         COALESCE(op.code, (SELECT mpp.code FROM meal_points mp JOIN providers mpp ON mpp.id = mp.provider_id \
         WHERE mp.facility_id = {x}.facility_id)) AS operator"
    )
}

/// A text (an inspector's code, a published id) with the object it goes with, as the three
/// columns hold it.
pub(crate) type Named = (String, Option<i64>, Option<i64>, Option<i64>);

/// The object named by the three columns of a row the `CHECK` constraints keep to one.
pub(crate) fn object_of(institution: Option<i64>, provider: Option<i64>, facility: Option<i64>) -> ObjectRef {
    ObjectRef::from_columns(institution, provider, facility).expect("CHECK constraint: one object")
}

/// One object on the register.
#[derive(Debug, Clone, Serialize)]
pub struct SupervisedObject {
    pub object: ObjectRef,
    pub code: String,
    pub name: String,
    pub division: String,
}

impl SupervisedObject {
    /// What a form posts to name it (`provider:3`).
    pub fn key(&self) -> String {
        self.object.to_string()
    }
    pub fn kind_label(&self) -> &'static str {
        self.object.kind.label()
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    kind: String,
    id: i64,
    code: String,
    name: String,
    division: String,
}

impl From<Row> for SupervisedObject {
    fn from(r: Row) -> SupervisedObject {
        SupervisedObject {
            object: ObjectRef {
                kind: ObjectKind::parse(&r.kind).expect("written below"),
                id: r.id,
            },
            code: r.code,
            name: r.name,
            division: r.division,
        }
    }
}

/// Every object of the three registers, with `{open}` standing for what keeps one on the list.
fn union(open: bool) -> String {
    let (i, p, f) = if open {
        (" AND status <> 'closed'", " AND active", " AND status <> 'closed'")
    } else {
        ("", "", "")
    };
    format!(
        "SELECT 'institution' AS kind, id, code, name, division FROM institutions WHERE division >= $1 AND division < $2{i} \
         UNION ALL SELECT 'provider' AS kind, id, code, name, division FROM providers WHERE division >= $1 AND division < $2{p} \
         UNION ALL SELECT 'facility' AS kind, id, code, name, division FROM facilities WHERE division >= $1 AND division < $2{f}"
    )
}

impl Store {
    /// The objects in `scope` that are still open (an institution or facility not closed, a
    /// provider active), by kind and name.
    pub async fn supervised_objects_in(&self, scope: &str) -> Result<Vec<SupervisedObject>> {
        let (lo, hi) = scope_range(scope);
        let rows: Vec<Row> = with_pool!(self, pool => sqlx::query_as(&format!("SELECT * FROM ({}) o ORDER BY CASE o.kind WHEN 'institution' THEN 0 WHEN 'provider' THEN 1 ELSE 2 END, o.name, o.id", union(true)))
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        Ok(rows.into_iter().map(SupervisedObject::from).collect())
    }

    /// One object, closed or not, if it is in `scope`; otherwise exactly as an unknown one.
    pub async fn supervised_object(&self, object: ObjectRef, scope: &str) -> Result<Option<SupervisedObject>> {
        let (lo, hi) = scope_range(scope);
        let rows: Vec<Row> = with_pool!(self, pool => sqlx::query_as(&format!(
            "SELECT * FROM ({}) o WHERE o.kind = $3 AND o.id = $4", union(false)))
            .bind(&lo).bind(&hi).bind(object.kind.code()).bind(object.id).fetch_all(pool).await?);
        Ok(rows.into_iter().next().map(SupervisedObject::from))
    }
}
