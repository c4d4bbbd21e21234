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

/// Text as it may go into a cell: control and bidirectional-override characters removed (a
/// name cannot reorder what a clerk reads), and a leading `=`, `+`, `-` or `@` made inert with
/// an apostrophe, so that no spreadsheet program takes a name for a formula.
pub fn cell_text(s: &str) -> String {
    let clean: String = s
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(*c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    if clean.starts_with(['=', '+', '-', '@']) {
        format!("'{clean}")
    } else {
        clean
    }
}

/// An ID number as a CSV cell that Excel and WPS both keep as 18 characters of text (not a
/// number rounded to 15 digits): `="…"`.
fn id_cell(id: &str) -> String {
    let digits: String = id.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("=\"{digits}\"")
}

fn benefit_name(l: &StoredLine) -> String {
    if l.benefit_title.is_empty() {
        l.benefit.clone()
    } else {
        l.benefit_title.clone()
    }
}

fn county_name(l: &StoredLine) -> String {
    if l.county_name.is_empty() {
        l.county.clone()
    } else {
        l.county_name.clone()
    }
}

/// Payment lines and recovery lines go to different files.
fn is_recovery(l: &StoredLine) -> bool {
    l.kind == "recovery"
}

/// One line's cells, text made inert (the ID number as it is; each writer formats it).
fn row(i: usize, l: &StoredLine) -> [String; 13] {
    [
        (i + 1).to_string(),
        cell_text(&l.name),
        l.id_number.clone(),
        county_name(l),
        benefit_name(l),
        l.benefit_month.clone(),
        l.kind_label().into(),
        if l.payee_kind == "institution" {
            format!("机构 {}", l.payee)
        } else {
            "本人".into()
        },
        yuan(l.amount_fen),
        l.amount_fen.to_string(),
        cell_text(&l.rule_id),
        cell_text(&l.clause),
        cell_text(&format!("{} {}", l.pack_id, l.pack_version)),
    ]
}

/// The UTF-8 byte-order mark: Excel and WPS read a CSV as UTF-8 only with it.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn csv_writer(path: &Path) -> std::io::Result<csv::Writer<std::fs::File>> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(BOM)?;
    Ok(csv::Writer::from_writer(f))
}

pub fn write_files(run: &RunInfo, lines: &[StoredLine], dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut groups: BTreeMap<(&str, &str, bool), Vec<&StoredLine>> = BTreeMap::new();
    for l in lines {
        groups
            .entry((l.benefit.as_str(), l.county.as_str(), is_recovery(l)))
            .or_default()
            .push(l);
    }
    let names = |county: &str, benefit: &str| {
        let l = lines
            .iter()
            .find(|l| l.county == county && l.benefit == benefit)
            .expect("a line of the group");
        (county_name(l), benefit_name(l))
    };
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
        let (county_label, benefit_label) = names(county, benefit);
        summary.write_record([
            county_label.clone(),
            if *recovery {
                format!("{benefit_label}（追回）")
            } else {
                benefit_label.clone()
            },
            group.len().to_string(),
            yuan(total),
            total.to_string(),
        ])?;

        let path = dir.join(format!("{base}.csv"));
        let mut w = csv_writer(&path)?;
        w.write_record(HEADER)?;
        for (i, l) in group.iter().enumerate() {
            let mut cells = row(i, l);
            cells[2] = id_cell(&l.id_number);
            w.write_record(cells)?;
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
        let money = Format::new().set_num_format("#,##0.00");
        let err = |e: rust_xlsxwriter::XlsxError| std::io::Error::other(e.to_string());
        for (c, h) in HEADER.iter().enumerate() {
            ws.write_with_format(0, c as u16, *h, &bold).map_err(err)?;
        }
        for (i, l) in group.iter().enumerate() {
            write_line(ws, (i + 1) as u32, i, l, &money).map_err(err)?;
        }
        let r = (group.len() + 1) as u32;
        ws.write_with_format(r, 0, "合计", &bold).map_err(err)?;
        ws.write_number_with_format(r, 8, total as f64 / 100.0, &money)
            .map_err(err)?;
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
    let mut bytes = BOM.to_vec();
    bytes.extend(summary.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?);
    std::fs::write(&path, bytes)?;
    files.push(path);
    Ok(files)
}

/// One line into a worksheet row: amounts as numbers (yuan with two decimals, and fen), so
/// that SUM works; everything else as text, so that ID numbers keep all 18 characters.
fn write_line(
    ws: &mut rust_xlsxwriter::Worksheet,
    r: u32,
    i: usize,
    l: &StoredLine,
    money: &Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    for (c, v) in row(i, l).iter().enumerate() {
        match c {
            0 => ws.write_number(r, 0, (i + 1) as f64)?,
            8 => ws.write_number_with_format(r, 8, l.amount_fen as f64 / 100.0, money)?,
            9 => ws.write_number(r, 9, l.amount_fen as f64)?,
            _ => ws.write_string(r, c as u16, v)?,
        };
    }
    Ok(())
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
        let money = Format::new().set_num_format("#,##0.00");
        for (i, l) in part.iter().enumerate() {
            write_line(ws, (i + 1) as u32, i, l, &money)?;
        }
        let r = (part.len() + 1) as u32;
        let sum: i64 = part.iter().map(|l| l.amount_fen).sum();
        ws.write_with_format(r, 0, "合计", &bold)?;
        ws.write_number_with_format(r, 8, sum as f64 / 100.0, &money)?;
        ws.write_number(r, 9, sum as f64)?;
        ws.set_column_width(2, 22)?;
        ws.set_column_width(11, 40)?;
    }
    let mut groups: BTreeMap<(String, String, bool), (i64, i64)> = BTreeMap::new();
    for l in lines {
        let g = groups
            .entry((county_name(l), benefit_name(l), is_recovery(l)))
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
        ws.write_string(r, 0, county)?;
        if *recovery {
            ws.write_string(r, 1, format!("{benefit}（追回）"))?;
        } else {
            ws.write_string(r, 1, benefit)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benefits::RunStatus;

    fn line(name: &str, amount_fen: i64, kind: &str) -> StoredLine {
        StoredLine {
            person_id: 1,
            name: name.into(),
            id_number: "36073319400303101X".into(),
            benefit_month: "2026-10".into(),
            benefit: "gaoling".into(),
            kind: kind.into(),
            payee_kind: "person".into(),
            payee: String::new(),
            county: "360733".into(),
            amount_fen,
            rule_id: "gaoling_1".into(),
            clause: "第三章第一节".into(),
            pack_id: "huichang-2021".into(),
            pack_version: "2021.1".into(),
            run_id: 7,
            benefit_title: "高龄津贴".into(),
            county_name: "会昌县".into(),
        }
    }

    fn run(total_fen: i64) -> RunInfo {
        RunInfo {
            id: 7,
            month: "2026-10".into(),
            scope: "360733".into(),
            pack: "auto".into(),
            status: RunStatus::Approved,
            persons: 2,
            lines: 2,
            total_fen,
            skipped: 0,
            pending: 0,
            created_by: "a".into(),
            created_at: chrono::Utc::now(),
            computed_at: None,
            reviewed_by: None,
            reviewed_at: None,
            approved_by: None,
            approved_at: None,
            exported_by: None,
            exported_at: None,
        }
    }

    #[test]
    fn a_hostile_name_is_inert_and_invisible_characters_are_gone() {
        assert_eq!(
            cell_text("=HYPERLINK(\"http://x\",\"点我\")"),
            "'=HYPERLINK(\"http://x\",\"点我\")"
        );
        for lead in ["+1", "-1", "@SUM(A1)"] {
            assert!(cell_text(lead).starts_with('\''), "{lead}");
        }
        // A tab or carriage return in front is removed, then what follows is checked.
        assert_eq!(cell_text("\t=1+1"), "'=1+1");
        assert_eq!(cell_text("\r\n张三"), "张三");
        // Right-to-left overrides and isolates cannot reorder a name.
        assert_eq!(cell_text("张\u{202E}三\u{2066}四\u{200F}"), "张三四");
        assert_eq!(cell_text("钟满妹"), "钟满妹");
    }

    #[test]
    fn the_files_say_names_not_codes_keep_id_numbers_as_text_and_open_as_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let lines = [
            line("=cmd|' /C calc'!A0", 5000, "regular"),
            line("李\u{202E}四", 20000, "regular"),
        ];
        let files = write_files(&run(25000), &lines, dir.path()).unwrap();
        let csv_path = files
            .iter()
            .find(|p| p.extension().is_some_and(|e| e == "csv") && !p.to_string_lossy().contains("汇总"))
            .unwrap();
        let bytes = std::fs::read(csv_path).unwrap();
        assert!(bytes.starts_with(BOM), "a BOM for Excel and WPS");
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.contains("'=cmd|"), "{text}");
        assert!(!text.contains('\u{202E}'), "{text}");
        assert!(
            text.contains("\"=\"\"36073319400303101X\"\"\""),
            "the ID as =\"…\": {text}"
        );
        assert!(
            text.contains("高龄津贴") && text.contains("会昌县") && !text.contains(",gaoling,"),
            "{text}"
        );
        assert!(text.contains("合计") && text.contains("250.00"), "{text}");
        let summary = files.iter().find(|p| p.to_string_lossy().contains("汇总")).unwrap();
        let s = String::from_utf8(std::fs::read(summary).unwrap()[3..].to_vec()).unwrap();
        assert!(s.contains("会昌县,高龄津贴,2,250.00,25000"), "{s}");
    }
}
