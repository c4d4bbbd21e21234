//! `yiyang bench import`: imports a generated register of N older people (1,000,000 by
//! default) from CSV, validation included, and reports the wall time. Run it against
//! SQLite and PostgreSQL; the README records the results.

use std::path::PathBuf;
use std::time::Instant;

use clap::Subcommand;
use yiyang_store::Store;

#[derive(Subcommand)]
pub enum BenchWhat {
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
        BenchWhat::Import { rows, db, csv } => {
            let store = Store::connect(&db).await?;
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
fn write_rows(store: &Store, rows: usize, path: &PathBuf) -> Result<(), super::AnyError> {
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
    let mut w = csv::Writer::from_path(path)?;
    w.write_record([
        "姓名",
        "身份证号",
        "联系电话",
        "居住地址",
        "户籍地区划代码",
        "户籍性质",
        "人员类别",
        "死亡日期",
        "死亡信息来源",
        "紧急联系人",
        "与本人关系",
        "紧急联系人电话",
    ])?;
    let per_county = 200_000;
    let mut written = 0;
    let mut batch = 0u64;
    while written < rows {
        let n = per_county.min(rows - written);
        let county = &counties[batch as usize % counties.len()];
        let places: Vec<(String, String)> = towns.iter().filter(|(c, _)| c.starts_with(county)).cloned().collect();
        for p in yiyang_store::demo::generate_people(n, county, &places, batch, today) {
            w.write_record([
                &p.name,
                &p.id_number,
                &p.phone,
                &p.address,
                &p.hukou_division,
                &p.hukou_type,
                &p.categories,
                &p.death_date,
                &p.death_source,
                &p.contact_name,
                &p.contact_relation,
                &p.contact_phone,
            ])?;
        }
        written += n;
        batch += 1;
    }
    w.flush()?;
    Ok(())
}
