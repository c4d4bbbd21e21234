//! Disbursement files of an approved run: one CSV and one .xlsx per benefit and county (the
//! unit a county finance office pays by), and a summary whose total reconciles to the run.
//! Recoveries (追回: negative lines for months overpaid, e.g. after a late-reported death) are
//! never mixed into a payment list — a bank pays no negative amounts — but listed in their own
//! file per benefit and county, and in the summary as their own rows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook};

use crate::benefits::{RunInfo, StoredLine};

const HEADER: [&str; 13] = [
    "序号",
    "姓名",
    "身份证号",
    "区县",
    "待遇",
    "所属月份",
    "类别",
    "收款方",
    "金额（元）",
    "金额（分）",
    "规则",
    "依据",
    "政策包",
];

fn yuan(fen: i64) -> String {
    yiyang_domain::Fen(fen).plain()
}

/// Payment lines and recovery lines go to different files.
fn is_recovery(l: &StoredLine) -> bool {
    l.kind == "recovery"
}

fn row(i: usize, l: &StoredLine) -> [String; 13] {
    [
        (i + 1).to_string(),
        l.name.clone(),
        l.id_number.clone(),
        l.county.clone(),
        l.benefit.clone(),
        l.benefit_month.clone(),
        l.kind_label().into(),
        if l.payee_kind == "institution" {
            format!("机构 {}", l.payee)
        } else {
            "本人".into()
        },
        yuan(l.amount_fen),
        l.amount_fen.to_string(),
        l.rule_id.clone(),
        l.clause.clone(),
        format!("{} {}", l.pack_id, l.pack_version),
    ]
}

pub fn write_files(run: &RunInfo, lines: &[StoredLine], dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut groups: BTreeMap<(&str, &str, bool), Vec<&StoredLine>> = BTreeMap::new();
    for l in lines {
        groups
            .entry((l.benefit.as_str(), l.county.as_str(), is_recovery(l)))
            .or_default()
            .push(l);
    }
    let mut files = Vec::new();
    let mut summary = csv::Writer::from_writer(Vec::new());
    summary.write_record(["区县", "待遇", "笔数", "金额（元）", "金额（分）"])?;
    let mut grand = 0i64;
    for ((benefit, county, recovery), group) in &groups {
        let base = if *recovery {
            format!("{}_{}_{}_追回_{}", run.month, county, benefit, run.id)
        } else {
            format!("{}_{}_{}_{}", run.month, county, benefit, run.id)
        };
        let total: i64 = group.iter().map(|l| l.amount_fen).sum();
        grand += total;
        summary.write_record([
            county.to_string(),
            if *recovery {
                format!("{benefit}（追回）")
            } else {
                benefit.to_string()
            },
            group.len().to_string(),
            yuan(total),
            total.to_string(),
        ])?;

        let path = dir.join(format!("{base}.csv"));
        let mut w = csv::Writer::from_path(&path)?;
        w.write_record(HEADER)?;
        for (i, l) in group.iter().enumerate() {
            w.write_record(row(i, l))?;
        }
        w.write_record([
            "合计",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            &yuan(total),
            &total.to_string(),
            "",
            "",
            "",
        ])?;
        w.flush()?;
        files.push(path);

        let path = dir.join(format!("{base}.xlsx"));
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet();
        let bold = Format::new().set_bold();
        let err = |e: rust_xlsxwriter::XlsxError| std::io::Error::other(e.to_string());
        for (c, h) in HEADER.iter().enumerate() {
            ws.write_with_format(0, c as u16, *h, &bold).map_err(err)?;
        }
        for (i, l) in group.iter().enumerate() {
            for (c, v) in row(i, l).iter().enumerate() {
                // Amounts as numbers (fen as an integer); everything else as text, so that ID
                // numbers keep all 18 characters.
                let r = (i + 1) as u32;
                if c == 9 {
                    ws.write_number(r, c as u16, l.amount_fen as f64).map_err(err)?;
                } else {
                    ws.write_string(r, c as u16, v).map_err(err)?;
                }
            }
        }
        let r = (group.len() + 1) as u32;
        ws.write_with_format(r, 0, "合计", &bold).map_err(err)?;
        ws.write_string(r, 8, yuan(total)).map_err(err)?;
        ws.write_number(r, 9, total as f64).map_err(err)?;
        ws.set_column_width(2, 22).map_err(err)?;
        ws.set_column_width(11, 40).map_err(err)?;
        wb.save(&path).map_err(err)?;
        files.push(path);
    }
    summary.write_record([
        "合计".to_string(),
        String::new(),
        lines.len().to_string(),
        yuan(grand),
        grand.to_string(),
    ])?;
    debug_assert_eq!(grand, run.total_fen);
    let path = dir.join(format!("{}_{}_汇总_{}.csv", run.month, run.scope, run.id));
    std::fs::write(
        &path,
        summary.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?,
    )?;
    files.push(path);
    Ok(files)
}

/// All lines of a run in one workbook: sheet 发放明细 (payments), 追回清单 (recoveries, if
/// any) and 汇总 (totals by county, benefit and payment/recovery; they sum to the run's total).
pub fn workbook(run: &RunInfo, lines: &[StoredLine]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let (recoveries, payments): (Vec<&StoredLine>, Vec<&StoredLine>) = lines.iter().partition(|l| is_recovery(l));
    for (name, part) in [("发放明细", &payments), ("追回清单", &recoveries)] {
        if name == "追回清单" && part.is_empty() {
            continue;
        }
        let ws = wb.add_worksheet().set_name(name)?;
        for (c, h) in HEADER.iter().enumerate() {
            ws.write_with_format(0, c as u16, *h, &bold)?;
        }
        for (i, l) in part.iter().enumerate() {
            for (c, v) in row(i, l).iter().enumerate() {
                let r = (i + 1) as u32;
                if c == 9 {
                    ws.write_number(r, c as u16, l.amount_fen as f64)?;
                } else {
                    ws.write_string(r, c as u16, v)?;
                }
            }
        }
        ws.set_column_width(2, 22)?;
        ws.set_column_width(11, 40)?;
    }
    let mut groups: BTreeMap<(&str, &str, bool), (i64, i64)> = BTreeMap::new();
    for l in lines {
        let g = groups
            .entry((l.county.as_str(), l.benefit.as_str(), is_recovery(l)))
            .or_default();
        g.0 += 1;
        g.1 += l.amount_fen;
    }
    let ws = wb.add_worksheet().set_name("汇总")?;
    for (c, h) in ["区县", "待遇", "笔数", "金额（元）", "金额（分）"].iter().enumerate() {
        ws.write_with_format(0, c as u16, *h, &bold)?;
    }
    let mut r = 1u32;
    for ((county, benefit, recovery), (n, fen)) in &groups {
        ws.write_string(r, 0, *county)?;
        if *recovery {
            ws.write_string(r, 1, format!("{benefit}（追回）"))?;
        } else {
            ws.write_string(r, 1, *benefit)?;
        }
        ws.write_number(r, 2, *n as f64)?;
        ws.write_string(r, 3, yuan(*fen))?;
        ws.write_number(r, 4, *fen as f64)?;
        r += 1;
    }
    ws.write_with_format(r, 0, "合计", &bold)?;
    ws.write_number(r, 2, lines.len() as f64)?;
    ws.write_string(r, 3, yuan(run.total_fen))?;
    ws.write_number(r, 4, run.total_fen as f64)?;
    wb.save_to_buffer()
}
