//! `yiyang indicators`: every indicator of `standards/indicators.md` for a scope (or each of its
//! children at a level) on an as-of date, against the targets of the packs in force, as CSV.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use yiyang_domain::role::Permission;
use yiyang_store::planning::indicators::CSV_HEADER;

use crate::account::AccountArg;
use crate::benefits::PacksArg;
use crate::DbArg;

#[derive(clap::Args)]
pub struct IndicatorsArgs {
    #[command(flatten)]
    db: DbArg,
    #[command(flatten)]
    who: AccountArg,
    #[command(flatten)]
    packs: PacksArg,
    /// The division (default: the account's own).
    #[arg(long, default_value = "")]
    scope: String,
    /// The date the data is read as of (YYYY-MM-DD).
    #[arg(long)]
    as_of: String,
    /// The month of monthly indicators (the visit rate; YYYY-MM; default: the as-of date's).
    #[arg(long)]
    month: Option<String>,
    /// One line per child division at this level instead of one for the scope.
    #[arg(long, value_parser = ["county", "township", "village"])]
    by: Option<String>,
    #[arg(long)]
    out: PathBuf,
}

pub async fn run(a: IndicatorsArgs) -> Result<ExitCode, crate::AnyError> {
    let as_of = NaiveDate::parse_from_str(a.as_of.trim(), "%Y-%m-%d")
        .map_err(|_| format!("--as-of 应为日期，如 2026-11-30：{}", a.as_of))?;
    let month = match &a.month {
        Some(m) => yiyang_domain::dates::Month::parse(m).map_err(|_| format!("--month 应为月份，如 2026-11：{m}"))?,
        None => yiyang_domain::dates::Month::of(as_of),
    };
    let packs = a.packs.load()?;
    let store = crate::open_store(&a.db.db).await?;
    store.set_visit_rules(&packs);
    let me = a.who.sign_in(&store, Permission::IndicatorRead).await?;
    let scope = me.scope(&a.scope)?;
    let level = a.by.as_deref().map(|b| match b {
        "county" => 6,
        "township" => 9,
        _ => 12,
    });
    let lines = store.indicators(&scope, level, as_of, month, &packs).await?;
    let mut text = format!("{CSV_HEADER}\n");
    for l in &lines {
        text.push_str(&l.csv());
        text.push('\n');
    }
    std::fs::write(&a.out, text).map_err(|e| format!("{}：无法写入：{e}", a.out.display()))?;
    eprintln!("已写入 {} 行 → {}", lines.len(), a.out.display());
    Ok(ExitCode::SUCCESS)
}
