//! `yiyang bench import`: imports a generated register of N older people (1,000,000 by
//! default) from CSV, validation included, and reports the wall time. Run it against
//! SQLite and PostgreSQL; the README records the results.

use std::path::PathBuf;
use std::time::Instant;

use chrono::Datelike;
use clap::Subcommand;
use yiyang_store::Store;

#[derive(Subcommand)]
pub enum BenchWhat {
    /// Time `benefits run` for N people (imported first when the database has fewer), storing
    /// every line. Each invocation recomputes the month's draft run.
    Run {
        #[arg(long, default_value_t = 1_000_000)]
        people: usize,
        #[arg(long, env = "YIYANG_DB")]
        db: String,
        #[arg(long, default_value = "2025-06")]
        month: String,
    },
    /// Write a seeded elders.csv in the benchmark format (../shared/bench/monthly-benefits.md)
    /// for `benefits simulate`: one row in 500 carries each kind of error the spec names.
    Elders {
        #[arg(long, default_value_t = 8_000_000)]
        rows: usize,
        #[arg(long, default_value_t = 2025)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
    /// Write seeded files for `planning coverage`/`site`: people clustered around settlements
    /// across a province-sized area, facilities at some settlements, candidate sites at others.
    Circle {
        #[arg(long, default_value_t = 8_000_000)]
        people: usize,
        #[arg(long, default_value_t = 20_000)]
        facilities: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Folder for people.csv, facilities.csv and candidates.csv.
        #[arg(long)]
        out: PathBuf,
    },
    /// Home services under load through the real router: orders, check-ins, check-outs and
    /// order views by USERS families and workers at once (see README).
    Services {
        #[arg(long, env = "YIYANG_DB")]
        db: String,
        /// Older people in the county (imported when the database has fewer).
        #[arg(long, default_value_t = 100_000)]
        people: usize,
        /// Families (each with a worker) acting at once.
        #[arg(long, default_value_t = 100)]
        users: usize,
        /// Rounds per family: order, check-in, check-out, view.
        #[arg(long, default_value_t = 20)]
        rounds: usize,
        /// Orders on record before the run (placed when fewer).
        #[arg(long, default_value_t = 20_000)]
        seed_orders: usize,
        /// Mean pause of a user between steps, in milliseconds (0: back to back).
        #[arg(long, default_value_t = 1000)]
        think_ms: u64,
    },
    /// A province's dashboard: fill the register up to N people across Jiangxi, time the job
    /// that keeps the month's values, then the pages that read them (see README).
    Dashboard {
        #[arg(long, env = "YIYANG_DB")]
        db: String,
        #[arg(long, default_value_t = 8_000_000)]
        people: usize,
        /// Requests per page.
        #[arg(long, default_value_t = 200)]
        rounds: usize,
    },
    /// The register's list and search at province scale: fill up to N people across Jiangxi,
    /// then the list, searches, filters, pages and a person's page under concurrent sessions.
    Register {
        #[arg(long, env = "YIYANG_DB")]
        db: String,
        #[arg(long, default_value_t = 1_000_000)]
        people: usize,
        /// Concurrent signed-in sessions.
        #[arg(long, default_value_t = 20)]
        sessions: usize,
        /// Requests per session and page.
        #[arg(long, default_value_t = 10)]
        rounds: usize,
    },
    /// Import N generated rows into the database (which should be empty).
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        rows: usize,
        #[arg(long, env = "YIYANG_DB")]
        db: String,
        /// Keep the generated CSV here (default: a temporary file).
        #[arg(long)]
        csv: Option<PathBuf>,
    },
}

pub async fn run(what: BenchWhat) -> Result<std::process::ExitCode, super::AnyError> {
    match what {
        BenchWhat::Services {
            db,
            people,
            users,
            rounds,
            seed_orders,
            think_ms,
        } => {
            crate::bench_services::run(&db, people, users, rounds, seed_orders, think_ms).await?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        BenchWhat::Dashboard { db, people, rounds } => {
            crate::bench_dashboard::run(&db, people, rounds).await?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        BenchWhat::Register {
            db,
            people,
            sessions,
            rounds,
        } => {
            crate::bench_register::run(&db, people, sessions, rounds).await?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        BenchWhat::Run { people, db, month } => {
            let store = crate::open_store(&db).await?;
            let have = store.count_people_in("36").await?;
            if have < people as i64 {
                let path = std::env::temp_dir().join(format!("yiyang-bench-{people}.csv"));
                if !path.exists() {
                    eprintln!("生成 {people} 行测试数据 → {}", path.display());
                    write_rows(&store, people, &path)?;
                }
                eprintln!("导入 {people} 人……");
                store.import_people(&path, "", &super::cli_actor(), &|_, _| {}).await?;
            }
            // The province's open figures (高龄 bands, 服务补贴, 特困 standards) set as the
            // demo sets Huichang's, so that the run computes and stores lines as a real
            // province's would.
            let packs = yiyang_domain::policy::shipped::packs_with_demo_figures_across_jiangxi();
            let month = yiyang_domain::dates::Month::parse(&month)?;
            let req = yiyang_store::benefits::RunRequest {
                recompute: true,
                ..yiyang_store::benefits::RunRequest::new(month, "36")
            };
            // A run's scope is the paying county: the province's month is one run per county,
            // computed one after another as the province's 开始计算 does.
            let t = Instant::now();
            let counties = store.paying_counties("36").await?;
            let (mut persons, mut lines, mut total_fen) = (0i64, 0i64, 0i64);
            for county in &counties {
                let one = yiyang_store::benefits::RunRequest { scope: county, ..req };
                let out = store
                    .run_benefits(&one, &packs, &super::cli_actor(), &|_, _| {})
                    .await?;
                persons += out.run.persons;
                lines += out.run.lines;
                total_fen += out.run.total_fen;
            }
            let secs = t.elapsed().as_secs_f64();
            println!(
                "bench run: backend={} counties={} persons={persons} lines={lines} total_fen={total_fen} seconds={secs:.2} persons_per_sec={:.0}",
                store.backend(),
                counties.len(),
                persons as f64 / secs
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        BenchWhat::Elders { rows, seed, out } => {
            let t = Instant::now();
            let file = std::fs::File::create(&out)?;
            write_elders(rows, seed, &mut std::io::BufWriter::with_capacity(1 << 20, file))?;
            println!(
                "已写入 {rows} 行 → {}（{:.1} 秒）",
                out.display(),
                t.elapsed().as_secs_f64()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        BenchWhat::Circle {
            people,
            facilities,
            seed,
            out,
        } => {
            let t = Instant::now();
            write_circle(people, facilities, seed, &out)?;
            println!(
                "已写入 {people} 人、{facilities} 个设施 → {}（{:.1} 秒）",
                out.display(),
                t.elapsed().as_secs_f64()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        BenchWhat::Import { rows, db, csv } => {
            let store = crate::open_store(&db).await?;
            let path = csv.unwrap_or_else(|| std::env::temp_dir().join(format!("yiyang-bench-{rows}.csv")));
            if !path.exists() {
                eprintln!("生成 {rows} 行测试数据 → {}", path.display());
                write_rows(&store, rows, &path)?;
            }
            let size = std::fs::metadata(&path)?.len();
            let t = Instant::now();
            let summary = store.import_people(&path, "", &super::cli_actor(), &|_, _| {}).await?;
            let secs = t.elapsed().as_secs_f64();
            let j = summary.job;
            println!(
                "bench import: backend={} rows={} bytes={} inserted={} updated={} unchanged={} rejected={} seconds={:.2} rows_per_sec={:.0}",
                store.backend(),
                j.total_rows,
                size,
                j.inserted,
                j.updated,
                j.unchanged,
                j.rejected,
                secs,
                j.total_rows as f64 / secs
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}

/// A seeded register spread over the townships of Ganzhou (赣州市, 3607).
fn write_rows(store: &Store, rows: usize, path: &std::path::Path) -> Result<(), super::AnyError> {
    let reference = store.reference();
    let mut towns: Vec<(String, String)> = reference
        .divisions
        .iter()
        .filter(|(c, _)| c.len() == 9 && c.starts_with("3607"))
        .map(|(c, n)| (c.clone(), n.clone()))
        .collect();
    towns.sort();
    let mut counties: Vec<String> = towns.iter().map(|(c, _)| c[..6].to_string()).collect();
    counties.dedup();
    let today = chrono::Local::now().date_naive();
    let per_county = 200_000;
    let mut people = Vec::with_capacity(rows);
    let mut batch = 0u64;
    while people.len() < rows {
        let n = per_county.min(rows - people.len());
        let county = &counties[batch as usize % counties.len()];
        let places: Vec<(String, String)> = towns.iter().filter(|(c, _)| c.starts_with(county)).cloned().collect();
        people.extend(yiyang_store::demo::generate_people(n, county, &places, batch, today));
        batch += 1;
    }
    yiyang_store::demo::write_csv(&people, path)?;
    Ok(())
}

/// The benchmark's elders.csv, seeded. Counties are spread over the five seed jurisdictions'
/// provinces; ages mostly 60-100; a small share of rows is broken in each specified way.
pub fn write_elders(rows: usize, seed: u64, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    use rand::{Rng, SeedableRng};
    const COUNTIES: [&str; 16] = [
        "360102", "360121", "360124", "360702", "360730", "360731", "360732", "360733", "360781", "140105", "140106",
        "140109", "140121", "140181", "511425", "654002",
    ];
    const SURNAMES: [&str; 12] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"];
    const GIVEN: [&str; 12] = [
        "秀英", "桂兰", "建国", "德明", "玉兰", "志强", "淑珍", "国华", "红", "芳", "忠", "平",
    ];
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    writeln!(w, "person_id,name,sex,birth_date,county_code,hukou,econ_hardship,tekun,disability_nursing,capability_level,residence,institution_id,death_date")?;
    for i in 0..rows {
        let county = COUNTIES[rng.gen_range(0..COUNTIES.len())];
        // Ages 60-104 with a long tail: the square of a uniform number leans towards the young.
        let u: f64 = rng.gen();
        let age = 60 + (u * u * 45.0) as i32;
        let year = 2025 - age;
        let month = rng.gen_range(1..=12u32);
        let day = rng.gen_range(1..=yiyang_domain::dates::Month { year, month }.last_day().day());
        let female = rng.gen_bool(0.53);
        let seq = rng.gen_range(0..100u32) * 10 + rng.gen_range(0..5u32) * 2 + (!female) as u32;
        let body = format!("{county}{year:04}{month:02}{day:02}{seq:03}");
        let mut id = format!("{body}{}", yiyang_domain::id_number::check_char(body.as_bytes()));
        let mut birth = format!("{year:04}-{month:02}-{day:02}");
        let mut sex = if female { "F" } else { "M" }.to_string();
        let econ = rng.gen_bool(0.12);
        let tekun = rng.gen_bool(0.02);
        let dn = rng.gen_bool(0.03);
        let mut level = match rng.gen_range(0..100) {
            0..=14 => String::new(),
            15..=64 => "0".into(),
            65..=79 => "1".into(),
            80..=88 => "2".into(),
            89..=95 => "3".into(),
            _ => "4".into(),
        };
        let (mut residence, mut inst) = match rng.gen_range(0..100) {
            0..=2 => ("public_institution", format!("JG{county}1{:03}", rng.gen_range(0..20))),
            3..=5 => ("private_institution", format!("JG{county}2{:03}", rng.gen_range(0..40))),
            _ => ("home", String::new()),
        };
        let mut hukou = if rng.gen_bool(0.55) { "rural" } else { "urban" };
        let mut death = if rng.gen_bool(0.01) {
            format!("2025-{:02}-{:02}", rng.gen_range(1..=12), rng.gen_range(1..=28))
        } else {
            String::new()
        };
        // Errors, one kind per row, in the spec's categories.
        match i % 500 {
            0 => id.truncate(17),
            1 => id.replace_range(17.., if id.ends_with('0') { "1" } else { "0" }),
            2 => birth = birth.replace('-', "/"),
            3 => death = "2025-02-30".into(),
            4 => {
                birth = format!(
                    "{year:04}-{month:02}-{:02}",
                    if day == 28 { 27 } else { day + 1 }.min(28)
                )
            }
            5 => sex = if female { "M" } else { "F" }.into(),
            6 => level = "5".into(),
            7 => hukou = "Rural",
            8 => (residence, inst) = ("private_institution", String::new()),
            _ => {}
        }
        let name = format!("{}{}", SURNAMES[i % 12], GIVEN[(i / 12) % 12]);
        writeln!(
            w,
            "{id},{name},{sex},{birth},{county},{hukou},{},{},{},{level},{residence},{inst},{death}",
            econ as u8, tekun as u8, dn as u8
        )?;
    }
    w.flush()
}

/// People around settlements (a village every few kilometres across Jiangxi's extent), most
/// within a kilometre or two of its centre; facilities at a share of the settlements, so that
/// coverage is partial as in life.
fn write_circle(people: usize, facilities: usize, seed: u64, dir: &std::path::Path) -> std::io::Result<()> {
    use rand::{Rng, SeedableRng};
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let settlements: Vec<(f64, f64, String)> = (0..(facilities * 3).max(10))
        .map(|i| {
            let county = 360100 + (i % 90) * 100;
            (
                rng.gen_range(24.5..30.0),
                rng.gen_range(113.6..118.4),
                format!("{county}{:03}{:03}", i % 20 + 100, i % 300 + 200),
            )
        })
        .collect();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("facilities.csv"))?);
    writeln!(w, "id,kind,lat,lon")?;
    let kinds = [
        "community_center",
        "day_care",
        "rural_day_care",
        "mutual_aid",
        "meal_point",
        "institution",
    ];
    for i in 0..facilities {
        let (lat, lon, _) = &settlements[i * 3 % settlements.len()];
        writeln!(
            w,
            "F{i:06},{},{:.7},{:.7}",
            kinds[i % kinds.len()],
            lat + rng.gen_range(-0.004..0.004),
            lon + rng.gen_range(-0.004..0.004)
        )?;
    }
    w.flush()?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("candidates.csv"))?);
    writeln!(w, "id,lat,lon")?;
    for i in 0..(facilities / 10).max(5) {
        let (lat, lon, _) = &settlements[(i * 3 + 1) % settlements.len()];
        writeln!(w, "C{i:05},{lat:.7},{lon:.7}")?;
    }
    w.flush()?;
    let mut w = std::io::BufWriter::with_capacity(4 << 20, std::fs::File::create(dir.join("people.csv"))?);
    writeln!(w, "id,division,lat,lon")?;
    for i in 0..people {
        let (lat, lon, division) = &settlements[rng.gen_range(0..settlements.len())];
        // A sum of two uniforms: most near the centre, some a couple of kilometres out.
        let dlat: f64 = rng.gen_range(-0.01..0.01) + rng.gen_range(-0.01..0.01);
        let dlon: f64 = rng.gen_range(-0.01..0.01) + rng.gen_range(-0.01..0.01);
        writeln!(w, "P{i:08},{division},{:.7},{:.7}", lat + dlat, lon + dlon)?;
    }
    w.flush()
}
