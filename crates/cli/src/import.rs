//! `yiyang import …`: the registers (older people, institutions, beds, residents, assessments)
//! and death files from exchanged data, from .csv or .xlsx, as a signed-in account inside its
//! scope. Each prints what it did and lists the rows it could not take, by row and field.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use yiyang_domain::person::death_file::{parse_source, DeathOutcome};
use yiyang_domain::role::Permission;

use crate::{account, AnyError, DbArg};

#[derive(Subcommand)]
pub(crate) enum ImportWhat {
    /// Older people (老年人信息). Rows are upserted by ID number; rejected rows are listed.
    Elders(CareImportArgs),
    /// Institutions (机构编号, 机构名称, 统一社会信用代码, 机构性质, 区划代码, …).
    Institutions(CareImportArgs),
    /// Beds (机构编号, 楼栋, 房间, 床号, 护理型, 失智照护单元).
    Beds(CareImportArgs),
    /// Residents (机构编号, 身份证号, 楼栋, 房间, 床号, 入住日期); needs a valid assessment.
    Residents(CareImportArgs),
    /// Assessment results, including legacy MZ/T 039-2013 levels (身份证号, 评估标准, 评估等级,
    /// 评估日期, 有效期至).
    Assessments(CareImportArgs),
    /// Deaths from exchanged data (死亡信息: 姓名, 身份证号, 死亡日期, 信息来源), matched by ID number
    /// inside the account's area; disagreeing names and dates go to the review list.
    Deaths(DeathImportArgs),
    /// Medical-insurance settlements (医保结算: 姓名, 身份证号, 结算日期) as proofs of life
    /// (静默认证), matched by ID number and name inside the account's area.
    LifeSigns(SignImportArgs),
    /// Payment accounts (发放账户: 身份证号, 姓名, 发放渠道, 开户银行, 账号, and for an agent 户名,
    /// 代领人身份证号, 代领人关系), for people registered inside the account's area.
    Accounts(SignImportArgs),
}

/// A file matched row by row against the register inside the account's area.
#[derive(clap::Args)]
pub(crate) struct SignImportArgs {
    file: PathBuf,
    #[command(flatten)]
    db: DbArg,
    /// Only match people registered inside this division (default: the account's scope).
    #[arg(long, default_value = "")]
    scope: String,
    #[command(flatten)]
    who: account::AccountArg,
}

/// A register file to import.
#[derive(clap::Args)]
pub(crate) struct CareImportArgs {
    file: PathBuf,
    #[command(flatten)]
    db: DbArg,
    /// Write the rejected rows to this .xlsx file.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Only accept rows inside this division (default: the account's scope).
    #[arg(long, default_value = "")]
    scope: String,
    #[command(flatten)]
    who: account::AccountArg,
}

/// A death file from the public-security, health, funeral or civil-affairs system.
#[derive(clap::Args)]
pub(crate) struct DeathImportArgs {
    file: PathBuf,
    #[command(flatten)]
    db: DbArg,
    /// The system the file came from, for rows that name none (公安, 殡葬, 卫健, 民政 …).
    #[arg(long, default_value = "")]
    source: String,
    /// Only match people registered inside this division (default: the account's scope).
    #[arg(long, default_value = "")]
    scope: String,
    #[command(flatten)]
    who: account::AccountArg,
}

pub(crate) async fn run(what: ImportWhat) -> Result<ExitCode, AnyError> {
    match what {
        ImportWhat::Elders(CareImportArgs {
            file,
            db,
            report,
            scope,
            who,
        }) => {
            let store = crate::open_store(&db.db).await?;
            let me = who
                .sign_in(&store, yiyang_domain::role::Permission::PersonWrite)
                .await?;
            let scope = me.scope(&scope)?;
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{spinner} 导入 [{bar:40}] {pos}/{len} 行 {per_sec} 预计剩余 {eta}")
                    .expect("template")
                    .progress_chars("=> "),
            );
            let b = bar.clone();
            let summary = store
                .import_people(&file, &scope, &me.actor, &move |done, total| {
                    b.set_length(total);
                    b.set_position(done);
                })
                .await?;
            bar.finish_and_clear();
            let j = &summary.job;
            println!(
                "导入完成（编号 {}）：共 {} 行，新增 {}，更新 {}，未变 {}，未导入 {} 行。",
                j.id, j.total_rows, j.inserted, j.updated, j.unchanged, j.rejected
            );
            if !summary.ignored_columns.is_empty() {
                println!("未识别而忽略的列：{}", summary.ignored_columns.join("、"));
            }
            for e in summary.errors.iter().take(50) {
                println!("  第 {} 行 {}（{}）：{}", e.row_no, e.field, e.value, e.message);
            }
            if summary.errors.len() > 50 {
                println!("  ……另有 {} 条问题", summary.errors.len() - 50);
            }
            if let Some(path) = report {
                let bytes = yiyang_store::import::error_report_xlsx(j, &summary.errors)?;
                std::fs::write(&path, bytes)?;
                println!("问题报告已写入 {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        ImportWhat::Deaths(a) => deaths(a).await,
        ImportWhat::LifeSigns(a) => life_signs(a).await,
        ImportWhat::Accounts(a) => accounts(a).await,
        what => {
            use yiyang_store::institutions::care_import::CareFile;
            let (kind, a) = match what {
                ImportWhat::Institutions(a) => (CareFile::Institutions, a),
                ImportWhat::Beds(a) => (CareFile::Beds, a),
                ImportWhat::Residents(a) => (CareFile::Residents, a),
                ImportWhat::Assessments(a) => (CareFile::Assessments, a),
                ImportWhat::Elders(_) | ImportWhat::Deaths(_) | ImportWhat::LifeSigns(_) | ImportWhat::Accounts(_) => {
                    unreachable!("handled above")
                }
            };
            let store = crate::open_store(&a.db.db).await?;
            let me = a
                .who
                .sign_in(&store, yiyang_domain::role::Permission::InstitutionWrite)
                .await?;
            let scope = me.scope(&a.scope)?;
            let file_name = a
                .file
                .file_name()
                .map_or_else(|| a.file.display().to_string(), |n| n.to_string_lossy().into_owned());
            let (job_id, summary) = store.import_care(&a.file, &file_name, kind, &scope, &me.actor).await?;
            println!(
                "{}导入完成（导入任务 {job_id}）：共 {} 行，新增 {}，已存在 {}，未导入 {} 条问题。",
                kind.label(),
                summary.total_rows,
                summary.imported,
                summary.unchanged,
                summary.errors.len()
            );
            for e in summary.errors.iter().take(50) {
                println!("  第 {} 行 {}（{}）：{}", e.row_no, e.field, e.value, e.message);
            }
            if let Some(path) = a.report {
                let job = store.import_job(job_id).await?.expect("just recorded");
                std::fs::write(&path, yiyang_store::import::error_report_xlsx(&job, &summary.errors)?)?;
                println!("问题报告已写入 {}", path.display());
            }
            Ok(if summary.errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(2)
            })
        }
    }
}

/// Imports a death file and prints its outcome: the counts, then the rows to review and the
/// rows not taken. Exit code 2 when a row was not taken or awaits review.
async fn deaths(a: DeathImportArgs) -> Result<ExitCode, AnyError> {
    let store = crate::open_store(&a.db.db).await?;
    let me = a.who.sign_in(&store, Permission::PersonWrite).await?;
    let scope = me.scope(&a.scope)?;
    let source = match a.source.trim() {
        "" => None,
        s => Some(parse_source(s).ok_or_else(|| format!("信息来源“{s}”无法识别（如：公安、殡葬、卫健、民政）"))?),
    };
    let file_name = a
        .file
        .file_name()
        .map_or_else(|| a.file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let id = store
        .import_death_file(&a.file, &file_name, source, &scope, &me.actor)
        .await?;
    let (file, counts) = store.death_file(id, &scope).await?.ok_or("导入的文件未找到")?;
    println!("死亡信息比对完成（编号 {id}）：共 {} 行。", file.total_rows);
    for o in DeathOutcome::ALL {
        let n = counts.of(o);
        if n > 0 {
            println!("  {}：{n}", o.label());
        }
    }
    let rows = store.death_file_rows(id, 5_000).await?;
    let flagged: Vec<_> = rows
        .iter()
        .filter(|r| {
            r.outcome()
                .is_some_and(|o| o.awaits_review() || o == DeathOutcome::Rejected)
        })
        .collect();
    for r in flagged.iter().take(50) {
        println!(
            "  第 {} 行 {} {}：{}{}",
            r.row_no,
            r.name,
            r.masked_id(),
            r.outcome_label(),
            r.message.as_deref().map(|m| format!("（{m}）")).unwrap_or_default()
        );
    }
    if flagged.len() > 50 {
        println!("  ……另有 {} 行", flagged.len() - 50);
    }
    if counts.of(DeathOutcome::NameDiffers) + counts.of(DeathOutcome::DateDiffers) > 0 {
        println!("待核实的行请在“死亡信息比对”页面核实后确认或不予登记。");
    }
    Ok(if flagged.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// Imports medical-insurance settlements as proofs of life and prints what they did. Exit code
/// 2 when a row was wrong or named someone else.
async fn life_signs(a: SignImportArgs) -> Result<ExitCode, AnyError> {
    let (store, me, scope, file_name) = a.open().await?;
    let r = store.import_life_signs(&a.file, &file_name, &scope, &me.actor).await?;
    println!(
        "医保结算比对完成：共 {} 行；{} 人作为认证（新记录 {}，恢复发放 {}）；本辖区登记册中无此人 {} 行；姓名不一致 {} 行；有误 {} 行。",
        r.rows, r.people, r.recorded, r.released, r.not_found, r.name_differs_count, r.rejected_count
    );
    for (row, what) in r.name_differs.iter().chain(&r.rejected).take(50) {
        println!("  第 {row} 行：{what}");
    }
    Ok(if r.name_differs_count + r.rejected_count == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

/// Imports payment accounts and prints what it did. Exit code 2 when a row was not taken.
async fn accounts(a: SignImportArgs) -> Result<ExitCode, AnyError> {
    let (store, me, scope, file_name) = a.open().await?;
    let r = store.import_accounts(&a.file, &file_name, &scope, &me.actor).await?;
    println!(
        "发放账户导入完成：共 {} 行；登记或更新 {} 人，与原账户相同 {} 人，恢复发放 {} 人；未导入 {} 行。",
        r.rows, r.set, r.unchanged, r.released, r.problem_count
    );
    for (row, what) in r.problems.iter().take(50) {
        println!("  第 {row} 行：{what}");
    }
    Ok(if r.problem_count == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

impl SignImportArgs {
    /// The store, the account signed in (a clerk of the register), its scope, and the file's name.
    async fn open(&self) -> Result<(yiyang_store::Store, account::SignedIn, String, String), AnyError> {
        let store = crate::open_store(&self.db.db).await?;
        let me = self.who.sign_in(&store, Permission::PersonWrite).await?;
        let scope = me.scope(&self.scope)?;
        let file_name = self
            .file
            .file_name()
            .map_or_else(|| self.file.display().to_string(), |n| n.to_string_lossy().into_owned());
        Ok((store, me, scope, file_name))
    }
}
