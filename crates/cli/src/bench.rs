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
