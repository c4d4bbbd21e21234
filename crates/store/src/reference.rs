//! Reference data shipped with the project: the division hierarchy and the person-category
//! catalogue. Loaded into the database on first start and cached in memory, since every
//! validated row consults them.

use std::collections::HashMap;

use yiyang_domain::division::DivisionCode;
use yiyang_domain::person::{Category, CategoryCatalogue, Reference};

use crate::{with_pool, Result, Store, StoreError};

const DIVISIONS_CSV: &str = include_str!("../../../data/divisions/divisions.csv");
const CATEGORIES_CSV: &str = yiyang_domain::person::SHIPPED_CATEGORIES_CSV;

#[derive(Default)]
pub struct RefData {
    pub divisions: HashMap<String, String>,
    pub catalogue: CategoryCatalogue,
    /// Direct children of each division, sorted by code; built once when loaded, since
    /// every page's scope switcher asks for them.
    children: HashMap<String, Vec<(String, String)>>,
}

impl Reference for RefData {
    fn division_exists(&self, code: &DivisionCode) -> bool {
        self.divisions.contains_key(code.as_str())
    }
    fn categories(&self) -> &CategoryCatalogue {
        &self.catalogue
    }
}

impl RefData {
    pub fn division_name(&self, code: &str) -> Option<&str> {
        self.divisions.get(code).map(String::as_str)
    }

    /// "江西省 赣州市 会昌县 文武坝镇" for a code.
    pub fn division_path(&self, code: &str) -> String {
        let mut parts = Vec::new();
        let mut c = Some(DivisionCode::from_canonical(code));
        while let Some(code) = c {
            if let Some(name) = self.divisions.get(code.as_str()) {
                if name != "市辖区" && name != "县" {
                    parts.push(name.clone());
                }
            }
            c = code.parent();
        }
        parts.reverse();
        if parts.is_empty() {
            code.to_string()
        } else {
            parts.join(" ")
        }
    }

    /// Direct children of a division, sorted by code.
    pub fn children(&self, code: &str) -> Vec<(String, String)> {
        self.children.get(code).cloned().unwrap_or_default()
    }

    pub fn new(divisions: HashMap<String, String>, catalogue: CategoryCatalogue) -> RefData {
        let mut children: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for (code, name) in &divisions {
            if let Some(parent) = DivisionCode::from_canonical(code.as_str()).parent() {
                children
                    .entry(parent.as_str().to_string())
                    .or_default()
                    .push((code.clone(), name.clone()));
            }
        }
        for list in children.values_mut() {
            list.sort();
        }
        RefData {
            divisions,
            catalogue,
            children,
        }
    }
}

/// The shipped divisions, parsed once on first use: names for codes where no database is open
/// (the CLI's file-only commands, such as `policy list`).
pub fn shipped_divisions() -> &'static RefData {
    static SHIPPED: std::sync::OnceLock<RefData> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| {
        let rows = parse_divisions(DIVISIONS_CSV).expect("the shipped divisions.csv is well-formed");
        RefData::new(
            rows.into_iter().map(|(code, name, _, _)| (code, name)).collect(),
            CategoryCatalogue::default(),
        )
    })
}

/// (canonical code, name, parent code, level 1-5)
pub type DivisionRow = (String, String, Option<String>, i64);

/// Parses a `code,name[,...]` CSV of divisions into canonical (code, name, parent, level).
pub fn parse_divisions(csv_text: &str) -> Result<Vec<DivisionRow>> {
    let mut rdr = csv::Reader::from_reader(csv_text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| StoreError::File(format!("区划文件第 {} 行：{e}", i + 2)))?;
        let code = DivisionCode::parse(rec.get(0).unwrap_or(""))
            .map_err(|e| StoreError::File(format!("区划文件第 {} 行：{e}", i + 2)))?;
        let name = rec.get(1).unwrap_or("").trim().to_string();
        let level = match code.level() {
            yiyang_domain::division::Level::Province => 1,
            yiyang_domain::division::Level::City => 2,
            yiyang_domain::division::Level::County => 3,
            yiyang_domain::division::Level::Township => 4,
            yiyang_domain::division::Level::Village => 5,
        };
        out.push((code.as_str().to_string(), name, code.parent().map(String::from), level));
    }
    Ok(out)
}

impl Store {
    /// Loads the shipped divisions and categories into an empty database, then caches them.
    pub(crate) async fn ensure_reference_data(&self) -> Result<()> {
        let have: i64 =
            with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM divisions").fetch_one(pool).await?);
        if have == 0 {
            self.load_divisions(&parse_divisions(DIVISIONS_CSV)?).await?;
        }
        // Categories added to the shipped list after a database was created are added too.
        let mut rdr = csv::Reader::from_reader(CATEGORIES_CSV.as_bytes());
        let rows: Vec<(String, String, String)> = rdr
            .records()
            .map(|r| {
                let r = r.expect("shipped categories.csv is well-formed");
                (r[0].to_string(), r[1].to_string(), r[2].to_string())
            })
            .collect();
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (i, (code, name, grp)) in rows.iter().enumerate() {
                sqlx::query("INSERT INTO categories (code, name, grp, sort) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING")
                    .bind(code).bind(name).bind(grp).bind(i as i64)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        self.refresh_reference().await
    }

    /// Adds or renames divisions (idempotent), e.g. the villages of further counties.
    pub async fn load_divisions(&self, rows: &[DivisionRow]) -> Result<usize> {
        with_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for chunk in rows.chunks(1000) {
                let mut sql = String::from("INSERT INTO divisions (code, name, parent, level) VALUES ");
                for i in 0..chunk.len() {
                    if i > 0 { sql.push(','); }
                    let p: Vec<String> = (1..=4).map(|k| self.ph(i * 4 + k)).collect();
                    sql.push_str(&format!("({})", p.join(", ")));
                }
                sql.push_str(" ON CONFLICT (code) DO UPDATE SET name = excluded.name");
                let mut q = sqlx::query(&sql);
                for (code, name, parent, level) in chunk {
                    q = q.bind(code).bind(name).bind(parent).bind(level);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        self.refresh_reference().await?;
        Ok(rows.len())
    }

    pub async fn refresh_reference(&self) -> Result<()> {
        let divisions: Vec<(String, String)> =
            with_pool!(self, pool => sqlx::query_as("SELECT code, name FROM divisions").fetch_all(pool).await?);
        let cats: Vec<(String, String, String)> = with_pool!(self, pool =>
            sqlx::query_as("SELECT code, name, grp FROM categories ORDER BY sort").fetch_all(pool).await?);
        self.set_reference(RefData::new(
            divisions.into_iter().collect(),
            CategoryCatalogue {
                categories: cats
                    .into_iter()
                    .map(|(code, name, group)| Category { code, name, group })
                    .collect(),
            },
        ));
        Ok(())
    }
}
