//! `yiyang inspect draw|verify`: the random draw of 双随机、一公开 from a file, without a
//! database (`standards/random-draw.md`), so anyone holding a published batch can redo it.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use yiyang_domain::supervision::draw::{Batch, BatchFile, Draw};

/// A batch or draw file larger than this is refused before it is read (a county's batch is a
/// few kilobytes; a province's, with every object listed, a few megabytes).
const MAX_FILE: u64 = 32 * 1024 * 1024;

#[derive(Subcommand)]
pub enum InspectAction {
    /// Draw objects and inspectors from a batch file and write the draw as JSON.
    Draw {
        /// The batch (JSON: batch, public_value, per_object, ratios, objects, inspectors, conflicts).
        #[arg(long)]
        input: PathBuf,
        /// Where to write the draw; `-` or omitted: standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Also print the canonical text the seed is the SHA-256 of (to standard error).
        #[arg(long)]
        canonical: bool,
    },
    /// Check that a draw is the one its batch gives: exit 0 if so, 2 otherwise (naming the
    /// first difference).
    Verify {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        draw: PathBuf,
    },
}

fn read_capped(path: &Path) -> Result<String, String> {
    let shown = path.display();
    let f = std::fs::File::open(path).map_err(|e| format!("{shown}：无法打开：{e}"))?;
    let mut text = String::new();
    f.take(MAX_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{shown}：无法读取（须为 UTF-8 文本）：{e}"))?;
    if text.len() as u64 > MAX_FILE {
        return Err(format!("{shown}：文件超过 {} MB，未读取", MAX_FILE / 1024 / 1024));
    }
    Ok(text)
}

fn read_batch(path: &Path) -> Result<Batch, String> {
    let text = read_capped(path)?;
    let file: BatchFile =
        serde_json::from_str(&text).map_err(|e| format!("{}：不是有效的批次文件：{e}", path.display()))?;
    Batch::parse(&file).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        format!("{}：批次有误，未抽取：\n{}", path.display(), lines.join("\n"))
    })
}

/// Runs the command. Errors print to standard error; `verify` exits 2 for a draw that is not
/// the one the inputs give (a bad batch included), `draw` exits 1 when it cannot draw.
pub fn run(action: InspectAction) -> ExitCode {
    match action {
        InspectAction::Draw { input, out, canonical } => {
            let result = read_batch(&input).and_then(|batch| {
                if canonical {
                    eprint!("{}", batch.canonical_text());
                }
                batch.draw().map_err(|e| e.to_string())
            });
            let draw = match result {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("错误：{e}");
                    return ExitCode::FAILURE;
                }
            };
            let json = draw.to_json();
            match out.filter(|p| p.as_os_str() != "-") {
                Some(path) => {
                    if let Err(e) = std::fs::write(&path, json + "\n") {
                        eprintln!("错误：{}：无法写入：{e}", path.display());
                        return ExitCode::FAILURE;
                    }
                    eprintln!(
                        "已抽取 {} 个对象，种子 {}，写入 {}",
                        draw.objects.len(),
                        draw.seed,
                        path.display()
                    );
                }
                None => println!("{json}"),
            }
            ExitCode::SUCCESS
        }
        InspectAction::Verify { input, draw } => {
            let checked = read_batch(&input).and_then(|batch| {
                let text = read_capped(&draw)?;
                let claimed: Draw =
                    serde_json::from_str(&text).map_err(|e| format!("{}：不是有效的抽取结果：{e}", draw.display()))?;
                batch.verify(&claimed).map(|()| claimed)
            });
            match checked {
                Ok(d) => {
                    println!(
                        "一致：批次 {} 的输入给出的正是这份抽取结果（种子 {}，{} 个对象）。",
                        d.batch,
                        d.seed,
                        d.objects.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("不一致：{e}");
                    ExitCode::from(2)
                }
            }
        }
    }
}
