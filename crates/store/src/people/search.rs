//! Searching the register: a query (scope, name or ID number, filters, order) becomes one
//! statement both backends answer from an index at province scale — name search by range over
//! the name's keys (`yiyang_domain::name_search`), the next page by key (the last row's order
//! value and id), and a count that stops at a cap when the caller only needs to know "more than".

use serde::Serialize;
use yiyang_domain::name_search::NameQuery;

use super::{Person, PersonRow};
use crate::BeginWrite as _;
use crate::{scope_range, with_pool, Result, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    #[default]
    Updated,
    Name,
    BirthDate,
    Division,
}

impl SortKey {
    fn column(self) -> &'static str {
        match self {
            SortKey::Updated => "updated_at",
            SortKey::Name => "name",
            SortKey::BirthDate => "birth_date",
            SortKey::Division => "hukou_division",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LifeFilter {
    Alive,
    Dead,
}

/// A search of the register inside a scope.
#[derive(Debug, Clone, Default)]
pub struct PersonQuery {
    /// Division prefix the user acts in; always applied.
    pub scope: String,
    /// Name fragment, or the start of an ID number.
    pub q: Option<String>,
    /// A narrower division (prefix) inside the scope.
    pub division: Option<String>,
    pub category: Option<String>,
    pub life: Option<LifeFilter>,
    pub sort: SortKey,
    pub desc: bool,
    pub limit: i64,
    /// Rows skipped; ignored when `after` is given.
    pub offset: i64,
    /// The next page after the row with this id, in the query's order (keyset: as fast at
    /// the millionth row as at the first). A row that has gone yields an empty page.
    pub after: Option<i64>,
    /// Count at most this many matches (the list only needs "more than 10,000"); none counts
    /// them all (exports, which say how many were left out).
    pub count_up_to: Option<i64>,
    /// Whether `q` may match the start of an ID number. Only for roles that may see full ID
    /// numbers (and their searches are audited): otherwise 29 prefix searches recover a
    /// number the list shows masked. Without it an ID-like `q` matches a whole number only.
    pub id_prefix: bool,
    /// The level of the capability assessment valid today (the latest of those valid), or
    /// none valid: what the dashboard's level chart counts.
    pub level: Option<LevelFilter>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelFilter {
    /// GB/T 42195-2022 level 0 to 4.
    Level(u8),
    /// Never assessed, or every assessment expired.
    None,
}

impl LevelFilter {
    /// From a link's `level=` (`0` … `4`, `none`); anything else is no filter.
    pub fn parse(s: &str) -> Option<LevelFilter> {
        match s {
            "none" => Some(LevelFilter::None),
            _ => s.parse::<u8>().ok().filter(|l| *l <= 4).map(LevelFilter::Level),
        }
    }
}

/// The latest confirmed assessment of `persons.id` valid today, as SQL both backends read.
const VALID_ASSESSMENT_TODAY: &str = "SELECT a.final_level FROM assessments a WHERE a.person_id = persons.id \
     AND a.status = 'confirmed' AND a.assessed_on <= CURRENT_DATE AND a.valid_until >= CURRENT_DATE \
     ORDER BY a.assessed_on DESC, a.id DESC LIMIT 1";

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match; with `exact` false, only that more than `total - 1` do.
    pub total: i64,
    pub exact: bool,
}

impl PersonQuery {
    /// `q` as an ID number (or its start), if it looks like one.
    pub fn id_search(&self) -> Option<String> {
        let q = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())?;
        let q = yiyang_domain::id_number::normalize_width(q).to_uppercase();
        (q.len() >= 4 && q.bytes().all(|b| b.is_ascii_digit() || b == b'X')).then_some(q)
    }

    /// The narrowest division range the query reads: its division filter, or its scope.
    fn narrowest(&self) -> &str {
        self.division
            .as_deref()
            .filter(|d| !d.is_empty())
            .unwrap_or(&self.scope)
    }

    /// WHERE clause and its string parameters. With `common_name`, a broad name search (a
    /// surname alone, one or two initials) has matched more than the count's cap: walking the
    /// list's order and keeping the matches finds a page sooner than reading every match and
    /// sorting them (陈 matches one person in twenty), so its clauses are written so that no
    /// index serves them.
    fn filter(&self, common_name: bool) -> (String, Vec<String>) {
        let mut binds = Vec::new();
        let mut clauses = Vec::new();
        // Only the narrowest division range, and only a county's or a town's, is written so that
        // the division indexes serve it: a province's or a city's range holds too many people
        // for an index to help, and a planner seeing bound values cannot tell (SQLite read the
        // whole province through them for a search of a common surname). The others are
        // written as expressions (`|| ''`), which no index serves, and checked row by row.
        let division = self.division.as_deref().filter(|d| !d.is_empty());
        let narrowest = self.narrowest();
        let range = |prefix: &str, binds: &mut Vec<String>| {
            let (lo, hi) = scope_range(prefix);
            binds.push(lo);
            binds.push(hi);
            let (a, b) = (binds.len() - 1, binds.len());
            let plain = prefix == narrowest && prefix.len() >= 6;
            let (h, r) = if plain {
                ("hukou_division", "residence_division")
            } else {
                ("(hukou_division || '')", "(residence_division || '')")
            };
            format!("(({h} >= ${a} AND {h} < ${b}) OR ({r} >= ${a} AND {r} < ${b}))")
        };
        clauses.push(range(&self.scope, &mut binds));
        if let Some(d) = division {
            clauses.push(range(d, &mut binds));
        }
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            if let Some(id) = self.id_search() {
                if id.len() == 4 {
                    // The last four characters: what the list shows of every number, so any
                    // role that reads the list may search by them.
                    binds.push(id);
                    clauses.push(format!("substr(id_number, 15, 4) = ${}", binds.len()));
                } else if self.id_prefix {
                    binds.push(format!("{id}%"));
                    clauses.push(format!("id_number LIKE ${}", binds.len()));
                } else {
                    binds.push(id);
                    clauses.push(format!("id_number = ${}", binds.len()));
                }
            } else if let Some(name) = NameQuery::parse(q) {
                let (from, to) = name.range();
                binds.push(from);
                binds.push(to);
                let (a, b) = (binds.len() - 1, binds.len());
                let col = |c: &str| {
                    if common_name {
                        format!("({c} || '')")
                    } else {
                        c.to_string()
                    }
                };
                let (n, g, i) = (col("name"), col("given_name"), col("name_initials"));
                clauses.push(match name {
                    NameQuery::Name(_) => format!("(({n} >= ${a} AND {n} < ${b}) OR ({g} >= ${a} AND {g} < ${b}))"),
                    NameQuery::Initials(_) => format!("({i} >= ${a} AND {i} < ${b})"),
                });
            }
        }
        if let Some(c) = self.category.as_deref().filter(|c| !c.is_empty()) {
            binds.push(format!("%,{c},%"));
            clauses.push(format!("categories LIKE ${}", binds.len()));
        }
        match self.level {
            // The level is a number parsed above (0-4), so it is written into the statement.
            Some(LevelFilter::Level(l)) => clauses.push(format!("({VALID_ASSESSMENT_TODAY}) = {l}")),
            Some(LevelFilter::None) => clauses.push(format!("NOT EXISTS ({VALID_ASSESSMENT_TODAY})")),
            None => {}
        }
        match self.life {
            Some(LifeFilter::Alive) => clauses.push("death_date IS NULL".into()),
            Some(LifeFilter::Dead) => clauses.push("death_date IS NOT NULL".into()),
            None => {}
        }
        (clauses.join(" AND "), binds)
    }
}

/// The most rows one search returns: a page, an export, an API page. One number for every
/// caller, so an export cannot promise more than the store gives (it once asked for 100,000
/// and silently got 10,000); callers compare `total` with the rows they got and say so.
pub const MAX_ROWS: i64 = 50_000;

impl Store {
    pub async fn search_people(&self, query: &PersonQuery) -> Result<Page<Person>> {
        let (filter, binds) = query.filter(false);
        let count_sql = match query.count_up_to {
            Some(cap) => format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM persons WHERE {filter} LIMIT {}) AS capped",
                cap.max(0) + 1
            ),
            None => format!("SELECT COUNT(*) FROM persons WHERE {filter}"),
        };
        let total: i64 = with_pool!(self, pool => {
            let mut c = sqlx::query_scalar(&count_sql);
            for b in &binds { c = c.bind(b); }
            c.fetch_one(pool).await?
        });
        let exact = query.count_up_to.is_none_or(|cap| total <= cap);
        let broad = query.id_search().is_none()
            && query
                .q
                .as_deref()
                .and_then(NameQuery::parse)
                .is_some_and(|n| n.is_broad());
        // Past the cap, a broad name, or any name read across a province or a city, is met
        // often enough in the list's order that walking it beats sorting every match.
        let walk =
            !exact && (broad || (query.q.is_some() && query.id_search().is_none() && query.narrowest().len() < 6));
        let (filter, binds) = if walk { query.filter(true) } else { (filter, binds) };
        let (col, dir) = (query.sort.column(), if query.desc { "DESC" } else { "ASC" });
        // `after` is a number, parsed before it gets here, so it is written into the statement.
        let (keyset, offset) = match query.after {
            Some(id) => (
                format!(
                    " AND ({col}, id) {} (SELECT {col}, id FROM persons WHERE id = {id})",
                    if query.desc { "<" } else { ">" }
                ),
                0,
            ),
            None => (String::new(), query.offset.max(0)),
        };
        // The page's ids first (sorting ids, not whole rows), then their rows. A county's or a
        // town's people are read through the division indexes and sorted (materialized, so that
        // no planner walks the whole register in the list's order hoping to meet them soon:
        // registers are imported county by county, so a county's rows are met late — 500,000
        // rows in, on PostgreSQL, for a county's first page).
        let order = format!("ORDER BY {col} {dir}, id {dir}");
        let limit = query.limit.clamp(1, MAX_ROWS);
        let list_sql = if query.narrowest().len() >= 6 && !walk {
            format!(
                "WITH matching AS MATERIALIZED (SELECT id, {col} AS k FROM persons WHERE {filter}{keyset}) \
                 SELECT * FROM persons WHERE id IN (SELECT id FROM matching ORDER BY k {dir}, id {dir} \
                 LIMIT {limit} OFFSET {offset}) {order}"
            )
        } else {
            format!(
                "SELECT * FROM persons WHERE id IN (SELECT id FROM persons WHERE {filter}{keyset} {order} \
                 LIMIT {limit} OFFSET {offset}) {order}"
            )
        };
        with_pool!(self, pool => {
            let mut l = sqlx::query_as::<_, PersonRow>(&list_sql);
            for b in &binds { l = l.bind(b); }
            let items = l.fetch_all(pool).await?.into_iter().map(PersonRow::into_person).collect::<Result<Vec<_>>>()?;
            Ok(Page { items, total, exact })
        })
    }
}

impl Store {
    /// Gives the records written before name search existed their keys (migration 0038 adds
    /// the columns empty): run at start, 5,000 records a transaction, until none is left.
    /// Returns how many were filled.
    pub(crate) async fn fill_name_keys(&self) -> Result<u64> {
        let mut filled = 0u64;
        loop {
            let rows: Vec<(i64, String)> = with_pool!(self, pool => {
                sqlx::query_as("SELECT id, name FROM persons WHERE name_initials IS NULL ORDER BY id LIMIT 5000")
                    .fetch_all(pool)
                    .await?
            });
            if rows.is_empty() {
                return Ok(filled);
            }
            let keys: Vec<_> = rows.iter().map(|(_, n)| yiyang_domain::name_search::keys(n)).collect();
            match &self.db {
                crate::Db::Postgres(pool) => {
                    sqlx::query(
                        "UPDATE persons SET name_initials = u.i, given_name = u.g \
                         FROM UNNEST($1::bigint[], $2::text[], $3::text[]) AS u(id, i, g) WHERE persons.id = u.id",
                    )
                    .bind(rows.iter().map(|(id, _)| *id).collect::<Vec<_>>())
                    .bind(keys.iter().map(|k| k.initials.as_str()).collect::<Vec<_>>())
                    .bind(keys.iter().map(|k| k.given.as_str()).collect::<Vec<_>>())
                    .execute(pool)
                    .await?;
                }
                crate::Db::Sqlite(pool) => {
                    let mut tx = pool.begin_write().await?;
                    for ((id, _), k) in rows.iter().zip(&keys) {
                        sqlx::query("UPDATE persons SET name_initials = $1, given_name = $2 WHERE id = $3")
                            .bind(&k.initials)
                            .bind(&k.given)
                            .bind(id)
                            .execute(&mut *tx)
                            .await?;
                    }
                    tx.commit().await?;
                }
            }
            filled += rows.len() as u64;
            tracing::info!(filled, "姓名检索键已补齐");
        }
    }
}
