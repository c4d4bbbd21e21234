//! Who runs a month for whom. The county pays (its civil-affairs bureau prepares, reviews and
//! approves, and its treasury transfers), so a run's scope is always one county (区县), under a
//! pack in force that covers it. A city's or the province's staff start the runs of every
//! county in their area at once: one run per county, each signed and paid by that county. A
//! township's people are paid in their county's run.

use yiyang_domain::dates::Month;
use yiyang_domain::division::Level;
use yiyang_domain::policy::Pack;
use yiyang_domain::DivisionCode;

use super::RunRequest;
use crate::{scope_range, with_pool, Result, Store, StoreError};

/// Why a scope cannot be a run's: it is not a county.
pub fn county_refusal(path: &str, level: Level) -> String {
    let what = match level {
        Level::Province => "省",
        Level::City => "市",
        Level::County => "区县",
        Level::Township => "乡镇（街道）",
        Level::Village => "村（社区）",
    };
    format!("补贴由区县发放，发放批次按区县计算：{path}是{what}，其人员在所属区县的批次中发放")
}

/// What became of one county's start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountyStart {
    pub county: String,
    /// `None`: may start; otherwise the reason in words.
    pub refused: Option<String>,
}

impl Store {
    /// The counties inside `scope` where anyone is registered, by code: `scope` itself for a
    /// county, none for a township or village (its people are paid in their county's run).
    pub async fn paying_counties(&self, scope: &str) -> Result<Vec<String>> {
        let code = DivisionCode::parse(scope).map_err(|e| StoreError::Refused(e.to_string()))?;
        let candidates: Vec<String> = {
            let r = self.reference();
            match code.level() {
                Level::County => vec![code.as_str().to_string()],
                Level::City => r.children(code.as_str()).into_iter().map(|(c, _)| c).collect(),
                Level::Province => r
                    .children(code.as_str())
                    .into_iter()
                    .flat_map(|(city, _)| r.children(&city))
                    .map(|(c, _)| c)
                    .collect(),
                Level::Township | Level::Village => Vec::new(),
            }
        };
        let mut out = Vec::new();
        for county in candidates.into_iter().filter(|c| c.len() == 6) {
            let (lo, hi) = scope_range(&county);
            let any: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
                "SELECT CAST(1 AS BIGINT) FROM persons WHERE hukou_division >= $1 AND hukou_division < $2 LIMIT 1")
                .bind(&lo).bind(&hi).fetch_optional(pool).await?);
            if any.is_some() {
                out.push(county);
            }
        }
        Ok(out)
    }

    /// Each paying county of `scope` with whether its run of `req` (whose scope is ignored)
    /// may start now, and if not why. A township scope is refused as a whole: its county pays.
    pub async fn check_county_starts(
        &self,
        scope: &str,
        req: &RunRequest<'_>,
        packs: &[Pack],
    ) -> Result<Vec<CountyStart>> {
        let code = DivisionCode::parse(scope).map_err(|e| StoreError::Refused(e.to_string()))?;
        if matches!(code.level(), Level::Township | Level::Village) {
            let path = self.reference().division_path(scope);
            return Err(StoreError::Refused(county_refusal(&path, code.level())));
        }
        let counties = self.paying_counties(scope).await?;
        if counties.is_empty() {
            return Err(StoreError::Refused(format!(
                "{}没有登记的老年人，无需计算发放",
                self.reference().division_path(scope)
            )));
        }
        let mut out = Vec::with_capacity(counties.len());
        for county in counties {
            let one = RunRequest { scope: &county, ..*req };
            let refused = match self.check_run_start(&one, packs).await {
                Ok(()) => None,
                Err(StoreError::Refused(why)) => Some(why),
                Err(e) => return Err(e),
            };
            out.push(CountyStart { county, refused });
        }
        Ok(out)
    }
}

/// Refuses `scope` unless it is a county, and `req`'s pack (or, chosen by jurisdiction, any
/// pack) is in force in the month and covers it.
pub(crate) fn check_payer(
    store: &Store,
    month: Month,
    scope: &DivisionCode,
    pack: Option<&str>,
    packs: &[Pack],
) -> Result<()> {
    let path = || store.reference().division_path(scope.as_str());
    if scope.level() != Level::County {
        return Err(StoreError::Refused(county_refusal(&path(), scope.level())));
    }
    let (d0, d1) = (month.first_day(), month.last_day());
    let covers = |p: &Pack| p.jurisdiction.as_ref().is_none_or(|j| j.contains(scope));
    match pack {
        Some(id) => {
            let Some(p) = packs.iter().find(|p| p.id == id) else {
                return Err(StoreError::Refused("没有这个政策包，请从列表中选择".into()));
            };
            if !covers(p) {
                return Err(StoreError::Refused(format!(
                    "政策包“{}”不适用于{}：请选择覆盖该区县的政策包",
                    p.title,
                    path()
                )));
            }
            if !p.in_force(d0, d1) {
                return Err(StoreError::Refused(format!(
                    "政策包“{}”在 {month} 不在有效期内：请选择当月有效的政策包",
                    p.title
                )));
            }
        }
        None => {
            let any = packs
                .iter()
                .any(|p| p.jurisdiction.as_ref().is_some_and(|j| j.contains(scope)) && p.in_force(d0, d1));
            if !any {
                return Err(StoreError::Refused(format!(
                    "{month} 没有适用于{}的有效政策包，不能计算发放",
                    path()
                )));
            }
        }
    }
    Ok(())
}
