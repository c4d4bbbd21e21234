//! `yiyang`: the platform's command line: serve the web app, import registers, load the
//! demo county, manage accounts, verify the audit chain, and run benchmarks.

mod account;
mod assess;
mod bench;
mod bench_dashboard;
mod bench_register;
mod bench_services;
mod benefits;
mod import;
mod indicators;
mod inspect;
mod planning;
mod policy;
mod simulate;
mod timebank;
mod whatif;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use yiyang_domain::role::Role;
use yiyang_store::audit::{Actor, Verification};
use yiyang_store::demo::{DEMO_ACCOUNTS, DEMO_PASSWORD};
use yiyang_store::users::NewUser;
use yiyang_store::Store;

const DEFAULT_DB: &str = "sqlite://yiyang.db";

#[derive(Parser)]
#[command(name = "yiyang", version, about = "颐养养老服务平台 (Yiyang elderly-care platform)")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
pub(crate) struct DbArg {
    /// Database URL: sqlite://path/to/file.db or postgres://user@host/db. Created and
    /// migrated when needed.
    #[arg(long, env = "YIYANG_DB", default_value = DEFAULT_DB)]
    pub(crate) db: String,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (pages and /api/v1).
    Serve {
        #[command(flatten)]
        db: DbArg,
        #[arg(long, env = "YIYANG_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Load the demo county (会昌县) and its accounts if the database has no people yet.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (when served behind HTTPS).
        #[arg(long)]
        secure_cookies: bool,
        #[command(flatten)]
        packs: benefits::PacksArg,
        /// Where the embedded MQTT endpoint for emergency-call devices listens (topic
        /// yiyang/sos/<device-id>; user name = device id, password = its secret).
        #[arg(long, env = "YIYANG_MQTT_ADDR", default_value = "127.0.0.1:1883")]
        mqtt_addr: SocketAddr,
        /// Take emergency calls from an outside broker instead (EMQX, Mosquitto):
        /// mqtt://user:password@host:1883. The embedded endpoint is then not started.
        #[arg(long, env = "YIYANG_MQTT_URL")]
        mqtt_url: Option<String>,
        /// Start no MQTT at all (calls over HTTP only).
        #[arg(long)]
        no_mqtt: bool,
    },
    /// Import data from .csv or .xlsx.
    Import {
        #[command(subcommand)]
        what: import::ImportWhat,
    },
    /// Load the demo county into the database.
    Demo {
        #[command(flatten)]
        db: DbArg,
        /// How many older people to generate.
        #[arg(long, default_value_t = 3000)]
        people: usize,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Administrative divisions.
    Divisions {
        #[command(subcommand)]
        action: DivisionAction,
    },
    /// Capability assessment (GB/T 42195-2022).
    Assess {
        #[command(subcommand)]
        action: assess::AssessAction,
    },
    /// Policy packs: list them, show one with its parameters, rules and clauses.
    Policy {
        #[command(subcommand)]
        action: policy::PolicyAction,
    },
    /// Benefit computations: simulate a month from a CSV file, what-if.
    Benefits {
        #[command(subcommand)]
        action: benefits::BenefitsAction,
    },
    /// The time bank's ledger and account extracts.
    Timebank {
        #[command(subcommand)]
        action: timebank::TimebankAction,
    },
    /// Random inspections (双随机、一公开): draw from a batch file, or verify a published draw.
    Inspect {
        #[command(subcommand)]
        action: inspect::InspectAction,
    },
    /// The indicators of a division against its packs' targets, as CSV.
    Indicators(indicators::IndicatorsArgs),
    /// Planning: the 15-minute service circle's coverage and siting, from files.
    Planning {
        #[command(subcommand)]
        action: planning::PlanningAction,
    },
    /// Benchmarks (see README for results).
    Bench {
        #[command(subcommand)]
        what: bench::BenchWhat,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Create an account.
    Add {
        #[command(flatten)]
        db: DbArg,
        #[arg(long)]
        username: String,
        /// Display name, e.g. 会昌县民政局 张三.
        #[arg(long)]
        name: String,
        /// civil_affairs, institution, provider, assessor, inspector or auditor (or the Chinese label).
        #[arg(long)]
        role: String,
        /// Division code the account works in, e.g. 360733.
        #[arg(long)]
        scope: String,
        /// For institution staff: the institution's code.
        #[arg(long)]
        institution: Option<String>,
        /// The new account's password (at least 10 characters, not a common one); prefer the
        /// YIYANG_PASSWORD environment variable.
        #[arg(long, env = "YIYANG_PASSWORD", hide_env_values = true)]
        password: String,
        /// The administrator creating it (once the database has one), with its password in
        /// YIYANG_ADMIN_PASSWORD; the new account's scope must lie inside the administrator's.
        #[arg(long, env = "YIYANG_ADMIN")]
        admin: Option<String>,
        #[arg(long, env = "YIYANG_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: Option<String>,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum AuditAction {
    /// Check the hash chain and the checkpoints kept outside the database; exits 2 and names
    /// the first broken entry, or the cut tail, if it is broken.
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
    /// Write a signed checkpoint of the chain's head (if it moved) and print the newest, for
    /// publication (e.g. in a monthly notice) so that the log cannot later be cut unseen.
    Checkpoint {
        #[command(flatten)]
        db: DbArg,
    },
    /// Key new entries with a fresh key; the old keys stay in the key file for verification.
    RotateKey {
        #[command(flatten)]
        db: DbArg,
    },
}

#[derive(Subcommand)]
enum DivisionAction {
    /// Add divisions from a CSV with columns code,name (e.g. the villages of more counties).
    Load {
        file: PathBuf,
        #[command(flatten)]
        db: DbArg,
    },
}

/// The operating-system user, for the audit log.
pub(crate) fn cli_actor() -> Actor {
    let user = whoami::username();
    let host = whoami::fallible::hostname().unwrap_or_else(|_| "localhost".into());
    Actor {
        name: format!("os:{user}"),
        channel: "cli",
        source: format!("{user}@{host}"),
        scope: String::new(),
    }
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=error,tower_http=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let code = match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e}");
            std::process::ExitCode::FAILURE
        }
    };
    // Whatever the command wrote to the audit log is sealed by a signed checkpoint outside
    // the database before the process ends.
    rt.block_on(async {
        let opened = std::mem::take(&mut *OPENED.lock().expect("opened stores"));
        for store in opened {
            if let Err(e) = store.checkpoint_audit().await {
                eprintln!("警告：未能写入审计检查点：{e}");
            }
        }
    });
    code
}

/// The databases this command opened, to checkpoint their audit chains at the end.
static OPENED: std::sync::Mutex<Vec<Store>> = std::sync::Mutex::new(Vec::new());

/// Opens (creating and migrating) a database for a command, remembering it for the closing
/// audit checkpoint.
pub(crate) async fn open_store(url: &str) -> Result<Store, yiyang_store::StoreError> {
    let store = Store::connect(url).await?;
    OPENED.lock().expect("opened stores").push(store.clone());
    Ok(store)
}

pub(crate) type AnyError = Box<dyn std::error::Error + Send + Sync>;

async fn run(cli: Cli) -> Result<std::process::ExitCode, AnyError> {
    use std::process::ExitCode;
    match cli.command {
        Command::Serve {
            db,
            addr,
            demo,
            secure_cookies,
            packs,
            mqtt_addr,
            mqtt_url,
            no_mqtt,
        } => {
            let packs = packs.load()?;
            let store = crate::open_store(&db.db).await?;
            if demo && store.count_people("").await? == 0 {
                eprintln!("正在载入演示数据（会昌县）……");
                let n = store.load_demo(3000, &cli_actor()).await?;
                eprintln!("已载入 {n} 名老年人。");
            }
            let listener = tokio::net::TcpListener::bind(addr).await?;
            let local = listener.local_addr()?;
            println!("颐养养老服务平台已启动：http://{local}/");
            println!("数据库：{}", db.db);
            if demo {
                println!("演示账号（密码均为 {DEMO_PASSWORD}）：");
                for (u, display, role, scope, _) in DEMO_ACCOUNTS {
                    let area = store.reference().division_name(scope).unwrap_or("").to_string();
                    println!("  {u:<10} {:<8} {area:<8} {display}", role.label());
                }
            }
            println!("按 Ctrl-C 停止。");
            let mut state = yiyang_web::AppState::new(store);
            state.secure_cookies = secure_cookies;
            state.store.set_visit_rules(&packs);
            state.packs = std::sync::Arc::new(packs);
            let mqtt = match (no_mqtt, mqtt_url) {
                (true, _) => None,
                (false, Some(url)) => {
                    let task = yiyang_web::sos::mqtt::bridge(state.store.clone(), state.sos.clone(), &url).await?;
                    println!(
                        "一键呼救：订阅外部 MQTT 服务器 {}",
                        url.split('@').next_back().unwrap_or("")
                    );
                    Some(task)
                }
                (false, None) => {
                    let l = tokio::net::TcpListener::bind(mqtt_addr).await.map_err(|e| {
                        format!("一键呼救 MQTT 端口 {mqtt_addr} 无法监听：{e}（可用 --mqtt-addr 换端口，或 --no-mqtt）")
                    })?;
                    println!("一键呼救 MQTT：mqtt://{}（主题 yiyang/sos/设备编号）", l.local_addr()?);
                    Some(tokio::spawn(yiyang_web::sos::mqtt::serve_embedded(
                        state.store.clone(),
                        state.sos.clone(),
                        l,
                    )))
                }
            };
            yiyang_web::serve_on(state, listener).await?;
            if let Some(t) = mqtt {
                t.abort();
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { what } => import::run(what).await,
        Command::Demo { db, people } => {
            let store = crate::open_store(&db.db).await?;
            let n = store.load_demo(people, &cli_actor()).await?;
            println!(
                "演示数据已载入：{n} 名老年人，{} 个账号（密码 {DEMO_PASSWORD}）。",
                DEMO_ACCOUNTS.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            action:
                UserAction::Add {
                    db,
                    username,
                    name,
                    role,
                    scope,
                    institution,
                    password,
                    admin,
                    admin_password,
                },
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                format!(
                    "未知角色“{role}”，可选：{}",
                    Role::ALL
                        .iter()
                        .map(|r| format!("{}（{}）", r.code(), r.label()))
                        .collect::<Vec<_>>()
                        .join("、")
                )
            })?;
            let store = crate::open_store(&db.db).await?;
            // The first administrator is created from the shell; every account after it by an
            // administrator, inside their own division.
            let actor = if account::has_admin(&store).await? {
                let who = account::AccountArg {
                    user: admin
                        .ok_or("已有系统管理员：请用 --admin 指定创建账号的管理员（密码放在 YIYANG_ADMIN_PASSWORD）")?,
                    password: admin_password.unwrap_or_default(),
                };
                let me = who
                    .sign_in(&store, yiyang_domain::role::Permission::AccountWrite)
                    .await?;
                me.scope(&scope)?;
                me.actor
            } else if role == Role::Admin {
                cli_actor()
            } else {
                return Err("数据库中还没有系统管理员：请先创建一个 --role admin 的账号".into());
            };
            let nu = NewUser {
                username: &username,
                display_name: &name,
                password: &password,
                role,
                scope: &scope,
                institution_id: institution.as_deref(),
            };
            match store.create_user(&nu, &actor).await {
                Ok(id) => {
                    let area = store.reference().division_path(&scope);
                    println!("已创建账号 {username}（编号 {id}，{}，{area}）。", role.label());
                    Ok(ExitCode::SUCCESS)
                }
                Err(yiyang_store::StoreError::Invalid(errs)) => {
                    for e in errs {
                        eprintln!("错误：{}：{}", e.field, e.message);
                    }
                    Ok(ExitCode::FAILURE)
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::User {
            action: UserAction::List { db },
        } => {
            let store = crate::open_store(&db.db).await?;
            for u in store.list_users().await? {
                println!(
                    "{:<12} {:<10} {:<10} {}",
                    u.username,
                    u.role.label(),
                    u.scope,
                    u.display_name
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            action: AuditAction::Verify { db },
        } => {
            let store = crate::open_store(&db.db).await?;
            match store.verify_audit().await? {
                Verification::Intact { entries } => {
                    println!("审计日志完整：共 {entries} 条，哈希链校验通过。");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { seq, reason } => {
                    println!("审计日志在第 {seq} 条处断开：{reason}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Audit {
            action: AuditAction::Checkpoint { db },
        } => {
            let store = open_store(&db.db).await?;
            match store.checkpoint_audit().await? {
                Some(c) => {
                    println!("最新检查点：共 {} 条，链头哈希 {}，时间 {}", c.seq, c.hash, c.at);
                    println!("{}", c.line);
                }
                None => println!("审计日志还没有记录。"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            action: AuditAction::RotateKey { db },
        } => {
            let store = open_store(&db.db).await?;
            // Seal what the old key signed before switching.
            store.checkpoint_audit().await?;
            let kid = store.rotate_audit_key()?;
            store
                .audit(&cli_actor().entry("rotate_key", "audit", &kid, serde_json::json!({})))
                .await?;
            println!("已启用新的审计密钥 {kid}；旧密钥保留在密钥文件中，用于校验以前的记录。");
            Ok(ExitCode::SUCCESS)
        }
        Command::Divisions {
            action: DivisionAction::Load { file, db },
        } => {
            let store = crate::open_store(&db.db).await?;
            let text = std::fs::read_to_string(&file)?;
            let rows = yiyang_store::reference::parse_divisions(&text)?;
            let n = store.load_divisions(&rows).await?;
            store
                .audit(&cli_actor().entry("load", "divisions", file.display(), serde_json::json!({"rows": n})))
                .await?;
            println!("已载入 {n} 个区划。");
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { what } => bench::run(what).await,
        Command::Policy { action } => Ok(policy::policy(action)?),
        Command::Assess { action } => Ok(assess::run(action)?),
        Command::Inspect { action } => Ok(inspect::run(action)),
        Command::Timebank { action } => timebank::run(action).await,
        Command::Planning { action } => Ok(planning::run(action)),
        Command::Indicators(args) => indicators::run(args).await,
        Command::Benefits { action } => Ok(benefits::benefits_db(action).await?),
    }
}
