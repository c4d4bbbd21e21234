//! Disbursement files of an approved run: one CSV and one .xlsx per benefit and county (the
//! unit a county finance office pays by), and a summary whose total reconciles to the run.
//! Recoveries (追回: negative lines for months overpaid, e.g. after a late-reported death) are
//! never mixed into a payment list — a bank pays no negative amounts — but listed in their own
//! file per benefit and county, and in the summary as their own rows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, Workbook};

use crate::benefits::{RunInfo, StoredLine};

mod bank;
pub use bank::{bank_file, missing_accounts, BankFile};

const HEADER: [&str; 17] = [
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
    "政策版本",
    "发放渠道",
    "开户银行",
    "账号",
    "户名",
];

fn yuan(fen: i64) -> String {
    yiyang_domain::Fen(fen).plain()
}

/// Text as it may go into a cell: control and bidirectional-override characters removed (a
/// name cannot reorder what a clerk reads), and a leading `=`, `+`, `-` or `@` made inert with
/// an apostrophe, so that no spreadsheet program takes a name for a formula.
pub fn cell_text(s: &str) -> String {
    let clean = yiyang_domain::text::visible(s);
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
fn row(i: usize, l: &StoredLine) -> [String; 17] {
    [
        (i + 1).to_string(),
        cell_text(&l.name),
        l.id_number.clone(),
        county_name(l),
        benefit_name(l),
        l.benefit_month.clone(),
        l.kind_label().into(),
        if l.payee_kind == "institution" {
            cell_text(&format!(
                "机构：{}",
                if l.payee_name.is_empty() {
                    &l.payee
                } else {
                    &l.payee_name
                }
            ))
        } else {
            "本人".into()
        },
        yuan(l.amount_fen),
        l.amount_fen.to_string(),
        // The rule by its title and the document's clause; the pack by the version of its
        // figures. Codes (the rule's id, the pack's id) stay in the database and the API.
        cell_text(if l.rule_title.is_empty() {
            &l.rule_id
        } else {
            &l.rule_title
        }),
        cell_text(&l.clause),
        cell_text(&l.pack_version),
        channel_label(&l.channel).into(),
        cell_text(&l.bank),
        l.account_number.clone(),
        cell_text(&l.holder_name),
    ]
}

fn channel_label(code: &str) -> &'static str {
    yiyang_domain::person::account::AccountChannel::parse(code).map_or("", |c| c.label())
}

/// The UTF-8 byte-order mark: Excel and WPS read a CSV as UTF-8 only with it.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn csv_writer(path: &Path) -> std::io::Result<csv::Writer<std::fs::File>> {
    use std::io::Write;
    let mut f = std::fs::File::create(path)?;
    f.write_all(BOM)?;
    Ok(csv::Writer::from_writer(f))
}

/// A file name's part as given, with anything a file system would refuse replaced by `_`.
fn file_name(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// The run's files in `dir`: per county and benefit a CSV and an .xlsx of payments (and of
/// recoveries, apart), and a summary CSV; each named by the month, the names of the county (or
/// `area`, the run's area, for the summary) and benefit, and the batch.
pub fn write_files(run: &RunInfo, lines: &[StoredLine], area: &str, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
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
        let total: i64 = group.iter().map(|l| l.amount_fen).sum();
        grand += total;
        let (county_label, benefit_label) = names(county, benefit);
        // Named for people: the county's and the benefit's names, never their codes.
        let base = file_name(&format!(
            "{}_{county_label}_{benefit_label}{}_{}",
            run.month,
            if *recovery { "_追回" } else { "" },
            run.id
        ));
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
            if !l.account_number.is_empty() {
                cells[15] = id_cell(&l.account_number);
            }
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
            "",
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
    // Per county, the bank's file and the list of lines it cannot pay for want of an account.
    let mut counties: BTreeMap<&str, Vec<StoredLine>> = BTreeMap::new();
    for l in lines {
        counties.entry(l.county.as_str()).or_default().push(l.clone());
    }
    for part in counties.values() {
        let county_label = county_name(&part[0]);
        let bank = bank_file(run, part, &county_label)?;
        let base = |what: &str| file_name(&format!("{}_{county_label}_{what}_{}.csv", run.month, run.id));
        let path = dir.join(base("银行代发"));
        std::fs::write(&path, bank.bytes)?;
        files.push(path);
        if let Some((bytes, _, _)) = missing_accounts(part)? {
            let path = dir.join(base("缺少账户"));
            std::fs::write(&path, bytes)?;
            files.push(path);
        }
    }
    summary.write_record([
        "合计".to_string(),
        String::new(),
        lines.len().to_string(),
        yuan(grand),
        grand.to_string(),
    ])?;
    debug_assert_eq!(grand, run.total_fen);
    let path = dir.join(format!("{}_{}_汇总_{}.csv", run.month, file_name(area), run.id));
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

/// What a payment file's cover sheet (封面) says beyond the run: the area by name, and who
/// prepared, reviewed, approved and exported it, by name, with when (local time, as text).
#[derive(Debug, Clone, Default)]
pub struct Cover {
    pub area: String,
    /// (step, name, when), in the order the steps were taken.
    pub signers: Vec<(&'static str, String, String)>,
}

/// "2026-10" as people write a month: 2026年10月.
fn month_words(month: &str) -> String {
    match month.split_once('-') {
        Some((y, m)) => format!("{y}年{}月", m.trim_start_matches('0')),
        None => month.to_string(),
    }
}

/// The cover sheet a finance office files with the payment: the batch, month and area; people,
/// payments and recoveries with their amounts; the total in figures and in capitals (大写); and
/// who signed each step, by name and date.
fn cover_sheet(
    wb: &mut Workbook,
    run: &RunInfo,
    cover: &Cover,
    (payments, recoveries): (&[&StoredLine], &[&StoredLine]),
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let bold = Format::new().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let money = Format::new().set_num_format("#,##0.00");
    let ws = wb.add_worksheet().set_name("封面")?;
    let month = month_words(&run.month);
    ws.write_with_format(0, 0, format!("{} {month} 老年人补贴发放表", cover.area), &title)?;
    let sum = |part: &[&StoredLine]| part.iter().map(|l| l.amount_fen).sum::<i64>();
    let mut r = 2u32;
    for (label, text) in [
        ("批次", format!("第 {} 批", run.id)),
        ("所属月份", month.clone()),
        ("发放区域", cover.area.clone()),
    ] {
        ws.write_with_format(r, 0, label, &bold)?;
        ws.write_string(r, 1, cell_text(&text))?;
        r += 1;
    }
    for (label, count, fen) in [
        ("发放", payments.len(), sum(payments)),
        ("追回", recoveries.len(), sum(recoveries)),
    ] {
        ws.write_with_format(r, 0, format!("{label}笔数"), &bold)?;
        ws.write_number(r, 1, count as f64)?;
        ws.write_with_format(r, 2, format!("{label}金额（元）"), &bold)?;
        ws.write_number_with_format(r, 3, fen as f64 / 100.0, &money)?;
        r += 1;
    }
    ws.write_with_format(r, 0, "人数", &bold)?;
    ws.write_number(r, 1, run.persons as f64)?;
    r += 1;
    ws.write_with_format(r, 0, "合计金额（元）", &bold)?;
    ws.write_number_with_format(r, 1, run.total_fen as f64 / 100.0, &money)?;
    r += 1;
    ws.write_with_format(r, 0, "合计金额（大写）", &bold)?;
    ws.write_string(r, 1, format!("人民币{}", yiyang_domain::Fen(run.total_fen).capital()))?;
    r += 2;
    for (c, h) in ["环节", "姓名", "时间"].iter().enumerate() {
        ws.write_with_format(r, c as u16, *h, &bold)?;
    }
    for (step, name, when) in &cover.signers {
        r += 1;
        ws.write_string(r, 0, *step)?;
        ws.write_string(r, 1, cell_text(name))?;
        ws.write_string(r, 2, when)?;
    }
    ws.set_column_width(0, 18)?;
    ws.set_column_width(1, 40)?;
    ws.set_column_width(2, 16)?;
    ws.set_column_width(3, 16)?;
    Ok(())
}

/// All lines of a run in one workbook: sheet 封面 (the cover: totals in figures and capitals,
/// and who signed), 发放明细 (payments), 追回清单 (recoveries, if any) and 汇总 (totals by
/// county, benefit and payment/recovery; they sum to the run's total).
pub fn workbook(run: &RunInfo, lines: &[StoredLine], cover: &Cover) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let (recoveries, payments): (Vec<&StoredLine>, Vec<&StoredLine>) = lines.iter().partition(|l| is_recovery(l));
    cover_sheet(&mut wb, run, cover, (&payments, &recoveries))?;
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
pub(crate) mod tests {
    use super::*;
    use crate::benefits::RunStatus;

    pub(crate) fn line(name: &str, amount_fen: i64, kind: &str) -> StoredLine {
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
            rule_title: "80 至 89 周岁".into(),
            payee_name: String::new(),
            channel: "sscard".into(),
            bank: "中国农业银行会昌县支行".into(),
            account_number: "6217001234567890123".into(),
            holder_name: name.into(),
            holder_id_number: String::new(),
            county_name: "会昌县".into(),
        }
    }

    pub(crate) fn run(total_fen: i64) -> RunInfo {
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
        let files = write_files(&run(25000), &lines, "会昌县", dir.path()).unwrap();
        let names: Vec<String> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.contains(&"2026-10_会昌县_高龄津贴_7.csv".to_string()),
            "{names:?}"
        );
        assert!(names.contains(&"2026-10_会昌县_汇总_7.csv".to_string()), "{names:?}");
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

    #[test]
    fn the_cover_names_the_area_and_the_signers_and_writes_the_total_in_capitals() {
        use calamine::Reader;
        let lines = [line("张三", 5000, "regular"), line("李四", -2000, "recovery")];
        let cover = Cover {
            area: "江西省 赣州市 会昌县".into(),
            signers: vec![
                ("经办", "会昌县民政局 经办员".into(), "2026-11-02 09:30".into()),
                ("审核", "=HYPERLINK(\"x\")".into(), "2026-11-03 10:00".into()),
            ],
        };
        let bytes = workbook(&run(3000), &lines, &cover).unwrap();
        let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(wb.sheet_names(), ["封面", "发放明细", "追回清单", "汇总"]);
        let sheet = wb.worksheet_range("封面").unwrap();
        let cells: Vec<String> = sheet.rows().flat_map(|r| r.iter().map(|c| c.to_string())).collect();
        let text = cells.join("|");
        assert!(
            text.contains("江西省 赣州市 会昌县 2026年10月 老年人补贴发放表"),
            "{text}"
        );
        assert!(text.contains("人民币叁拾元整"), "{text}");
        assert!(text.contains("会昌县民政局 经办员|2026-11-02 09:30"), "{text}");
        assert!(text.contains("'=HYPERLINK"), "a signer's name is inert: {text}");
        assert!(text.contains("发放笔数|1|发放金额（元）|50"), "{text}");
        assert!(text.contains("追回笔数|1|追回金额（元）|-20"), "{text}");
    }
}
