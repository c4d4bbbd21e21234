//! `yiyang assess score`: scores a GB/T 42195-2022 answer file and prints the result as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use yiyang_domain::assessment::{score, Answers, Settings};

#[derive(Subcommand)]
pub enum AssessAction {
    /// Score an answer file (format in ../shared/standards/gbt-42195-2022.md) and print
    /// `dimensions`, `total`, `initial_level`, `final_level` and `adjustments` as JSON.
    Score {
        #[arg(long)]
        input: PathBuf,
        /// Let the dementia and risk-event adjustments add up (+2) instead of +1 together.
        #[arg(long)]
        stack_adjustments: bool,
    },
}

pub fn run(action: AssessAction) -> Result<ExitCode, String> {
    match action {
        AssessAction::Score {
            input,
            stack_adjustments,
        } => {
            let text = std::fs::read_to_string(&input).map_err(|e| format!("{}: {e}", input.display()))?;
            let answers: Answers =
                serde_json::from_str(&text).map_err(|e| format!("{}: 不是有效的评估答案：{e}", input.display()))?;
            let report = score(&answers, Settings { stack_adjustments }).map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string_pretty(&report).expect("serialisable"));
            Ok(ExitCode::SUCCESS)
        }
    }
}
