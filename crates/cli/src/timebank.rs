//! `yiyang timebank …`: check the time bank's ledger (`verify`: exit 0 when intact, 2 when an
//! entry was altered, removed or inserted, naming the first bad one), print the platform's
//! public key for extracts, and verify an extract another platform issued (no database).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use yiyang_domain::care::timebank::{hours_label, verify_extract};
use yiyang_store::audit::Verification;

use crate::{open_store, AnyError, DbArg};

/// An extract larger than this is refused before it is read (a lifetime of entries is far less).
const MAX_EXTRACT: u64 = 16 * 1024 * 1024;

#[derive(Subcommand)]
pub enum TimebankAction {
    /// Walk the ledger's chain and the checkpoints kept outside the database; exit 2 and name
    /// the first entry altered, removed or inserted.
    Verify {
        #[command(flatten)]
        db: DbArg,
    },
    /// Print this platform's public key for account extracts (publish it for other platforms).
    PublicKey {
        #[command(flatten)]
        db: DbArg,
    },
    /// Verify an account extract (docs/timebank-extract.md): exit 0 when its signature and
    /// balance hold, 2 otherwise.
    VerifyExtract {
        file: PathBuf,
        /// The issuer's public key (hex) to trust; without it the key in the extract is used
        /// and printed, to be compared with the one the issuer publishes.
        #[arg(long)]
        key: Option<String>,
    },
}

pub async fn run(action: TimebankAction) -> Result<ExitCode, AnyError> {
    match action {
        TimebankAction::Verify { db } => {
            let store = open_store(&db.db).await?;
            match store.verify_timebank().await? {
                Verification::Intact { entries } => {
                    println!("时间银行账本完整：共 {entries} 条，签名与哈希链校验通过。");
                    Ok(ExitCode::SUCCESS)
                }
                Verification::Broken { seq, reason } => {
                    println!("时间银行账本在第 {seq} 条处有误：{reason}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        TimebankAction::PublicKey { db } => {
            let store = open_store(&db.db).await?;
            println!("{}", store.timebank_public_key()?);
            Ok(ExitCode::SUCCESS)
        }
        TimebankAction::VerifyExtract { file, key } => {
            let size = std::fs::metadata(&file)
                .map_err(|e| format!("无法读取 {}：{e}", file.display()))?
                .len();
            if size > MAX_EXTRACT {
                println!("{} 过大（{size} 字节），不是账户摘录。", file.display());
                return Ok(ExitCode::from(2));
            }
            let text = std::fs::read_to_string(&file).map_err(|e| format!("无法读取 {}：{e}", file.display()))?;
            match verify_extract(&text, key.as_deref()) {
                Ok(x) => {
                    println!(
                        "摘录有效：{}（{}）由 {} 于 {} 签发，{} 条记录，余额 {}。",
                        x.body.name,
                        x.body.id_number,
                        x.body.issuer,
                        x.body.issued_at,
                        x.body.entries.len(),
                        hours_label(x.body.balance_minutes)
                    );
                    if key.is_none() {
                        println!("签发公钥：{}（请与签发平台公布的公钥核对）", x.body.public_key);
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    println!("摘录无效：{e}");
                    Ok(ExitCode::from(2))
                }
            }
        }
    }
}
