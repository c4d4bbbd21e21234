//! The demo homes in detail (filing facts, beds with residents, staff, gradings, a waitlist)
//! and the demo facilities.

use chrono::NaiveDate;

use crate::audit::Actor;
use crate::with_pool;
use crate::{Result, Store, StoreError};
use yiyang_domain::institution::NewBeds;

use super::*;

impl Store {
    /// Filing facts, beds (residents placed on them), staff, gradings and a waitlist for the
    /// three demo institutions.
    pub(super) async fn load_demo_institution_detail(
        &self,
        inst_ids: &[i64],
        people: &[(i64, String)],
        today: chrono::NaiveDate,
        actor: &Actor,
    ) -> Result<()> {
        // (credit code body, address, longitude, latitude, filed, fire safety, licence, clinic)
        let facts = [
            (
                "12360733MB1234567",
                "会昌县文武坝镇文武路88号",
                "115.7862",
                "25.6003",
                "2015-03-18",
                "approved",
                Some("会昌县中心敬老院医务室"),
            ),
            (
                "12360733MB7654321",
                "会昌县文武坝镇环城东路12号",
                "115.7931",
                "25.5978",
                "2019-09-02",
                "approved",
                None,
            ),
            (
                "52360733MJB987654",
                "会昌县筠门岭镇康乐路6号",
                "115.7911",
                "25.5050",
                "2021-06-15",
                "pending",
                Some("康乐护理院护理站"),
            ),
        ];
        for (inst, (body, address, lon, lat, filed, fire, clinic)) in inst_ids.iter().zip(facts) {
            let credit = credit_code(body);
            with_pool!(self, pool => sqlx::query(
                "UPDATE institutions SET credit_code = $2, address = $3, longitude = $4, latitude = $5, filed_on = $6, \
                 fire_safety = $7, clinic = $8, medical_care = $9, credit_commitment = $10, licence_no = $11, licence_until = $12, \
                 premises = $13, lease_years = $14, health_accepted = $15 WHERE id = $1")
                .bind(inst).bind(&credit).bind(address).bind(lon).bind(lat)
                .bind(filed.parse::<NaiveDate>().expect("date")).bind(fire).bind(clinic).bind(clinic.is_some()).bind(true)
                .bind(format!("赣民养备{}", &body[8..14])).bind(NaiveDate::from_ymd_opt(2029, 12, 31))
                // The private home rents its building on a ten-year lease; the others own theirs.
                .bind(if clinic.is_some() && fire == "pending" { "rented" } else { "built" })
                .bind(if clinic.is_some() && fire == "pending" { Some(10i64) } else { None })
                // Its nursing station passed the county health commission's acceptance.
                .bind(clinic.is_some() && fire == "pending")
                .execute(pool).await.map(|_| ())?);
        }
        // (building, rooms, beds per room, nursing, dementia unit, 投用日期): each home's beds
        // in use since it was filed, the centre's second building and the private home's
        // dementia unit added later.
        let layouts: [&[BedLayout]; 3] = [
            &[
                ("1号楼", 101..=110, 2, true, false, "2015-03-18"),
                ("1号楼", 201..=210, 2, true, false, "2015-03-18"),
                ("2号楼", 101..=110, 2, false, false, "2022-06-30"),
            ],
            &[
                ("康养楼", 101..=120, 2, true, false, "2019-09-02"),
                ("康养楼", 201..=220, 2, false, false, "2019-09-02"),
            ],
            &[
                ("A栋", 101..=115, 2, true, false, "2021-06-15"),
                ("A栋", 301..=305, 2, true, true, "2023-04-01"),
            ],
        ];
        for (inst, layout) in inst_ids.iter().zip(layouts) {
            for (building, rooms, per_room, nursing, dementia, opened) in layout {
                for room in rooms.clone() {
                    let beds = NewBeds::parse(
                        building,
                        &room.to_string(),
                        *per_room,
                        *nursing,
                        *dementia,
                        opened,
                        today,
                    )
                    .map_err(StoreError::Invalid)?;
                    self.add_beds(*inst, &beds, actor).await?;
                }
            }
            // Current residents take beds in order, nursing-type beds for the most dependent.
            let residents: Vec<(i64,)> = with_pool!(self, pool => sqlx::query_as(
                "SELECT r.id FROM residents r JOIN persons p ON p.id = r.person_id WHERE r.institution_id = $1 \
                 AND r.left_on IS NULL AND p.death_date IS NULL ORDER BY r.id").bind(inst).fetch_all(pool).await?);
            let beds = self.beds(*inst).await?;
            for ((resident,), bed) in residents.iter().zip(beds.iter()) {
                with_pool!(self, pool => {
                    sqlx::query("UPDATE residents SET bed_id = $2 WHERE id = $1").bind(resident).bind(bed.id).execute(pool).await?;
                    sqlx::query("UPDATE beds SET status = 'occupied' WHERE id = $1").bind(bed.id).execute(pool).await?;
                });
            }
            // Residents of people who have died left on the day of death.
            with_pool!(self, pool => sqlx::query(
                "UPDATE residents SET status = 'died', left_on = (SELECT p.death_date FROM persons p WHERE p.id = residents.person_id) \
                 WHERE institution_id = $1 AND left_on IS NULL AND person_id IN (SELECT id FROM persons WHERE death_date IS NOT NULL)")
                .bind(inst).execute(pool).await.map(|_| ())?);
            if let Some(b) = self.beds(*inst).await?.iter().rev().find(|b| b.status == "vacant") {
                self.set_bed_status(*inst, b.id, "out_of_service", actor).await?;
            }
        }
        // Staff: caregivers of several skill levels, a nurse, a doctor where there is a clinic,
        // a fire-control operator and a cook; one certificate missing and one expired so that
        // the roster shows its flags.
        let roster: [&[DemoStaff]; 3] = [
            &[
                ("刘秀珍", "caregiver", "4", Some(("skill", "S3607330001", None)), true),
                ("钟小红", "caregiver", "5", None, true),
                ("赖春梅", "caregiver", "3", Some(("skill", "S3607330002", None)), true),
                (
                    "谢丽萍",
                    "nurse",
                    "",
                    Some(("nurse", "202136000123", NaiveDate::from_ymd_opt(2030, 5, 31))),
                    true,
                ),
                (
                    "周建华",
                    "doctor",
                    "",
                    Some(("physician", "110360000045678", None)),
                    true,
                ),
                (
                    "邱国强",
                    "fire",
                    "",
                    Some(("fire", "XF3607330011", NaiveDate::from_ymd_opt(2025, 12, 31))),
                    true,
                ),
                (
                    "曾桂兰",
                    "kitchen",
                    "",
                    Some(("health", "JK2026-0311", NaiveDate::from_ymd_opt(2027, 3, 10))),
                    false,
                ),
            ],
            &[
                ("黄美玲", "caregiver", "4", Some(("skill", "S3607330003", None)), true),
                ("陈玉芳", "caregiver", "5", None, true),
                ("欧阳敏", "nurse", "", None, true),
                ("林志远", "manager", "", None, true),
            ],
            &[
                ("朱晓燕", "caregiver", "3", Some(("skill", "S3607330004", None)), true),
                ("胡丽君", "caregiver", "4", Some(("skill", "S3607330005", None)), true),
                ("罗建平", "rehab", "", Some(("rehab", "KF3607330021", None)), true),
                (
                    "徐文静",
                    "nurse",
                    "",
                    Some(("nurse", "202136000456", NaiveDate::from_ymd_opt(2029, 8, 31))),
                    false,
                ),
            ],
        ];
        for (inst, staff) in inst_ids.iter().zip(roster) {
            for (name, position, skill, cert, trained) in staff {
                let hired = today - chrono::Days::new(400);
                let until = cert.and_then(|c| c.2).map(|d| d.to_string()).unwrap_or_default();
                let id = self
                    .add_staff(
                        *inst,
                        name,
                        position,
                        skill,
                        &hired.to_string(),
                        cert.map(|(k, n, _)| (k, n, until.as_str())),
                        actor,
                    )
                    .await?;
                if *trained {
                    self.add_training(*inst, id, "pre_job", "养老护理岗前培训", 40, &hired.to_string(), actor)
                        .await?;
                }
                self.add_training(
                    *inst,
                    id,
                    "in_service",
                    "消防安全与应急处置",
                    8,
                    &(today - chrono::Days::new(60)).to_string(),
                    actor,
                )
                .await?;
            }
        }
        // Staff incentives: a graduate of an elderly-care major three and a half years at the
        // central home (entry subsidy: eligible, amount left to the county), and interns — two
        // finished last year, one retained (the higher rate), one still on placement.
        let graduate = self
            .add_staff(
                inst_ids[0],
                "钟雨晴",
                "caregiver",
                "4",
                &(today - chrono::Days::new(1280)).to_string(),
                None,
                actor,
            )
            .await?;
        self.set_staff_background(inst_ids[0], graduate, "college", true, "5", actor)
            .await?;
        let year = chrono::Datelike::year(&today) - 1;
        for (name, from, to, retained) in [
            ("刘思远", format!("{year}-03-01"), format!("{year}-08-31"), true),
            ("王佳怡", format!("{year}-03-01"), format!("{year}-08-31"), false),
            (
                "赖嘉诚",
                (today - chrono::Days::new(60)).to_string(),
                (today + chrono::Days::new(120)).to_string(),
                false,
            ),
        ] {
            self.add_intern(inst_ids[0], name, &from, &to, retained, actor).await?;
        }
        // Gradings: the central home was graded (first time, capped at 3), the nursing home is
        // too new to be graded.
        use yiyang_domain::institution::GradeScores;
        let g = |e, f, m, s| GradeScores {
            environment: e,
            facilities: f,
            management: m,
            services: s,
        };
        self.record_grading(
            inst_ids[0],
            g(98, 104, 120, 470),
            "2023-10-20",
            "赣州市养老机构等级评定委员会",
            actor,
        )
        .await?;
        self.record_grading(
            inst_ids[0],
            g(102, 110, 126, 492),
            "2025-10-18",
            "赣州市养老机构等级评定委员会",
            actor,
        )
        .await?;
        self.record_grading(
            inst_ids[2],
            g(90, 95, 100, 420),
            &(today - chrono::Days::new(30)).to_string(),
            "赣州市养老机构等级评定委员会",
            actor,
        )
        .await?;
        // A waitlist at the central home: living people not in any institution, with their
        // applications spread over the last months.
        let waiting: Vec<(i64, String)> = {
            let mut v = Vec::new();
            for (id, cats) in people.iter().rev() {
                let (resident, dead): (i64, Option<NaiveDate>) = with_pool!(self, pool => sqlx::query_as(
                    "SELECT (SELECT COUNT(*) FROM residents r WHERE r.person_id = p.id), p.death_date FROM persons p WHERE p.id = $1")
                    .bind(id).fetch_one(pool).await?);
                if resident == 0 && dead.is_none() && self.valid_assessment(*id, today).await?.is_some() {
                    v.push((*id, cats.clone()));
                }
                if v.len() == 6 {
                    break;
                }
            }
            v
        };
        for (n, (id, cats)) in waiting.iter().enumerate() {
            let number: String = with_pool!(self, pool => sqlx::query_scalar("SELECT id_number FROM persons WHERE id = $1")
                .bind(id).fetch_one(pool).await?);
            let applied = today - chrono::Days::new(15 + 20 * n as u64);
            self.apply_for_bed(
                inst_ids[0],
                &number,
                applied,
                cats.contains(",tekun,"),
                false,
                n == 4,
                "",
                actor,
            )
            .await?;
        }
        self.load_demo_facilities(today, actor).await
    }

    /// Rural mutual-aid sites and a community centre: one opened years ago (build subsidy and
    /// yearly operation granted for past years), one recognised as a demonstration site, one
    /// opened this year, one suspended.
    async fn load_demo_facilities(&self, today: chrono::NaiveDate, actor: &Actor) -> Result<()> {
        let sites = [
            (
                "SS3607331012001",
                "门岭村互助养老服务站",
                "mutual_aid",
                "360733101200",
                4,
                "operating",
                true,
            ),
            (
                "SS3607331012002",
                "盘古村互助养老服务站",
                "mutual_aid",
                "360733101201",
                2,
                "operating",
                false,
            ),
            (
                "SS3607331022001",
                "西江村互助养老服务站",
                "mutual_aid",
                "360733102200",
                0,
                "operating",
                false,
            ),
            (
                "SS3607331022002",
                "兰陂村互助养老服务站",
                "mutual_aid",
                "360733102201",
                3,
                "suspended",
                false,
            ),
            (
                "SS3607331000001",
                "文武坝镇社区养老服务中心",
                "community_center",
                "360733100",
                5,
                "operating",
                false,
            ),
        ];
        for (code, name, kind, division, years, status, demo) in sites {
            let division = if self.reference().division_name(division).is_some() {
                division
            } else {
                &division[..9]
            };
            let opened = today
                .checked_sub_months(chrono::Months::new(12 * years + 2))
                .unwrap_or(today);
            let id = self
                .create_facility(
                    &crate::facilities::FacilityInput {
                        code: code.into(),
                        name: name.into(),
                        kind: kind.into(),
                        division: division.into(),
                        opened_on: opened.to_string(),
                        demo_site: demo,
                        ..Default::default()
                    },
                    DEMO_COUNTY,
                    actor,
                )
                .await?;
            if status != "operating" {
                self.update_facility(id, status, demo, DEMO_COUNTY, actor).await?;
            }
        }
        Ok(())
    }
}

/// (building, rooms, beds per room, nursing-type, dementia unit)
type BedLayout = (
    &'static str,
    std::ops::RangeInclusive<u32>,
    u32,
    bool,
    bool,
    &'static str,
);
/// (name, position, skill level, certificate (kind, number, valid until), pre-job trained)
type DemoStaff = (
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, &'static str, Option<NaiveDate>)>,
    bool,
);

/// A unified social credit code from its first 17 characters (the check character found by
/// trying each of the 31 allowed ones).
fn credit_code(body: &str) -> String {
    "0123456789ABCDEFGHJKLMNPQRTUWXY"
        .chars()
        .map(|c| format!("{body}{c}"))
        .find(|c| yiyang_domain::institution::CreditCode::parse(c).is_ok())
        .expect("one check character fits")
}
