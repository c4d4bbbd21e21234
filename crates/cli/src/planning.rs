//! `yiyang planning coverage|site`: the 15-minute service circle on files, without a database
//! (`standards/service-circle.md`). The people file is streamed in blocks cut at line ends: one
//! thread reads, the others parse and look each person up in the facilities' grid, each into
//! its own counts per division, merged at the end; memory stays at a few blocks (plus, for
//! siting, the uncovered people's coordinates). A refused row is counted and named with its
//! line number, never dropped silently.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::sync_channel;

use clap::Subcommand;
use rustc_hash::FxHashMap;
use yiyang_domain::planning::circle::{site, BadPoint, Grid, Point, Reach, DEFAULT_DETOUR, DEFAULT_WALK_M, KINDS};

const BLOCK: usize = 4 << 20;
/// Refused rows named one by one; past this many only counted.
const NAMED: usize = 100;

#[derive(clap::Args, Clone)]
pub struct CircleArgs {
    /// People: CSV `id,division,lat,lon`.
    #[arg(long)]
    people: PathBuf,
    /// Facilities: CSV `id,kind,lat,lon`.
    #[arg(long)]
    facilities: PathBuf,
    /// Walking distance in metres.
    #[arg(long, default_value_t = DEFAULT_WALK_M)]
    walk_m: f64,
    /// Street distance over straight-line distance.
    #[arg(long, default_value_t = DEFAULT_DETOUR)]
    detour: f64,
    /// Only these facility kinds count (comma-separated codes); default: all.
    #[arg(long, value_delimiter = ',')]
    kinds: Vec<String>,
}

#[derive(Subcommand)]
pub enum PlanningAction {
    /// People covered per division: CSV `division,people,covered`, then `total,…`.
    Coverage {
        #[command(flatten)]
        circle: CircleArgs,
        #[arg(long)]
        out: PathBuf,
    },
    /// Greedy siting of up to K new facilities among candidate sites: CSV `rank,candidate,added,covered`.
    Site {
        #[command(flatten)]
        circle: CircleArgs,
        /// Candidate sites: CSV `id,lat,lon`.
        #[arg(long)]
        candidates: PathBuf,
        #[arg(long)]
        k: usize,
        #[arg(long)]
        out: PathBuf,
    },
}

/// Refused rows: how many, and the first few by line.
#[derive(Default)]
struct Refused {
    count: u64,
    named: Vec<(u64, String)>,
}

impl Refused {
    fn add(&mut self, line: u64, why: impl Into<String>) {
        self.count += 1;
        if self.named.len() < NAMED {
            self.named.push((line, why.into()));
        }
    }
    fn merge(&mut self, o: Refused) {
        self.count += o.count;
        self.named.extend(o.named);
        self.named.sort();
        self.named.truncate(NAMED);
    }
    fn report(&self, file: &Path) {
        for (line, why) in &self.named {
            eprintln!("{}：第 {line} 行：{why}", file.display());
        }
        if self.count > self.named.len() as u64 {
            eprintln!(
                "{}：另有 {} 行未读入",
                file.display(),
                self.count - self.named.len() as u64
            );
        }
        if self.count > 0 {
            eprintln!("{}：共 {} 行未读入（见上）", file.display(), self.count);
        }
    }
}

fn columns(header: &str, want: &[&str], file: &Path) -> Result<Vec<usize>, String> {
    let names: Vec<&str> = header
        .trim_start_matches('\u{feff}')
        .trim_end_matches('\r')
        .split(',')
        .map(str::trim)
        .collect();
    want.iter()
        .map(|w| {
            names
                .iter()
                .position(|n| n == w)
                .ok_or_else(|| format!("{}：表头缺少列 {w}（应为 {}）", file.display(), want.join(",")))
        })
        .collect()
}

/// A small file (facilities, candidates): read whole, rows parsed by `row`.
fn small_file<T>(
    path: &Path,
    want: &[&str],
    mut row: impl FnMut(&[&str]) -> Result<T, String>,
) -> Result<(Vec<T>, Refused), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}：无法读取：{e}", path.display()))?;
    let mut lines = text.lines();
    let map = columns(lines.next().unwrap_or(""), want, path)?;
    let (mut out, mut refused) = (Vec::new(), Refused::default());
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        let picked: Option<Vec<&str>> = map.iter().map(|c| fields.get(*c).copied()).collect();
        match picked.ok_or_else(|| "列数不足".to_string()).and_then(|f| row(&f)) {
            Ok(v) => out.push(v),
            Err(why) => refused.add(i as u64 + 2, why),
        }
    }
    Ok((out, refused))
}

fn facilities(args: &CircleArgs) -> Result<Grid, String> {
    for k in &args.kinds {
        if !KINDS.iter().any(|(c, _)| c == k) {
            return Err(format!(
                "--kinds：未知的设施类型 {k}（可用：{}）",
                KINDS.iter().map(|k| k.0).collect::<Vec<_>>().join(",")
            ));
        }
    }
    let (points, refused) = small_file(&args.facilities, &["id", "kind", "lat", "lon"], |f| {
        let kind = f[1].trim();
        if !KINDS.iter().any(|(c, _)| *c == kind) {
            return Err(format!("未知的设施类型 {kind}"));
        }
        let p = Point::parse(f[2], f[3]).map_err(|e| e.message().to_string())?;
        Ok((args.kinds.is_empty() || args.kinds.iter().any(|k| k == kind)).then_some(p))
    })?;
    refused.report(&args.facilities);
    Ok(Grid::new(points.into_iter().flatten().collect(), reach(args)?))
}

fn reach(args: &CircleArgs) -> Result<Reach, String> {
    let ok = (0.0..=10_000.0).contains(&args.walk_m) && args.walk_m > 0.0 && (1.0..=5.0).contains(&args.detour);
    if !ok {
        return Err("--walk-m 须在 0–10000 米之间，--detour 须在 1–5 之间".into());
    }
    Ok(Reach {
        walk_m: args.walk_m,
        detour: args.detour,
    })
}

/// What the workers count: per division (people, covered), refused rows, and for siting the
/// uncovered people's coordinates.
#[derive(Default)]
struct Counts {
    by: FxHashMap<Vec<u8>, (u64, u64)>,
    refused: Refused,
    uncovered: Vec<Point>,
}

fn scan_people(path: &Path, grid: &Grid, keep_uncovered: bool) -> Result<Counts, String> {
    let shown = path.display().to_string();
    let mut file = File::open(path).map_err(|e| format!("{shown}：无法打开：{e}"))?;
    let mut head = vec![0u8; 4096];
    let n = file.read(&mut head).map_err(|e| format!("{shown}：{e}"))?;
    head.truncate(n);
    let end = memchr::memchr(b'\n', &head).ok_or_else(|| format!("{shown}：没有表头"))?;
    let header = String::from_utf8_lossy(&head[..end]).into_owned();
    let map = columns(&header, &["id", "division", "lat", "lon"], path)?;
    let rest = head[end + 1..].to_vec();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let (tx, rx) = sync_channel::<(u64, Vec<u8>)>(workers * 2);
    let rx = std::sync::Mutex::new(rx);
    std::thread::scope(|s| {
        let reader = s.spawn(move || -> Result<(), String> {
            let mut carry = rest;
            let mut line_no = 2u64;
            loop {
                let mut block = std::mem::take(&mut carry);
                let have = block.len();
                block.resize(have + BLOCK, 0);
                let n = file.read(&mut block[have..]).map_err(|e| format!("{shown}：{e}"))?;
                block.truncate(have + n);
                if n == 0 {
                    if !block.is_empty() {
                        let _ = tx.send((line_no, block));
                    }
                    return Ok(());
                }
                let Some(cut) = memchr::memrchr(b'\n', &block) else {
                    carry = block;
                    continue;
                };
                carry = block[cut + 1..].to_vec();
                block.truncate(cut + 1);
                let lines = memchr::memchr_iter(b'\n', &block).count() as u64;
                if tx.send((line_no, block)).is_err() {
                    return Ok(());
                }
                line_no += lines;
            }
        });
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (rx, map) = (&rx, &map);
                s.spawn(move || {
                    let mut c = Counts::default();
                    loop {
                        let Ok((first, block)) = rx.lock().expect("receiver").recv() else {
                            break;
                        };
                        count_block(first, &block, map, grid, keep_uncovered, &mut c);
                    }
                    c
                })
            })
            .collect();
        let mut total = Counts::default();
        for h in handles {
            let c = h.join().expect("worker");
            for (k, (n, cov)) in c.by {
                let e = total.by.entry(k).or_default();
                e.0 += n;
                e.1 += cov;
            }
            total.refused.merge(c.refused);
            total.uncovered.extend(c.uncovered);
        }
        reader.join().expect("reader")?;
        Ok(total)
    })
}

fn count_block(first: u64, block: &[u8], map: &[usize], grid: &Grid, keep: bool, c: &mut Counts) {
    let width = map.iter().max().copied().unwrap_or(0) + 1;
    let mut fields: Vec<&[u8]> = Vec::with_capacity(8);
    for (i, line) in block.split(|b| *b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let no = first + i as u64;
        fields.clear();
        fields.extend(line.split(|b| *b == b','));
        if fields.len() < width {
            c.refused.add(no, "列数不足");
            continue;
        }
        let (division, lat, lon) = (fields[map[1]], fields[map[2]], fields[map[3]]);
        let text = |b: &[u8]| std::str::from_utf8(b).unwrap_or("").to_string();
        if division.is_empty() || !division.iter().all(u8::is_ascii_digit) {
            c.refused.add(no, format!("区划代码无效：{}", text(division)));
            continue;
        }
        let point = match (std::str::from_utf8(lat), std::str::from_utf8(lon)) {
            (Ok(a), Ok(b)) => Point::parse(a, b),
            _ => Err(BadPoint::Missing),
        };
        let p = match point {
            Ok(p) => p,
            Err(e) => {
                c.refused.add(no, e.message());
                continue;
            }
        };
        let covered = grid.any_within(p);
        if !covered && keep {
            c.uncovered.push(p);
        }
        match c.by.get_mut(division) {
            Some(e) => {
                e.0 += 1;
                e.1 += u64::from(covered);
            }
            None => {
                c.by.insert(division.to_vec(), (1, u64::from(covered)));
            }
        }
    }
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    let mut f = File::create(path).map_err(|e| format!("{}：无法写入：{e}", path.display()))?;
    f.write_all(text.as_bytes())
        .map_err(|e| format!("{}：无法写入：{e}", path.display()))
}

fn coverage_csv(c: &Counts) -> String {
    let sorted: BTreeMap<&[u8], (u64, u64)> = c.by.iter().map(|(k, v)| (k.as_slice(), *v)).collect();
    let mut out = String::from("division,people,covered\n");
    let (mut n, mut cov) = (0, 0);
    for (d, (people, covered)) in sorted {
        out.push_str(&format!("{},{people},{covered}\n", String::from_utf8_lossy(d)));
        n += people;
        cov += covered;
    }
    out.push_str(&format!("total,{n},{cov}\n"));
    out
}

fn run_inner(action: PlanningAction) -> Result<(), String> {
    match action {
        PlanningAction::Coverage { circle, out } => {
            let grid = facilities(&circle)?;
            let counts = scan_people(&circle.people, &grid, false)?;
            counts.refused.report(&circle.people);
            write(&out, &coverage_csv(&counts))
        }
        PlanningAction::Site {
            circle,
            candidates,
            k,
            out,
        } => {
            let grid = facilities(&circle)?;
            let reach = reach(&circle)?;
            let (cands, refused) = small_file(&candidates, &["id", "lat", "lon"], |f| {
                Ok((
                    f[0].trim().to_string(),
                    Point::parse(f[1], f[2]).map_err(|e| e.message().to_string())?,
                ))
            })?;
            refused.report(&candidates);
            let counts = scan_people(&circle.people, &grid, true)?;
            counts.refused.report(&circle.people);
            let people: u64 = counts.by.values().map(|v| v.0).sum();
            let already = people as usize - counts.uncovered.len();
            let mut text = String::from("rank,candidate,added,covered\n");
            for p in site(&counts.uncovered, already, &cands, k, reach) {
                text.push_str(&format!("{},{},{},{}\n", p.rank, p.candidate, p.added, p.covered));
            }
            write(&out, &text)
        }
    }
}

pub fn run(action: PlanningAction) -> ExitCode {
    match run_inner(action) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e}");
            ExitCode::FAILURE
        }
    }
}
