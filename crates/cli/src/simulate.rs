//! `yiyang benefits simulate` and `yiyang benefits what-if`: a policy pack applied to an
//! `elders.csv` file (format in `../shared/bench/monthly-benefits.md`) without a database.
//!
//! The file is streamed in blocks cut at line ends; one thread reads, the others parse,
//! validate and evaluate (`domain::policy::input_row` and a tabulated `MonthProgram`), each
//! into its own totals, merged at the end. Memory stays at a few blocks whatever the size of
//! the file. Fields are split by hand on commas because the format is plain (no quoting is
//! produced by the generators we know); a line that does contain a quote is handed to the
//! `csv` crate so that quoted fields are still read correctly.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Mutex;

use rustc_hash::FxHashMap;
use yiyang_domain::policy::input_row::{check_row, column_map, MonthBounds, Reject, Row};
use yiyang_domain::policy::{MonthProgram, Pay, Payee};

const BLOCK: usize = 4 << 20;

/// Reasons a row is not evaluated: the spec's eight, plus a line with the wrong number of fields.
pub const REJECT_NAMES: [&str; 9] = [
    "bad_id",
    "bad_check_digit",
    "bad_date",
    "birth_mismatch",
    "sex_mismatch",
    "bad_capability_level",
    "bad_code",
    "missing_institution",
    "bad_row",
];
const BAD_ROW: usize = 8;

/// What a scan does with each row: the totals of `simulate`, or the comparison of `what-if`.
pub trait Accumulate: Send + Sized {
    fn row(&mut self, row: &Row<'_>);
    fn merge(&mut self, other: Self);
}

#[derive(Debug, Default)]
pub struct ScanStats {
    pub rows: u64,
    pub rejected: [u64; 9],
}

fn split_fields<'a>(line: &'a [u8], out: &mut [&'a [u8]; 32]) -> usize {
    let mut n = 0;
    let mut start = 0;
    for i in memchr::memchr_iter(b',', line) {
        if n < 32 {
            out[n] = &line[start..i];
        }
        n += 1;
        start = i + 1;
    }
    if n < 32 {
        out[n] = &line[start..];
    }
    n + 1
}

struct Worker<'m, A> {
    map: [usize; 13],
    width: usize,
    month: MonthBounds,
    acc: A,
    stats: ScanStats,
    _m: std::marker::PhantomData<&'m ()>,
}

impl<A: Accumulate> Worker<'_, A> {
    fn block(&mut self, data: &[u8]) {
        let mut fields: [&[u8]; 32] = [&[]; 32];
        let mut start = 0;
        while start < data.len() {
            let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |i| start + i);
            let mut line = &data[start..end];
            start = end + 1;
            if let [rest @ .., b'\r'] = line {
                line = rest;
            }
            if line.is_empty() {
                continue;
            }
            self.stats.rows += 1;
            if memchr::memchr(b'"', line).is_some() {
                self.quoted(line);
                continue;
            }
            let n = split_fields(line, &mut fields);
            if n != self.width {
                self.stats.rejected[BAD_ROW] += 1;
                continue;
            }
            let row: [&[u8]; 13] = std::array::from_fn(|i| fields[self.map[i]]);
            self.check(&row);
        }
    }

    fn quoted(&mut self, line: &[u8]) {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(line);
        let mut record = csv::ByteRecord::new();
        match reader.read_byte_record(&mut record) {
            Ok(true) if record.len() == self.width => {
                let row: [&[u8]; 13] = std::array::from_fn(|i| &record[self.map[i]]);
                self.check(&row);
            }
            _ => self.stats.rejected[BAD_ROW] += 1,
        }
    }

    #[inline]
    fn check(&mut self, row: &[&[u8]; 13]) {
        match check_row(row, &self.month) {
            Ok(r) => self.acc.row(&r),
            Err(reason) => self.stats.rejected[Reject::ALL.iter().position(|x| *x == reason).expect("listed")] += 1,
        }
    }
}

/// Streams `path` through `threads` workers, each with an accumulator made by `make`.
pub fn scan<A: Accumulate>(
    path: &Path,
    month: yiyang_domain::dates::Month,
    threads: usize,
    make: impl Fn() -> A + Sync,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(A, ScanStats), String> {
    let mut file = File::open(path).map_err(|e| format!("无法打开 {}: {e}", path.display()))?;
    // The header: read up to its line end.
    let mut buf = vec![0u8; BLOCK];
    let mut filled = 0;
    let header_end = loop {
        let n = file.read(&mut buf[filled..]).map_err(|e| e.to_string())?;
        filled += n;
        if let Some(i) = memchr::memchr(b'\n', &buf[..filled]) {
            break i;
        }
        if n == 0 || filled == buf.len() {
            return Err("文件没有表头行".into());
        }
    };
    let header = std::str::from_utf8(&buf[..header_end])
        .map_err(|_| "表头不是 UTF-8".to_string())?
        .trim_end_matches('\r')
        .trim_start_matches('\u{feff}');
    let names: Vec<&str> = header.split(',').collect();
    let map = column_map(&names)?;
    let width = names.len();
    let bounds = MonthBounds::new(month);
    let carry: Vec<u8> = buf[header_end + 1..filled].to_vec();

    let threads = threads.max(1);
    let (full_tx, full_rx): (SyncSender<Vec<u8>>, Receiver<Vec<u8>>) = sync_channel(threads * 2);
    let (free_tx, free_rx) = sync_channel::<Vec<u8>>(threads * 3 + 2);
    for _ in 0..threads * 3 + 1 {
        free_tx.send(Vec::with_capacity(BLOCK + 4096)).expect("room");
    }
    let full_rx = Mutex::new(full_rx);
    let results = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (full_rx, free_tx, make) = (&full_rx, free_tx.clone(), &make);
                s.spawn(move || {
                    let mut w = Worker {
                        map,
                        width,
                        month: bounds,
                        acc: make(),
                        stats: ScanStats::default(),
                        _m: std::marker::PhantomData,
                    };
                    loop {
                        let next = full_rx.lock().expect("lock").recv();
                        let Ok(block) = next else { break };
                        w.block(&block);
                        let _ = free_tx.send(block);
                    }
                    (w.acc, w.stats)
                })
            })
            .collect();
        drop(free_tx);
        let read = (|| -> Result<(), String> {
            let mut carry = carry;
            let mut total = (header_end + 1) as u64;
            loop {
                let mut block = free_rx.recv().map_err(|_| "worker stopped".to_string())?;
                block.clear();
                block.extend_from_slice(&carry);
                carry.clear();
                let have = block.len();
                block.resize(have.max(BLOCK), 0);
                let mut len = have;
                while len < block.len() {
                    let n = file.read(&mut block[len..]).map_err(|e| e.to_string())?;
                    if n == 0 {
                        break;
                    }
                    len += n;
                }
                block.truncate(len);
                let eof = len < BLOCK.max(have);
                if !eof {
                    // Hand over whole lines only; the rest starts the next block.
                    match memchr::memrchr(b'\n', &block) {
                        Some(i) => {
                            carry.extend_from_slice(&block[i + 1..]);
                            block.truncate(i + 1);
                        }
                        None => return Err("行过长（超过 4 MiB）".into()),
                    }
                }
                total += block.len() as u64;
                progress(total);
                if !block.is_empty() {
                    full_tx.send(block).map_err(|_| "worker stopped".to_string())?;
                }
                if eof && carry.is_empty() {
                    return Ok(());
                }
            }
        })();
        drop(full_tx);
        let parts: Vec<(A, ScanStats)> = handles
            .into_iter()
            .map(|h| h.join().expect("worker panicked"))
            .collect();
        read.map(|_| parts)
    })?;
    let mut parts = results.into_iter();
    let (mut acc, mut stats) = parts.next().expect("at least one worker");
    for (a, s) in parts {
        acc.merge(a);
        stats.rows += s.rows;
        for (x, y) in stats.rejected.iter_mut().zip(s.rejected) {
            *x += y;
        }
    }
    Ok((acc, stats))
}

/// Count and amount (fen).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sum {
    pub count: u64,
    pub fen: i64,
}

impl Sum {
    #[inline]
    fn add(&mut self, fen: i64) {
        self.count += 1;
        self.fen += fen;
    }
    fn merge(&mut self, o: Sum) {
        self.count += o.count;
        self.fen += o.fen;
    }
}

/// The totals of the benchmark's output: per benefit, per county and benefit, per institution
/// for benefits paid to institutions.
pub struct Totals<'p> {
    program: &'p MonthProgram<'p>,
    scratch: Vec<Pay>,
    pub payable: u64,
    pub all: Vec<Sum>,
    /// County code → slot in `counties`.
    county_slot: Vec<u32>,
    counties: Vec<(u32, Vec<Sum>)>,
    pub institutions: FxHashMap<Vec<u8>, Vec<Sum>>,
}

impl<'p> Totals<'p> {
    pub fn new(program: &'p MonthProgram<'p>) -> Totals<'p> {
        let nb = program.benefit_count();
        Totals {
            program,
            scratch: Vec::new(),
            payable: 0,
            all: vec![Sum::default(); nb],
            county_slot: vec![u32::MAX; 1_000_000],
            counties: Vec::new(),
            institutions: FxHashMap::default(),
        }
    }

    pub fn by_county(&self) -> BTreeMap<u32, &[Sum]> {
        self.counties.iter().map(|(c, s)| (*c, s.as_slice())).collect()
    }
}

impl Accumulate for Totals<'_> {
    #[inline]
    fn row(&mut self, row: &Row<'_>) {
        if !row.payable {
            return;
        }
        self.payable += 1;
        let program = self.program;
        let pays = program.pays(&row.facts, &mut self.scratch);
        let mut slot = u32::MAX;
        for (b, pay) in pays.iter().enumerate() {
            if pay.amount == 0 {
                continue;
            }
            self.all[b].add(pay.amount);
            if slot == u32::MAX {
                slot = self.county_slot[row.county as usize];
                if slot == u32::MAX {
                    slot = self.counties.len() as u32;
                    self.county_slot[row.county as usize] = slot;
                    self.counties.push((row.county, vec![Sum::default(); pays.len()]));
                }
            }
            self.counties[slot as usize].1[b].add(pay.amount);
            if program.payee(b) == Payee::Institution {
                let nb = pays.len();
                match self.institutions.get_mut(row.institution) {
                    Some(v) => v[b].add(pay.amount),
                    None => {
                        let mut v = vec![Sum::default(); nb];
                        v[b].add(pay.amount);
                        self.institutions.insert(row.institution.to_vec(), v);
                    }
                }
            }
        }
    }

    fn merge(&mut self, o: Self) {
        self.payable += o.payable;
        for (a, b) in self.all.iter_mut().zip(o.all) {
            a.merge(b);
        }
        for (county, sums) in o.counties {
            let slot = self.county_slot[county as usize];
            if slot == u32::MAX {
                self.county_slot[county as usize] = self.counties.len() as u32;
                self.counties.push((county, sums));
            } else {
                for (a, b) in self.counties[slot as usize].1.iter_mut().zip(sums) {
                    a.merge(b);
                }
            }
        }
        for (inst, sums) in o.institutions {
            match self.institutions.get_mut(&inst) {
                Some(v) => v.iter_mut().zip(sums).for_each(|(a, b)| a.merge(b)),
                None => {
                    self.institutions.insert(inst, sums);
                }
            }
        }
    }
}

/// Writes the totals file: `scope,key,benefit,count,amount_fen`, sorted by (scope, key,
/// benefit) in byte order, rows with a zero count left out except `payable_persons`.
pub fn write_totals(out: &mut dyn Write, totals: &Totals<'_>, stats: &ScanStats) -> std::io::Result<()> {
    let pack = totals.program.pack;
    let code = |b: usize| pack.benefits[b].code.as_str();
    let mut rows: Vec<(String, String, String, u64, i64)> = Vec::new();
    for (b, s) in totals.all.iter().enumerate() {
        rows.push(("all".into(), String::new(), code(b).into(), s.count, s.fen));
    }
    for (county, sums) in totals.by_county() {
        for (b, s) in sums.iter().enumerate() {
            rows.push(("county".into(), format!("{county:06}"), code(b).into(), s.count, s.fen));
        }
    }
    for (inst, sums) in &totals.institutions {
        for (b, s) in sums.iter().enumerate() {
            rows.push((
                "institution".into(),
                String::from_utf8_lossy(inst).into_owned(),
                code(b).into(),
                s.count,
                s.fen,
            ));
        }
    }
    rows.retain(|r| r.3 > 0);
    rows.push((
        "payable_persons".into(),
        String::new(),
        String::new(),
        totals.payable,
        0,
    ));
    for (i, n) in stats.rejected.iter().enumerate() {
        if *n > 0 {
            rows.push(("rejected".into(), REJECT_NAMES[i].into(), String::new(), *n, 0));
        }
    }
    rows.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    let mut w = std::io::BufWriter::new(out);
    writeln!(w, "scope,key,benefit,count,amount_fen")?;
    for (scope, key, benefit, count, fen) in rows {
        writeln!(w, "{scope},{},{benefit},{count},{fen}", csv_field(&key))?;
    }
    w.flush()
}

/// Quotes a key that would break the CSV (an institution id with a comma or quote).
fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}
