//! `yiyang benefits …` and `yiyang policy …`: policy packs and benefit computations.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use yiyang_domain::dates::Month;
use yiyang_domain::policy::pack::Pack;
use yiyang_domain::policy::{self, MonthProgram};

use crate::simulate::{self, Totals};
use yiyang_store::benefits::RunRequest;

#[derive(clap::Args, Clone)]
pub struct PacksArg {
    /// Load policy packs from this folder (each pack in `<id>/pack.toml`) instead of the
    /// packs built into this binary.
    #[arg(long, env = "YIYANG_PACKS")]
    pub packs: Option<PathBuf>,
}

impl PacksArg {
    pub fn load(&self) -> Result<Vec<Pack>, String> {
        let sources = match &self.packs {
            None => policy::shipped::sources(),
            Some(dir) => read_pack_dir(dir)?,
        };
        let report = |errors: Vec<policy::PackError>| {
            let mut s = format!("政策包有 {} 处错误：", errors.len());
            for e in errors {
                s.push_str(&format!("\n  {e}"));
            }
            s
        };
        policy::load(&sources).map_err(report)
    }
}

/// `(path, text)` of every `*/pack.toml` under `dir`.
pub fn read_pack_dir(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("pack.toml"))
        .collect();
    paths.sort();
    for p in paths.into_iter().filter(|p| p.is_file()) {
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        out.push((p.display().to_string(), text));
    }
    if out.is_empty() {
        return Err(format!("{} 下没有 */pack.toml", dir.display()));
    }
    Ok(out)
}

pub(crate) fn find<'a>(packs: &'a [Pack], id: &str) -> Result<&'a Pack, String> {
    packs.iter().find(|p| p.id == id).ok_or_else(|| {
        format!(
            "没有政策包 `{id}`；可用：{}",
            packs.iter().map(|p| p.id.as_str()).collect::<Vec<_>>().join("、")
        )
    })
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

fn progress_bar(path: &Path) -> ProgressBar {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {bar:30} {bytes_per_sec} 剩余 {eta}")
            .expect("template"),
    );
    bar
}

#[derive(Subcommand)]
pub enum BenefitsAction {
    /// Compute a month's benefit totals straight from an elders.csv file (no database), with
    /// a policy pack, and write the totals CSV (format of ../shared/bench/expected-*.csv).
    Simulate {
        #[arg(long)]
        input: PathBuf,
        /// Benefit month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// The policy pack to apply (`bench` is the benchmark profile).
        #[arg(long, alias = "pack", default_value = "bench")]
        profile: String,
        /// Where to write the totals; `-` for standard output.
        #[arg(long, default_value = "-")]
        out: PathBuf,
        /// Worker threads (default: the number of cores).
        #[arg(long)]
        threads: Option<usize>,
        #[command(flatten)]
        packs: PacksArg,
    },
    /// What if a parameter changed? Cost per month and people affected, by county, from an
    /// elders.csv file; nothing is stored.
    WhatIf {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        month: String,
        #[arg(long, alias = "profile", default_value = "bench")]
        pack: String,
        /// A changed parameter, `name=value` (money in yuan, e.g. gaoling_90=300). Repeatable.
        #[arg(long = "set", required = true)]
        set: Vec<String>,
        #[arg(long)]
        threads: Option<usize>,
        #[command(flatten)]
        packs: PacksArg,
    },
    /// Compute a month's payment lines from the register and store them (idempotent: run it
    /// again to continue an interrupted run; a finished run is left as it is).
    Run {
        #[arg(long)]
        month: String,
        #[command(flatten)]
        db: crate::DbArg,
        /// The paying county (6 digits); a city or province: each of its counties in turn, one
        /// run each. Default: the account's own area.
        #[arg(long, default_value = "")]
        scope: String,
        /// Apply this pack to everyone (default: each person's most specific pack).
        #[arg(long)]
        pack: Option<String>,
        /// Discard a draft run's lines and compute it again.
        #[arg(long)]
        recompute: bool,
        /// Earlier months that back-pay looks at.
        #[arg(long, default_value_t = 12)]
        backpay_months: u32,
        #[command(flatten)]
        packs: PacksArg,
        #[command(flatten)]
        who: crate::account::AccountArg,
    },
    /// Review a computed run (审核): needs a reviewer account.
    Review {
        #[arg(long)]
        run: i64,
        /// The run's total in yuan, as the signer checked it (on the run's page, or as
        /// `benefits run` printed it): a run whose total differs is refused.
        #[arg(long)]
        confirm_total: String,
        #[command(flatten)]
        who: crate::account::AccountArg,
        #[command(flatten)]
        db: crate::DbArg,
    },
    /// Approve a reviewed run (审批): needs an approver account other than the reviewer.
    Approve {
        #[arg(long)]
        run: i64,
        /// The run's total in yuan, as the signer checked it (on the run's page, or as
        /// `benefits run` printed it): a run whose total differs is refused.
        #[arg(long)]
        confirm_total: String,
        #[command(flatten)]
        who: crate::account::AccountArg,
        #[command(flatten)]
        db: crate::DbArg,
    },
    /// Write the disbursement files of an approved run (CSV and .xlsx per benefit and county).
    Export {
        #[arg(long)]
        run: i64,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        who: crate::account::AccountArg,
        #[command(flatten)]
        db: crate::DbArg,
    },
    /// Explain one person's month: facts, every rule, what was paid and why not.
    Explain {
        /// The person's ID number.
        #[arg(long)]
        person: String,
        #[arg(long)]
        month: String,
        #[command(flatten)]
        db: crate::DbArg,
        #[command(flatten)]
        packs: PacksArg,
        #[command(flatten)]
        who: crate::account::AccountArg,
    },
}

fn s(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A run in one line, its area and pack by name.
fn print_run(store: &yiyang_store::Store, r: &yiyang_store::benefits::RunInfo) {
    let pack = if r.pack == "auto" {
        "按户籍地自动选择".to_string()
    } else {
        yiyang_domain::policy::shipped::packs()
            .into_iter()
            .find(|p| p.id == r.pack)
            .map_or_else(|| r.pack.clone(), |p| p.title)
    };
    println!(
        "批次 {}：{} {} 政策包“{}”，状态 {}；{} 人，{} 笔，合计 {}{}{}",
        r.id,
        r.month,
        store.reference().division_path(&r.scope),
        pack,
        r.status.label(),
        r.persons,
        r.lines,
        yiyang_domain::Fen(r.total_fen),
        if r.skipped > 0 {
            format!("（{} 笔已由其他批次发放，未重复计入）", r.skipped)
        } else {
            String::new()
        },
        if r.pending > 0 {
            format!("；另有 {} 人次符合条件、金额待设定（待定，未计入合计）", r.pending)
        } else {
            String::new()
        }
    );
}

/// 审核 (`approve` false) or 审批 as the account in `who`, of the run whose total the signer
/// confirmed.
async fn sign(
    run: i64,
    confirm_total: &str,
    who: &crate::account::AccountArg,
    db: &crate::DbArg,
    approve: bool,
) -> Result<ExitCode, String> {
    use yiyang_domain::role::Permission;
    let store = crate::open_store(&db.db).await.map_err(s)?;
    let perm = if approve {
        Permission::BenefitApprove
    } else {
        Permission::BenefitReview
    };
    let me = who.sign_in(&store, perm).await?;
    let (user, actor) = (me.user, me.actor);
    let confirmed = yiyang_domain::policy::pack::parse_yuan(confirm_total.trim())
        .ok_or_else(|| format!("--confirm-total “{confirm_total}” 不是金额（元，如 315900 或 315900.50）"))?;
    // Someone else's run is "not found", as on the web.
    let current = store
        .benefit_run(run)
        .await
        .ok()
        .filter(|r| r.scope.starts_with(&user.scope))
        .ok_or_else(|| format!("没有批次 {run}，或不在您的管辖范围内"))?;
    if current.total_fen != confirmed {
        return Err(format!(
            "批次 {run} 现在的合计为 {}，与您核对的 {} 不一致（可能已重新计算），请重新核对",
            yiyang_domain::Fen(current.total_fen),
            yiyang_domain::Fen(confirmed)
        ));
    }
    let seen = yiyang_store::benefits::run_signing::run_digest(&current);
    let r = if approve {
        store
            .approve_run(run, Some(&seen), &user.username, user.role, &user.scope, &actor)
            .await
    } else {
        store
            .review_run(run, Some(&seen), &user.username, user.role, &user.scope, &actor)
            .await
    };
    print_run(&store, &r.map_err(s)?);
    Ok(ExitCode::SUCCESS)
}

/// Computes one county's run with a progress bar and prints it.
async fn run_one(
    store: &yiyang_store::Store,
    req: &RunRequest<'_>,
    packs: &[yiyang_domain::policy::Pack],
    actor: &yiyang_store::audit::Actor,
) -> Result<(), String> {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {pos}/{len} 人 {bar:30} {per_sec} 剩余 {eta}").expect("template"),
    );
    let out = store
        .run_benefits(req, packs, actor, &|done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await
        .map_err(s)?;
    bar.finish_and_clear();
    if out.already_complete {
        println!("该批次已计算完成，未重复计算（如需重算草稿请加 --recompute）。");
    } else if out.resumed {
        println!("已从中断处继续计算。");
    }
    if out.backpay_lines > 0 {
        println!("含补发 {} 笔。", out.backpay_lines);
    }
    if out.recovery_lines > 0 {
        println!("含追回 {} 笔（负数金额，单列追回清单）。", out.recovery_lines);
    }
    print_run(store, &out.run);
    Ok(())
}

pub async fn benefits_db(action: BenefitsAction) -> Result<ExitCode, String> {
    match action {
        BenefitsAction::Run {
            month,
            db,
            scope,
            pack,
            recompute,
            backpay_months,
            packs,
            who,
        } => {
            let packs = packs.load()?;
            let month = Month::parse(&month).map_err(s)?;
            let store = crate::open_store(&db.db).await.map_err(s)?;
            // With the local figures the county has approved.
            let packs = store.packs_in_force(&packs).await.map_err(s)?;
            let me = who
                .sign_in(&store, yiyang_domain::role::Permission::BenefitPrepare)
                .await?;
            let scope = me.scope(&scope)?;
            let req = RunRequest {
                pack: pack.as_deref(),
                recompute,
                backpay_months,
                ..RunRequest::new(month, &scope)
            };
            // A run's scope is the paying county: a wider scope runs each of its counties.
            let starts = store.check_county_starts(&scope, &req, &packs).await.map_err(s)?;
            let many = starts.len() > 1;
            let mut failed = false;
            for start in starts {
                let name = store.reference().division_path(&start.county);
                if let Some(why) = start.refused {
                    eprintln!("{name}：未计算。{why}");
                    failed = true;
                    continue;
                }
                if many {
                    println!("— {name} —");
                }
                let one = RunRequest {
                    scope: &start.county,
                    ..req
                };
                if let Err(e) = run_one(&store, &one, &packs, &me.actor).await {
                    eprintln!("{name}：{e}");
                    failed = true;
                }
            }
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        BenefitsAction::Review {
            run,
            confirm_total,
            who,
            db,
        } => sign(run, &confirm_total, &who, &db, false).await,
        BenefitsAction::Approve {
            run,
            confirm_total,
            who,
            db,
        } => sign(run, &confirm_total, &who, &db, true).await,
        BenefitsAction::Export { run, out, who, db } => {
            let store = crate::open_store(&db.db).await.map_err(s)?;
            let me = who
                .sign_in(&store, yiyang_domain::role::Permission::BenefitApprove)
                .await?;
            let (user, actor) = (me.user, me.actor);
            let files = store
                .export_run(run, &user.username, user.role, &user.scope, &out, &actor)
                .await
                .map_err(s)?;
            for f in &files {
                println!("{}", f.display());
            }
            print_run(&store, &store.benefit_run(run).await.map_err(s)?);
            Ok(ExitCode::SUCCESS)
        }
        BenefitsAction::Explain {
            person,
            month,
            db,
            packs,
            who,
        } => {
            let packs = packs.load()?;
            let month = Month::parse(&month).map_err(s)?;
            let store = crate::open_store(&db.db).await.map_err(s)?;
            // With the local figures the county has approved.
            let packs = store.packs_in_force(&packs).await.map_err(s)?;
            let me = who
                .sign_in(&store, yiyang_domain::role::Permission::BenefitRead)
                .await?;
            // Someone outside the account's scope is "not in the register", as on the web.
            let id = store
                .person_id_by_number_in(person.trim(), &me.user.scope)
                .await
                .map_err(s)?
                .ok_or_else(|| "登记册中没有此身份证号（或不在您的管辖范围内）".to_string())?;
            store.record_full_view(id, &me.actor).await.map_err(s)?;
            let pm = store.person_month(id, month, &packs).await.map_err(s)?;
            print!("{}", explain_text(&pm));
            Ok(ExitCode::SUCCESS)
        }
        other => benefits(other),
    }
}

pub fn benefits(action: BenefitsAction) -> Result<ExitCode, String> {
    match action {
        BenefitsAction::Simulate {
            input,
            month,
            profile,
            out,
            threads: t,
            packs,
        } => {
            let packs = packs.load()?;
            let pack = find(&packs, &profile)?;
            let month = Month::parse(&month).map_err(|e| e.to_string())?;
            let program = MonthProgram::new(pack, month);
            let bar = progress_bar(&input);
            let started = std::time::Instant::now();
            let (totals, stats) = simulate::scan(
                &input,
                month,
                t.unwrap_or_else(threads),
                || Totals::new(&program),
                &|pos| bar.set_position(pos),
            )?;
            bar.finish_and_clear();
            let write = |w: &mut dyn std::io::Write| simulate::write_totals(w, &totals, &stats);
            if out.as_os_str() == "-" {
                write(&mut std::io::stdout().lock()).map_err(|e| e.to_string())?;
            } else {
                let mut f = std::fs::File::create(&out).map_err(|e| format!("{}: {e}", out.display()))?;
                write(&mut f).map_err(|e| e.to_string())?;
            }
            let rejected: u64 = stats.rejected.iter().sum();
            eprintln!(
                "{month}：读入 {} 行，可发放 {} 人，拒绝 {rejected} 行，用时 {:.2} 秒（政策包 {} {}）",
                stats.rows,
                totals.payable,
                started.elapsed().as_secs_f64(),
                pack.id,
                pack.version
            );
            Ok(ExitCode::SUCCESS)
        }
        BenefitsAction::WhatIf {
            input,
            month,
            pack,
            set,
            threads: t,
            packs,
        } => {
            let packs = packs.load()?;
            let base = find(&packs, &pack)?;
            let month = Month::parse(&month).map_err(|e| e.to_string())?;
            let changed = crate::whatif::with_changes(base, month, &set)?;
            let (before, after) = (MonthProgram::new(base, month), MonthProgram::new(&changed, month));
            let bar = progress_bar(&input);
            let (cmp, stats) = simulate::scan(
                &input,
                month,
                t.unwrap_or_else(threads),
                || crate::whatif::Compare::new(&before, &after),
                &|pos| bar.set_position(pos),
            )?;
            bar.finish_and_clear();
            print!("{}", cmp.report(&set));
            eprintln!(
                "读入 {} 行，拒绝 {} 行。",
                stats.rows,
                stats.rejected.iter().sum::<u64>()
            );
            Ok(ExitCode::SUCCESS)
        }
        _ => unreachable!("database commands go through benefits_db"),
    }
}

/// The text of `benefits explain` (the web page shows the same).
pub fn explain_text(pm: &yiyang_store::benefits::PersonMonth<'_>) -> String {
    use yiyang_domain::policy::Fact;
    use yiyang_domain::Fen;
    let p = &pm.person;
    let mut s = format!(
        "{} {} {} 的待遇说明\n",
        p.name,
        yiyang_domain::id_number::mask(&p.id_number),
        pm.month
    );
    if !pm.payable {
        s.push_str(&format!(
            "已于 {} 去世：自去世次月起停发。\n",
            p.death_date.map(|d| d.to_string()).unwrap_or_default()
        ));
    }
    if pm.own.is_none() {
        s.push_str("没有适用于其户籍地的政策包。\n");
    }
    for (heading, part) in [
        ("发给本人的待遇", &pm.own),
        ("按入住人数发给养老机构的补贴", &pm.institution),
    ] {
        let Some(e) = part else { continue };
        let pack = e.program.pack;
        s.push_str(&format!(
            "\n{heading}{}——适用政策包：{}（{}，{} 版）\n",
            e.institution
                .as_deref()
                .map(|c| format!("（机构 {c}）"))
                .unwrap_or_default(),
            pack.title,
            pack.document,
            pack.version
        ));
        let f = &e.facts;
        s.push_str(&format!(
            "事实：年龄 {}（按月末计）；能力等级 {}；照护等级 {}；户籍 {}；居住 {}\n",
            f.age,
            f.display(Fact::CapabilityLevel),
            f.display(Fact::Tier),
            f.display(Fact::Hukou),
            f.display(Fact::Residence)
        ));
        for b in &e.traces {
            let benefit = &pack.benefits[b.benefit];
            if b.paid.amount > 0 {
                s.push_str(&format!("\n■ {}：发放 {}\n", benefit.title, Fen(b.paid.amount)));
            } else {
                s.push_str(&format!("\n□ {}：不发放\n", benefit.title));
            }
            for t in &b.rules {
                let r = &pack.rules[t.rule];
                let facts: Vec<String> = t.facts.iter().map(|(_, label, v)| format!("{label}={v}")).collect();
                s.push_str(&format!(
                    "  - {}：{}\n    条件 {}；事实 {}\n    依据 {}\n",
                    r.title,
                    t.status.describe(t.amount),
                    r.when_src,
                    facts.join("，"),
                    r.clause
                ));
            }
        }
    }
    if !pm.lines.is_empty() {
        s.push_str("\n已入账：\n");
        for l in &pm.lines {
            s.push_str(&format!(
                "  批次 {} {} {} {}（规则 {}）\n",
                l.run_id,
                l.benefit,
                l.kind_label(),
                Fen(l.amount_fen),
                l.rule_id
            ));
        }
    }
    s
}
