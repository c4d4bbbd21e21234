//! The demo's death file: the funeral system's monthly file as the county receives it, with a
//! row of each kind the review screen deals with — deaths recorded from it, one already known,
//! a name that disagrees with the register (on the review list), a number the county has not
//! registered and a mistyped number. The deaths it records are deaths the generated register
//! would have held anyway: they are taken out of the register's own file and delivered here,
//! so the demo register is the same either way.

use yiyang_domain::id_number::check_char;
use yiyang_domain::person::PersonInput;

use crate::audit::Actor;
use crate::{with_pool, Result, Store};

/// Deaths the exchanged file delivers instead of the register's own file.
const DELIVERED: usize = 2;

/// (name, ID number, date of death, source) of a row of the demo file.
pub(super) type Delivered = (String, String, String, String);

impl Store {
    /// Whether no death file has been imported yet (the demo is loaded the first time).
    pub(super) async fn no_death_files(&self) -> Result<bool> {
        let n: i64 =
            with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM death_files").fetch_one(pool).await?);
        Ok(n == 0)
    }

    /// Imports the demo death file: the `delivered` deaths, and rows built from `people`.
    pub(super) async fn load_demo_deaths(
        &self,
        delivered: &[Delivered],
        people: &[PersonInput],
        actor: &Actor,
    ) -> Result<()> {
        let mut rows: Vec<Delivered> = delivered.to_vec();
        // A death the family reported already, confirmed by the funeral system.
        if let Some(p) = people
            .iter()
            .find(|p| p.death_source == "family" && !delivered.iter().any(|d| d.1 == p.id_number))
        {
            rows.push((
                p.name.clone(),
                p.id_number.clone(),
                p.death_date.clone(),
                "殡葬火化".into(),
            ));
        }
        // The funeral home wrote a name differently from the register: for the county to check.
        if let Some(p) = people.iter().rev().find(|p| p.death_date.is_empty()) {
            let mut name: Vec<char> = p.name.chars().collect();
            let last = name.len() - 1;
            name[last] = if name[last] == '英' { '瑛' } else { '英' };
            let day = (self.clock().today() - chrono::Days::new(9)).to_string();
            rows.push((name.into_iter().collect(), p.id_number.clone(), day, "殡葬火化".into()));
        }
        // Someone registered in another county (瑞金), and a number with a wrong check digit.
        let body = "36078119380611002";
        rows.push((
            "曾凡荣".into(),
            format!("{body}{}", check_char(body.as_bytes())),
            "2026-10-02".into(),
            "殡葬火化".into(),
        ));
        let body = "36073319380512002";
        let wrong = if check_char(body.as_bytes()) == '0' { '1' } else { '0' };
        rows.push((
            "钟桂花".into(),
            format!("{body}{wrong}"),
            "2026-10-05".into(),
            "殡葬火化".into(),
        ));

        // One folder per call: two demos loading at once in one process (tests) must not share it.
        static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("yiyang-demo-deaths-{}-{call}", std::process::id()));
        let io = |e: std::io::Error| crate::StoreError::File(format!("写演示文件失败：{e}"));
        std::fs::create_dir_all(&dir).map_err(io)?;
        let path = dir.join("会昌县殡仪馆火化信息.csv");
        let mut text = String::from("序号,姓名,身份证号,火化日期,信息来源\n");
        for (i, (name, id, day, source)) in rows.iter().enumerate() {
            text.push_str(&format!("{},{name},{id},{day},{source}\n", i + 1));
        }
        std::fs::write(&path, text).map_err(io)?;
        let done = self
            .import_death_file(
                &path,
                "会昌县殡仪馆火化信息.csv",
                Some("cremation"),
                super::DEMO_COUNTY,
                actor,
            )
            .await;
        let _ = std::fs::remove_dir_all(&dir);
        done.map(|_| ())
    }
}

/// Takes up to [`DELIVERED`] deaths the funeral system would report out of the generated
/// register, returning them as rows of the death file.
pub(super) fn deliver_deaths(people: &mut [PersonInput]) -> Vec<Delivered> {
    let mut out = Vec::new();
    for p in people
        .iter_mut()
        .filter(|p| p.death_source == "cremation")
        .take(DELIVERED)
    {
        out.push((
            p.name.clone(),
            p.id_number.clone(),
            p.death_date.clone(),
            "殡葬火化".into(),
        ));
        p.death_date.clear();
        p.death_source.clear();
    }
    out
}
