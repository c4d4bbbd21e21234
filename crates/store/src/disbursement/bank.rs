//! The bank's file (代发文件) of an approved run: what a bank or the 一卡通 system imports to
//! credit each account. One fixed layout, documented in the README:
//!
//! ```text
//! 批次号,所属月份,付款区域,总笔数,总金额（元）          ← the control record
//! 7,2026-10,会昌县,2,250.00
//! 序号,户名,账号,金额（元）,证件类型,证件号码,开户银行,发放渠道,摘要
//! 1,张三,6217001234567890123,50.00,居民身份证,36073319400303101X,中国农业银行会昌县支行,社会保障卡,2026年10月高龄津贴
//! 2,李小红,14120102000012345,50.00,居民身份证,360733197005052024,会昌农村商业银行,惠民惠农“一卡通”,2026年10月高龄津贴（代李四领取）
//! ```
//!
//! Only what a bank pays goes in: positive lines paid to a person with an account as frozen at
//! approval. Recoveries (a bank pays no negative amounts), lines paid to an institution (paid
//! by transfer to its account, listed in the workbook) and lines of people without an account
//! stay out; the last are listed in their own file (缺少账户清单) so that none is forgotten.
//! The control record's count and total are those of the detail rows, so the bank can check
//! the file before paying. 户名 and 证件号码 are the account holder's, as the bank checks them
//! against the account: an agent's for an account an agent holds, and then the summary names
//! the older person it is paid for. Account and ID numbers are written as plain digits: the file is read
//! by the bank's system, not by a spreadsheet (the workbook is for people).

use crate::benefits::{RunInfo, StoredLine};

use super::{benefit_name, cell_text, county_name, month_words, yuan, BOM};

const CONTROL: [&str; 5] = ["批次号", "所属月份", "付款区域", "总笔数", "总金额（元）"];
const DETAIL: [&str; 9] = [
    "序号",
    "户名",
    "账号",
    "金额（元）",
    "证件类型",
    "证件号码",
    "开户银行",
    "发放渠道",
    "摘要",
];
const MISSING: [&str; 7] = ["序号", "姓名", "身份证号", "区县", "待遇", "金额（元）", "摘要"];

/// A line the bank pays: to a person, a positive amount.
fn bank_pays(l: &StoredLine) -> bool {
    l.payee_kind == "person" && l.kind != "recovery" && l.amount_fen > 0
}

/// What a line is for, as a bank statement shows it: 2026年10月高龄津贴, 补发2026年8月高龄津贴;
/// on an agent's account, for whom (（代刘桂英领取）).
fn summary(l: &StoredLine) -> String {
    let mut what = format!("{}{}", month_words(&l.benefit_month), benefit_name(l));
    if l.kind == "backpay" {
        what = format!("补发{what}");
    }
    if by_agent(l) {
        what.push_str(&format!("（代{}领取）", cell_text(&l.name)));
    }
    what
}

fn by_agent(l: &StoredLine) -> bool {
    !l.holder_id_number.is_empty()
}

/// A bank file written, with its control figures.
#[derive(Debug)]
pub struct BankFile {
    pub bytes: Vec<u8>,
    pub count: usize,
    pub total_fen: i64,
}

/// Digits (and an ID number's X) only: nothing a bank's parser could take for anything else.
fn digits(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

fn finish(w: csv::Writer<Vec<u8>>) -> std::io::Result<Vec<u8>> {
    let mut bytes = BOM.to_vec();
    bytes.extend(w.into_inner().map_err(|e| std::io::Error::other(e.to_string()))?);
    Ok(bytes)
}

/// The bank file of `lines` (a run's, or one county's of it); `area` names who pays.
pub fn bank_file(run: &RunInfo, lines: &[StoredLine], area: &str) -> std::io::Result<BankFile> {
    let paid: Vec<&StoredLine> = lines
        .iter()
        .filter(|l| bank_pays(l) && !l.account_number.is_empty())
        .collect();
    let total_fen: i64 = paid.iter().map(|l| l.amount_fen).sum();
    // The control record and the detail rows differ in length.
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
    w.write_record(CONTROL)?;
    w.write_record([
        run.id.to_string(),
        run.month.clone(),
        cell_text(area),
        paid.len().to_string(),
        yuan(total_fen),
    ])?;
    w.write_record(DETAIL)?;
    for (i, l) in paid.iter().enumerate() {
        w.write_record([
            (i + 1).to_string(),
            cell_text(&l.holder_name),
            digits(&l.account_number),
            yuan(l.amount_fen),
            "居民身份证".to_string(),
            // The account holder's: the bank checks the name and number against the account.
            digits(if by_agent(l) { &l.holder_id_number } else { &l.id_number }),
            cell_text(&l.bank),
            super::channel_label(&l.channel).to_string(),
            summary(l),
        ])?;
    }
    Ok(BankFile {
        bytes: finish(w)?,
        count: paid.len(),
        total_fen,
    })
}

/// Lines a bank would pay but cannot, for want of an account (缺少账户清单): the clerk adds the
/// accounts and the treasury pays these by a supplementary file; `None` when there are none.
pub fn missing_accounts(lines: &[StoredLine]) -> std::io::Result<Option<(Vec<u8>, usize, i64)>> {
    let missing: Vec<&StoredLine> = lines
        .iter()
        .filter(|l| bank_pays(l) && l.account_number.is_empty())
        .collect();
    if missing.is_empty() {
        return Ok(None);
    }
    let total: i64 = missing.iter().map(|l| l.amount_fen).sum();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(MISSING)?;
    for (i, l) in missing.iter().enumerate() {
        w.write_record([
            (i + 1).to_string(),
            cell_text(&l.name),
            super::id_cell(&l.id_number),
            county_name(l),
            benefit_name(l),
            yuan(l.amount_fen),
            summary(l),
        ])?;
    }
    w.write_record(["合计", "", "", "", "", &yuan(total), ""])?;
    Ok(Some((finish(w)?, missing.len(), total)))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{line, run};
    use super::*;

    fn text(bytes: &[u8]) -> String {
        assert!(bytes.starts_with(BOM));
        String::from_utf8(bytes[3..].to_vec()).unwrap()
    }

    #[test]
    fn the_control_record_counts_and_totals_what_the_bank_pays_and_nothing_else() {
        let mut no_account = line("王五", 7000, "regular");
        no_account.account_number.clear();
        let mut institution = line("赵六", 9000, "regular");
        institution.payee_kind = "institution".into();
        let mut backpay = line("钱七", 3000, "backpay");
        backpay.benefit_month = "2026-08".into();
        let mut agent = line("孙八", 4000, "regular");
        agent.holder_name = "孙小妹".into();
        agent.holder_id_number = "36073319700505202X".into();
        let lines = [
            line("=cmd|' /C calc'!A0", 5000, "regular"),
            line("李\u{202E}四", -2000, "recovery"),
            no_account,
            institution,
            backpay,
            agent,
        ];
        let f = bank_file(&run(26000), &lines, "会昌县").unwrap();
        assert_eq!((f.count, f.total_fen), (3, 12000));
        let t = text(&f.bytes);
        let rows: Vec<&str> = t.lines().collect();
        assert_eq!(rows[0], "批次号,所属月份,付款区域,总笔数,总金额（元）");
        assert_eq!(rows[1], "7,2026-10,会昌县,3,120.00");
        assert_eq!(
            rows[2],
            "序号,户名,账号,金额（元）,证件类型,证件号码,开户银行,发放渠道,摘要"
        );
        assert_eq!(rows.len(), 6, "{t}");
        assert!(rows[3].starts_with("1,'=cmd|"), "a hostile name is inert: {}", rows[3]);
        assert!(
            rows[3].contains(",6217001234567890123,50.00,居民身份证,36073319400303101X,中国农业银行会昌县支行,社会保障卡,2026年10月高龄津贴"),
            "{}",
            rows[3]
        );
        assert!(rows[4].ends_with(",补发2026年8月高龄津贴"), "{}", rows[4]);
        assert!(
            rows[5].starts_with("3,孙小妹,"),
            "the agent holds the account: {}",
            rows[5]
        );
        let sum: i64 = rows[3..]
            .iter()
            .map(|r| {
                let amount = r.split(',').nth(3).unwrap();
                (amount.parse::<f64>().unwrap() * 100.0).round() as i64
            })
            .sum();
        assert_eq!(sum, f.total_fen, "the control total is the rows' sum");

        let (bytes, n, fen) = missing_accounts(&lines).unwrap().unwrap();
        assert_eq!((n, fen), (1, 7000));
        let m = text(&bytes);
        assert!(m.contains("王五") && m.contains("合计,,,,,70.00"), "{m}");
        assert!(missing_accounts(&lines[..2]).unwrap().is_none());
    }
}
