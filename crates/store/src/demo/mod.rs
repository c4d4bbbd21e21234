//! The demo county: 会昌县 (360733) with its real townships and villages, a few thousand
//! generated older people with realistic ID numbers, ages and categories, and one account
//! per role. Seeded, so every demo database is the same.
//!
//! Files: here the accounts, the people and how the demo is loaded; `institutions` (the
//! demo homes' beds, staff, gradings and waitlist, and the facilities); `deaths` (the funeral
//! system's death file).

mod deaths;
mod institutions;
mod payment;

use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use yiyang_domain::id_number::check_char;
use yiyang_domain::person::PersonInput;
use yiyang_domain::role::Role;

use crate::audit::Actor;
use crate::users::NewUser;
use crate::with_pool;
use crate::{Result, Store};

pub const DEMO_COUNTY: &str = "360733";
pub const DEMO_PASSWORD: &str = "yiyang-demo-2026";

/// (username, display name, role, scope, institution)
pub const DEMO_ACCOUNTS: &[(&str, &str, Role, &str, Option<&str>)] = &[
    ("sheng", "江西省民政厅 管理员", Role::CivilAffairs, "36", None),
    ("huichang", "会昌县民政局 管理员", Role::CivilAffairs, "360733", None),
    ("wenwuba", "文武坝镇 民政专干", Role::CivilAffairs, "360733100", None),
    (
        "jigou",
        "会昌县中心敬老院 工作人员",
        Role::Institution,
        "360733",
        Some("JG3607331001"),
    ),
    (
        "fuwu",
        "颐康居家养老服务中心 调度员 邱丽萍",
        Role::Provider,
        "360733",
        Some(crate::services::DEMO_PROVIDER),
    ),
    (
        "hugong",
        "颐康居家养老服务中心 护理员 刘美华",
        Role::Provider,
        "360733",
        Some(crate::services::DEMO_PROVIDER),
    ),
    (
        crate::services::DEMO_FAMILY,
        "家属 刘建华",
        Role::Family,
        "360733",
        None,
    ),
    ("pinggu", "评估员 刘晓梅", Role::Assessor, "360733", None),
    ("pinggu2", "评估员 陈志强", Role::Assessor, "360733", None),
    ("jiancha", "监管检查员", Role::Inspector, "360733", None),
    ("jiancha2", "监管检查员 李红梅", Role::Inspector, "360733", None),
    ("jiancha3", "县市场监管局 王志刚", Role::Inspector, "360733", None),
    ("tanfang", "文武坝镇 网格员 钟小兰", Role::Visitor, "360733100", None),
    (
        "zhiban",
        "文武坝镇 值班员 赖志坚",
        Role::CivilAffairs,
        "360733100",
        None,
    ),
    ("shenji", "只读审计员", Role::Auditor, "360733", None),
    ("guanli", "会昌县民政局 系统管理员", Role::Admin, "360733", None),
    ("shenhe", "会昌县民政局 待遇审核员", Role::Reviewer, "360733", None),
    (
        "shenpi",
        "会昌县民政局 分管领导（审批）",
        Role::Approver,
        "360733",
        None,
    ),
];

const SURNAMES: &[&str] = &[
    "刘", "李", "王", "张", "陈", "黄", "曾", "钟", "邱", "赖", "肖", "谢", "朱", "周", "吴", "欧阳", "胡", "林", "罗",
    "徐",
];
const GIVEN_M: &[&str] = &[
    "福生", "发财", "长根", "金华", "光明", "水生", "德胜", "国华", "建国", "春生", "有才", "茂林", "桂生", "贤良",
    "振兴",
];
const GIVEN_F: &[&str] = &[
    "桂英", "秀兰", "玉兰", "冬梅", "春花", "满妹", "招娣", "金凤", "凤英", "月娥", "桂香", "秀英", "银娇", "菊英",
    "翠兰",
];

/// The people aged 60 and over of the 2020 census (第七次全国人口普查, 按年龄分的人口), in
/// millions by five-year band from 60-64 to 95-99, then 100 and over (rounded to 0.1 million;
/// 264 million in all). The demo's ages follow these shares, so that age-based money (高龄津贴)
/// is in the proportions a director would see: about 14 % are 80 or older, 0.05 % 100 or older.
const CENSUS_2020_60_PLUS: [(i32, f64); 9] = [
    (60, 73.4),
    (65, 74.0),
    (70, 49.6),
    (75, 31.2),
    (80, 20.4),
    (85, 11.6),
    (90, 4.4),
    (95, 1.0),
    (100, 0.12),
];

/// An age drawn from the census shares, uniform within its band (100-104 for the last).
pub fn demo_age(rng: &mut StdRng) -> i32 {
    let total: f64 = CENSUS_2020_60_PLUS.iter().map(|b| b.1).sum();
    let mut x = rng.gen::<f64>() * total;
    for (from, share) in CENSUS_2020_60_PLUS {
        if x < share {
            return from + rng.gen_range(0..5);
        }
        x -= share;
    }
    60 + rng.gen_range(0..5)
}

/// Generates `n` older people living in `county`'s villages (or townships where no
/// villages are loaded).
pub fn generate_people(
    n: usize,
    county: &str,
    places: &[(String, String)],
    seed: u64,
    today: NaiveDate,
) -> Vec<PersonInput> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut seqs = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let age = demo_age(&mut rng);
        let birth =
            NaiveDate::from_ymd_opt(today.year() - age, 1, 1).unwrap() + chrono::Days::new(rng.gen_range(0..365));
        let birth = if birth > NaiveDate::from_ymd_opt(today.year() - 60, today.month(), today.day()).unwrap() {
            birth - chrono::Days::new(366)
        } else {
            birth
        };
        let male = rng.gen_bool(0.46);
        let seq: u32 = loop {
            let s = rng.gen_range(0..500) * 2 + u32::from(male);
            if seqs.insert((birth, s)) {
                break s;
            }
        };
        let body = format!("{county}{}{:03}", birth.format("%Y%m%d"), seq);
        let id = format!("{body}{}", check_char(body.as_bytes()));
        let name = format!(
            "{}{}",
            SURNAMES[rng.gen_range(0..SURNAMES.len())],
            if male {
                GIVEN_M[rng.gen_range(0..GIVEN_M.len())]
            } else {
                GIVEN_F[rng.gen_range(0..GIVEN_F.len())]
            }
        );
        let (place_code, place_name) = &places[rng.gen_range(0..places.len())];
        let mut cats = Vec::new();
        let mut pick = |code: &str, p: f64, rng: &mut StdRng| {
            if rng.gen_bool(p) {
                cats.push(code.to_string());
            }
        };
        pick("tekun", 0.02, &mut rng);
        pick("dibao", 0.07, &mut rng);
        pick("econ_hardship", 0.05, &mut rng);
        pick("alone", 0.09, &mut rng);
        pick("empty_nest", 0.22, &mut rng);
        pick("left_behind", 0.06, &mut rng);
        pick("disabled", if age >= 80 { 0.16 } else { 0.05 }, &mut rng);
        pick("dementia", if age >= 80 { 0.05 } else { 0.01 }, &mut rng);
        pick("severe_disability", 0.015, &mut rng);
        pick("family_planning_special", 0.01, &mut rng);
        pick("youfu", 0.015, &mut rng);
        let dead = rng.gen_bool(0.03);
        let death_date = if dead {
            (today - chrono::Days::new(rng.gen_range(1..500))).to_string()
        } else {
            String::new()
        };
        let phone = if rng.gen_bool(0.7) {
            format!(
                "1{}{:09}",
                ["39", "58", "87", "33", "77", "98"][rng.gen_range(0..6)],
                rng.gen_range(0..1_000_000_000u64)
            )
            .chars()
            .take(11)
            .collect()
        } else {
            String::new()
        };
        let contact_surname = name
            .chars()
            .take(if name.starts_with("欧阳") { 2 } else { 1 })
            .collect::<String>();
        out.push(PersonInput {
            name,
            id_number: id,
            phone,
            address: format!("会昌县{}{}号", place_name, rng.gen_range(1..120)),
            hukou_division: place_code.clone(),
            hukou_type: if rng.gen_bool(0.78) { "rural" } else { "urban" }.into(),
            categories: cats.join(","),
            death_date,
            death_source: if dead {
                ["hukou_cancel", "cremation", "family"][rng.gen_range(0..3)].into()
            } else {
                String::new()
            },
            contact_name: format!(
                "{contact_surname}{}",
                ["建华", "小明", "丽萍", "文军", "海燕"][rng.gen_range(0..5)]
            ),
            contact_relation: ["儿子", "女儿", "儿媳", "孙子", "侄子"][rng.gen_range(0..5)].into(),
            contact_phone: format!("13{}{:08}", rng.gen_range(0..10), rng.gen_range(0..100_000_000u64)),
            ..Default::default()
        });
    }
    out
}

impl Store {
    /// Loads the demo county into the database: accounts (if missing) and `n` people
    /// (upserted by ID number, so loading twice changes nothing).
    pub async fn load_demo(&self, n: usize, actor: &Actor) -> Result<usize> {
        for (username, display, role, scope, inst) in DEMO_ACCOUNTS {
            if !self.user_exists(username).await? {
                self.create_user(
                    &NewUser {
                        username,
                        display_name: display,
                        password: DEMO_PASSWORD,
                        role: *role,
                        scope,
                        institution_id: *inst,
                    },
                    actor,
                )
                .await?;
            }
        }
        let reference = self.reference();
        let mut places: Vec<(String, String)> = reference
            .divisions
            .iter()
            .filter(|(c, _)| c.len() == 12 && c.starts_with(DEMO_COUNTY))
            .map(|(c, n)| {
                let town = reference.division_name(&c[..9]).unwrap_or("");
                (c.clone(), format!("{town}{n}"))
            })
            .collect();
        if places.is_empty() {
            places = reference.children(DEMO_COUNTY);
        }
        places.sort();
        let today = self.clock.today();
        let mut people = generate_people(n, DEMO_COUNTY, &places, 20211207, today);
        // The first time, some deaths arrive from the funeral system's file rather than with
        // the register (the same deaths either way).
        let first = self.no_death_files().await?;
        let delivered = if first {
            deaths::deliver_deaths(&mut people)
        } else {
            Vec::new()
        };
        let dir = tempdir_path();
        let path = dir.join("会昌县老年人信息-演示.csv");
        write_csv(&people, &path)?;
        let summary = self.import_people(&path, DEMO_COUNTY, actor, &|_, _| {}).await;
        let _ = std::fs::remove_dir_all(&dir);
        let summary = summary?;
        if first && !people.is_empty() {
            self.load_demo_deaths(&delivered, &people, actor).await?;
        }
        self.load_demo_accounts(DEMO_COUNTY, actor).await?;
        self.load_demo_care(today, actor).await?;
        self.load_demo_supervision(actor).await?;
        self.load_demo_visits(actor).await?;
        self.load_demo_services(actor).await?;
        self.load_demo_service_inspections(actor).await?;
        self.load_demo_sos(actor).await?;
        self.load_demo_timebank(actor).await?;
        self.load_demo_residential(actor).await?;
        if self.approved_local_figures().await?.is_empty() {
            self.load_demo_figures(actor).await?;
        }
        Ok((summary.job.inserted + summary.job.updated + summary.job.unchanged) as usize)
    }

    /// Assessments for about half the demo people and three institutions (public, 公建民营,
    /// private) with residents, so that the benefit run has levels and residences to work on.
    /// Skipped when the database already has institutions.
    async fn load_demo_care(&self, today: chrono::NaiveDate, actor: &Actor) -> Result<()> {
        let have: i64 =
            with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM institutions").fetch_one(pool).await?);
        if have > 0 {
            return Ok(());
        }
        let institutions = [
            ("JG3607331001", "会昌县中心敬老院", "public", "360733100"),
            (
                "JG3607331002",
                "会昌县社会福利中心（公建民营）",
                "public_private",
                "360733100",
            ),
            ("JG3607332001", "会昌县康乐护理院", "private_nonprofit", "360733101"),
        ];
        let mut inst_ids = Vec::new();
        for (code, name, kind, division) in institutions {
            inst_ids.push(self.add_institution(code, name, kind, division).await?);
        }
        let (lo, hi) = crate::scope_range(DEMO_COUNTY);
        let people: Vec<(i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, categories FROM persons WHERE hukou_division >= $1 AND hukou_division < $2 ORDER BY id")
            .bind(&lo).bind(&hi).fetch_all(pool).await?);
        for (i, (id, cats)) in people.iter().enumerate() {
            // A fixed pattern rather than randomness: the demo is the same on every machine.
            let h = (*id as u64).wrapping_mul(2654435761) % 1000;
            let disabled = cats.contains(",disabled,");
            if disabled || h < 450 {
                let level = if disabled {
                    3 + (h % 2) as i64
                } else {
                    [0, 0, 0, 1, 1, 2, 2, 3, 4, 0][(h % 10) as usize]
                };
                let on = today - chrono::Days::new(20 + h % 300);
                let until = on + chrono::Months::new(12);
                self.record_assessment(*id, "GB/T 42195-2022", level, on, until).await?;
            }
            if h.is_multiple_of(23) || (cats.contains(",tekun,") && h.is_multiple_of(3)) {
                let inst = inst_ids[i % inst_ids.len()];
                self.admit(*id, inst, today - chrono::Days::new(60 + h % 700), None)
                    .await?;
            }
        }
        self.load_demo_institution_detail(&inst_ids, &people, today, actor)
            .await
    }
}

/// Writes people as a register spreadsheet with Chinese headers, as county staff hold it.
pub fn write_csv(people: &[PersonInput], path: &std::path::Path) -> Result<()> {
    let err = |e: csv::Error| crate::StoreError::File(e.to_string());
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    w.write_record(CSV_HEADERS).map_err(err)?;
    for p in people {
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
        ])
        .map_err(err)?;
    }
    w.flush().map_err(|e| crate::StoreError::File(e.to_string()))
}

const CSV_HEADERS: [&str; 12] = [
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
];

fn tempdir_path() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("yiyang-demo-{}-{}", std::process::id(), rand::random::<u32>()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_demo_ages_follow_the_census_shares() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let places = vec![("360733100".to_string(), "文武坝镇".to_string())];
        let people = super::generate_people(20_000, "360733", &places, 7, today);
        let ages: Vec<i32> = people
            .iter()
            .map(|p| {
                let birth = yiyang_domain::id_number::IdNumber::parse(&p.id_number)
                    .unwrap()
                    .birth_date();
                yiyang_domain::dates::age_on(birth, today)
            })
            .collect();
        let share = |f: &dyn Fn(i32) -> bool| ages.iter().filter(|a| f(**a)).count() as f64 / ages.len() as f64;
        assert!(ages.iter().all(|a| (60..=105).contains(a)), "{:?}", ages.iter().max());
        // The census: 60-69 about 56 %, 80 and over about 14 %, 90 and over about 2 %, 100 and
        // over about 0.05 %.
        let young = share(&|a| a < 70);
        let old = share(&|a| a >= 80);
        let oldest = share(&|a| a >= 90);
        let centenarians = share(&|a| a >= 100);
        assert!((0.52..0.60).contains(&young), "60-69: {young}");
        assert!((0.12..0.16).contains(&old), "80+: {old}");
        assert!((0.01..0.03).contains(&oldest), "90+: {oldest}");
        assert!(centenarians < 0.002, "100+: {centenarians}");
    }

    use super::*;
    use yiyang_domain::IdNumber;

    #[test]
    fn generated_people_have_valid_unique_ids_and_are_over_60() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let places = vec![("360733100201".to_string(), "文武坝镇某村".to_string())];
        let people = generate_people(2000, "360733", &places, 1, today);
        let mut ids = std::collections::HashSet::new();
        for p in &people {
            let id = IdNumber::parse(&p.id_number).unwrap();
            assert!(
                yiyang_domain::dates::age_on(id.birth_date(), today) >= 60,
                "{}",
                p.id_number
            );
            assert!(ids.insert(p.id_number.clone()));
        }
    }
}
