//! The demo county's home services: two providers with their catalogues, the county's purchase
//! of services (marked 演示数据: no document sets it), a family account (`jiashu`) linked to a
//! parent, one link waiting for a clerk, orders in every state this month, and last month's
//! orders settled through 经办 → 审核 → 审批 with the incomplete records refused.

use chrono::{DateTime, Datelike, Duration, Utc};
use yiyang_domain::dates::Month;
use yiyang_domain::planning::circle::Point;
use yiyang_domain::services::catalogue::CatalogueItem;
use yiyang_domain::services::order::{Actor as Who, Channel, ConfirmedBy, Relation};
use yiyang_domain::services::settlement::StatementStatus;

use super::orders::{OrderInput, OrderViewer};
use super::{day_start, ProviderInput, SchemeInput, DEMO_FAMILY, DEMO_PROVIDER};
use crate::audit::Actor;
use crate::{with_pool, Result, Store};

const COUNTY: &str = "360733";

fn as_user(actor: &Actor, name: &str) -> Actor {
    Actor {
        name: name.into(),
        channel: actor.channel,
        source: actor.source.clone(),
        scope: COUNTY.into(),
    }
}

/// A point `north` and `east` metres from `p`.
fn moved(p: Point, north: f64, east: f64) -> Point {
    let lat = p.lat + north / 111_320.0;
    let lon = p.lon + east / (111_320.0 * p.lat.to_radians().cos());
    Point::new(lat, lon).expect("near the county")
}

impl Store {
    pub(crate) async fn load_demo_services(&self, actor: &Actor) -> Result<()> {
        if self.provider_by_code(DEMO_PROVIDER).await?.is_some() {
            return Ok(());
        }
        let clerk = as_user(actor, "huichang");
        let a = self
            .create_provider(
                &ProviderInput {
                    code: DEMO_PROVIDER.into(),
                    name: "会昌县颐康居家养老服务中心".into(),
                    address: "会昌县文武坝镇建设路18号".into(),
                    phone: "0797-5621888".into(),
                    bank_name: "江西会昌农村商业银行文武坝支行".into(),
                    bank_account: "1502301000012345678".into(),
                    account_name: "会昌县颐康居家养老服务中心".into(),
                    areas: vec![COUNTY.into()],
                },
                COUNTY,
                &clerk,
            )
            .await?;
        let b = self
            .create_provider(
                &ProviderInput {
                    code: "91360733MA35YK2Q8F".into(),
                    name: "会昌县金康家政服务有限公司".into(),
                    address: "会昌县文武坝镇红旗大道66号".into(),
                    phone: "0797-5638666".into(),
                    bank_name: "中国邮政储蓄银行会昌县支行".into(),
                    bank_account: "936005010000887766".into(),
                    account_name: "会昌县金康家政服务有限公司".into(),
                    areas: vec!["360733100".into()],
                },
                COUNTY,
                &clerk,
            )
            .await?;
        let fuwu = as_user(actor, "fuwu");
        for (p, kind, unit, price, minutes) in [
            (a, "clean", "hour", "35", ""),
            (a, "bath", "visit", "60", "60"),
            (a, "nursing", "hour", "50", ""),
            (a, "escort", "visit", "80", "120"),
            (a, "meal", "meal", "12", ""),
            (a, "respite", "day", "150", ""),
            (b, "housekeeping", "hour", "30", ""),
            (b, "clean", "hour", "30", ""),
        ] {
            let item = CatalogueItem::parse(kind, unit, price, minutes).map_err(crate::StoreError::Invalid)?;
            self.set_catalogue_item(p, &item, true, &fuwu).await?;
        }
        self.create_scheme(
            &SchemeInput {
                title: "会昌县政府购买居家养老服务（演示）".into(),
                document: "会昌县政府购买居家养老服务实施方案（演示数据，非真实文件）".into(),
                categories: vec!["tekun".into(), "dibao".into(), "econ_hardship".into()],
                min_level: "3".into(),
                hours_per_month: "8".into(),
                meal_yuan: "5".into(),
                respite_days: "10".into(),
                kinds: ["clean", "bath", "nursing", "escort", "housekeeping"]
                    .map(String::from)
                    .to_vec(),
                from: "2022-01-01".into(),
                demo: true,
            },
            COUNTY,
            &clerk,
        )
        .await?;
        // People of the county seat's township, those the purchase covers first (a small demo
        // database may have few of them: then some orders are the family's to pay).
        let people: Vec<(i64, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT id, id_number FROM persons WHERE hukou_division LIKE '360733%' AND death_date IS NULL \
             ORDER BY CASE WHEN categories LIKE '%,dibao,%' OR categories LIKE '%,tekun,%' OR categories LIKE '%,econ_hardship,%' \
             THEN 0 ELSE 1 END, CASE WHEN hukou_division LIKE '360733100%' THEN 0 ELSE 1 END, id LIMIT 5")
            .fetch_all(pool).await?);
        if people.len() < 3 {
            return Ok(());
        }
        let centre = Point::new(25.6006, 115.7869).expect("会昌");
        let homes: Vec<Point> = (0..people.len())
            .map(|i| moved(centre, 180.0 * i as f64, -150.0 * i as f64))
            .collect();
        for ((id, _), home) in people.iter().zip(&homes) {
            self.set_person_location(*id, *home, "clerk", &clerk).await?;
        }
        // The family: 刘建华 is the first person's child; a second request waits for a clerk.
        let family = as_user(actor, DEMO_FAMILY);
        self.link_directly(DEMO_FAMILY, people[0].0, Relation::Child, COUNTY, &clerk)
            .await?;
        let (name, number): (String, String) = with_pool!(self, pool => sqlx::query_as(
            "SELECT name, id_number FROM persons WHERE id = $1").bind(people[1].0).fetch_one(pool).await?);
        self.request_link(&name, &number, Relation::Other.code(), &family)
            .await?;

        let services = self.catalogue(a).await?;
        let sid = |kind: &str| {
            services
                .iter()
                .find(|c| c.kind == kind)
                .map(|c| c.id.to_string())
                .unwrap_or_default()
        };
        let worker = as_user(actor, "hugong");
        let now = self.clock.now();
        let last = self.clock.month().prev();
        // Last month: (person, service, units, day, what happens)
        let plan: [(usize, &str, i64, u32, &str); 10] = [
            (0, "clean", 2, 3, "ok"),
            (0, "bath", 1, 10, "ok"),
            (0, "clean", 2, 17, "callback"),
            (0, "clean", 4, 24, "ok"), // 9 hours in the month: the last is the family's
            (1, "nursing", 2, 5, "ok"),
            (1, "escort", 1, 12, "far"),
            (2, "clean", 2, 6, "ok"),
            (2, "bath", 1, 13, "missed"),
            (2, "clean", 2, 20, "unconfirmed"),
            (1, "nursing", 1, 26, "cancelled"),
        ];
        for (who, kind, units, day, outcome) in plan {
            let Some(date) = last.first_day().with_day0(day - 1) else {
                continue;
            };
            let start = day_start(date) + Duration::hours(9);
            let home = homes[who];
            self.demo_order(
                people[who].0,
                &sid(kind),
                units,
                start,
                home,
                outcome,
                &family,
                &fuwu,
                &worker,
                &clerk,
            )
            .await?;
        }
        // The family complains about last month's missed bath: it reaches the county's
        // complaint list (综合监管 → 投诉举报), naming the provider and the order.
        let missed: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM service_orders WHERE provider_id = $1 AND status = 'assigned' AND scheduled_start < $2 \
             ORDER BY scheduled_start LIMIT 1")
            .bind(a).bind(now).fetch_optional(pool).await?);
        if let Some(id) = missed {
            let input = crate::supervision::complaints::ComplaintInput {
                category: "service".into(),
                content: "约好上午九点给母亲助浴，一直没有人来，打服务中心电话也没人接。".into(),
                complainant: "刘建华".into(),
                phone: family.name.clone(),
                ..Default::default()
            };
            self.complain_about_order(&self.demo_get(id).await?, &input, &family)
                .await?;
        }
        // This month, one order in each state.
        let soon = |h: i64| now + Duration::hours(h);
        for (who, kind, start, outcome) in [
            (0usize, "clean", soon(26), "placed"),
            (1, "bath", soon(30), "accepted"),
            (0, "nursing", soon(3), "assigned"),
            (2, "clean", soon(0) - Duration::minutes(40), "in_service"),
            (1, "clean", soon(-5), "done"),
            (0, "bath", soon(-28), "ok"),
            (2, "escort", soon(50), "cancelled"),
            (1, "nursing", soon(52), "declined"),
        ] {
            self.demo_order(
                people[who].0,
                &sid(kind),
                1,
                start,
                homes[who],
                outcome,
                &family,
                &fuwu,
                &worker,
                &clerk,
            )
            .await?;
        }
        self.load_demo_meals(a, &people, &clerk, &fuwu, last).await?;
        // Last month settled: prepared by the county, reviewed, approved.
        let provider = self.provider_in(a, COUNTY).await?.expect("just created");
        let st = self.prepare_statement(&provider, last, &clerk, now).await?;
        let s = self.statement_in(st, COUNTY).await?.expect("just prepared");
        self.advance_statement(&s, StatementStatus::Reviewed, "", &as_user(actor, "shenhe"))
            .await?;
        let s = self.statement_in(st, COUNTY).await?.expect("just reviewed");
        self.advance_statement(&s, StatementStatus::Approved, "", &as_user(actor, "shenpi"))
            .await?;
        self.load_demo_family_bed(a, &fuwu, now).await
    }

    /// A family care bed for someone assessed as moderately disabled or more: the home adapted,
    /// an alarm and a smoke detector installed, home nursing on Mondays and Thursdays.
    async fn load_demo_family_bed(&self, provider: i64, fuwu: &Actor, now: DateTime<Utc>) -> Result<()> {
        let today = self.clock.today();
        let who: Option<String> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT p.id_number FROM persons p JOIN assessments a ON a.person_id = p.id WHERE p.hukou_division LIKE '360733%' \
             AND p.death_date IS NULL AND a.status = 'confirmed' AND a.final_level >= 2 AND a.assessed_on <= $1 AND a.valid_until >= $1 \
             ORDER BY p.id LIMIT 1")
            .bind(today).fetch_optional(pool).await?);
        let Some(id_number) = who else { return Ok(()) };
        let bed = self
            .open_family_bed(
                &super::family_beds::BedInput {
                    id_number,
                    provider_id: String::new(),
                    contract_no: "HCJT-2026-001".into(),
                    signed_on: (today - chrono::Days::new(20)).to_string(),
                    ends_on: (today + chrono::Days::new(345)).to_string(),
                    adaptations: ["grab_bars", "non_slip", "care_bed"].map(String::from).to_vec(),
                    devices: ["alarm", "smoke"].map(String::from).to_vec(),
                },
                COUNTY,
                Some(provider),
                fuwu,
            )
            .await?;
        let bed = self
            .family_bed_in(bed, COUNTY, None)
            .await?
            .ok_or(crate::StoreError::NotFound)?;
        let nursing = self
            .catalogue(provider)
            .await?
            .into_iter()
            .find(|c| c.kind == "nursing")
            .map(|c| c.id.to_string())
            .unwrap_or_default();
        self.add_plan_line(&bed, &nursing, "1", "1,4", "09:00", fuwu).await?;
        self.schedule_family_bed(&bed, today, 14, fuwu, now).await?;
        Ok(())
    }

    /// A canteen in the township run by the provider: last month's lunches (one sitting without
    /// its food sample, so not paid) and today's.
    async fn load_demo_meals(
        &self,
        provider: i64,
        people: &[(i64, String)],
        clerk: &Actor,
        fuwu: &Actor,
        last: Month,
    ) -> Result<()> {
        let facility = self
            .create_facility(
                &crate::facilities::FacilityInput {
                    code: "ZC-360733100-01".into(),
                    name: "文武坝镇幸福食堂（老年助餐点）".into(),
                    kind: "meal_point".into(),
                    division: "360733100".into(),
                    address: "会昌县文武坝镇建设路20号".into(),
                    longitude: "115.7872".into(),
                    latitude: "25.6010".into(),
                    opened_on: "2022-06-01".into(),
                    demo_site: false,
                },
                COUNTY,
                clerk,
            )
            .await?;
        self.register_meal_point(facility, provider, "12", COUNTY, clerk)
            .await?;
        let point = self
            .meal_points_in(COUNTY, Some(provider))
            .await?
            .into_iter()
            .find(|p| p.facility_id == facility)
            .ok_or(crate::StoreError::NotFound)?;
        let today = self.clock.today();
        let mut days: Vec<chrono::NaiveDate> = (0..20u64).map(|i| last.first_day() + chrono::Days::new(i)).collect();
        days.push(today);
        for (n, day) in days.iter().enumerate() {
            let at = (day_start(*day) + Duration::hours(11)).min(self.clock.now());
            // The 9th sitting kept no sample.
            if n != 8 {
                self.record_sample(
                    &point,
                    *day,
                    "lunch",
                    "红烧鱼块、清炒时蔬、冬瓜汤",
                    "会昌县农贸市场（索证索票齐全）",
                    fuwu,
                    at,
                )
                .await?;
            }
            for (i, (_, number)) in people.iter().enumerate().take(3) {
                let (way, check) = if i == 2 {
                    ("delivery", "signature")
                } else {
                    ("dine_in", "id_card")
                };
                self.serve_meal(&point, number, "lunch", way, check, *day, fuwu).await?;
            }
        }
        Ok(())
    }

    async fn demo_get(&self, id: i64) -> Result<super::orders::Order> {
        self.order_visible(id, COUNTY, &OrderViewer::Division)
            .await?
            .ok_or(crate::StoreError::NotFound)
    }

    #[allow(clippy::too_many_arguments)]
    async fn demo_order(
        &self,
        person: i64,
        service: &str,
        units: i64,
        start: DateTime<Utc>,
        home: Point,
        outcome: &str,
        family: &Actor,
        provider: &Actor,
        worker: &Actor,
        clerk: &Actor,
    ) -> Result<()> {
        let local = start.with_timezone(&chrono::Local);
        let input = OrderInput {
            service_id: service.into(),
            units: units.to_string(),
            date: local.format("%Y-%m-%d").to_string(),
            time: local.format("%H:%M").to_string(),
            note: if outcome == "far" {
                "需要陪同去县人民医院复查".into()
            } else {
                String::new()
            },
            ..OrderInput::default()
        };
        let placed_at = (start - Duration::days(2)).min(self.clock.now() - Duration::hours(1));
        let id = self
            .place_order(person, &input, Channel::Family, family, placed_at)
            .await?;
        if outcome == "placed" {
            return Ok(());
        }
        if outcome == "declined" {
            return self
                .decline_order(
                    &self.demo_get(id).await?,
                    "该时段护理员已排满",
                    provider,
                    placed_at + Duration::hours(1),
                )
                .await;
        }
        self.accept_order(&self.demo_get(id).await?, provider, placed_at + Duration::minutes(20))
            .await?;
        if outcome == "accepted" {
            return Ok(());
        }
        if outcome == "cancelled" {
            return self
                .cancel_order(
                    &self.demo_get(id).await?,
                    Who::Family,
                    "",
                    family,
                    placed_at + Duration::hours(3),
                )
                .await;
        }
        self.assign_order(
            &self.demo_get(id).await?,
            "hugong",
            DEMO_PROVIDER,
            provider,
            placed_at + Duration::minutes(30),
        )
        .await?;
        if matches!(outcome, "assigned" | "missed") {
            return Ok(());
        }
        let at_home = moved(home, 35.0, 20.0);
        let check_in_at = if outcome == "far" {
            moved(home, 1200.0, 300.0)
        } else {
            at_home
        };
        let o = self.demo_get(id).await?;
        let minutes = o.unit_minutes * o.units;
        self.check_in(
            &o,
            &check_in_at.lat.to_string(),
            &check_in_at.lon.to_string(),
            worker,
            start + Duration::minutes(5),
        )
        .await?;
        if outcome == "in_service" {
            return Ok(());
        }
        let done_at = start + Duration::minutes(minutes.max(30) + 5);
        let items = match o.kind.as_str() {
            "bath" => "协助洗澡、更换衣物，检查皮肤无破损",
            "nursing" => "测量血压血糖，协助翻身和肢体活动，整理药品",
            "escort" => "陪同到县人民医院复查，取药并讲解用法",
            _ => "打扫卧室、厨房，清洗衣物，检查燃气和电器安全",
        };
        self.check_out(
            &self.demo_get(id).await?,
            &at_home.lat.to_string(),
            &at_home.lon.to_string(),
            items,
            worker,
            done_at,
        )
        .await?;
        match outcome {
            "done" | "unconfirmed" => Ok(()),
            "callback" => {
                self.confirm_order(
                    &self.demo_get(id).await?,
                    ConfirmedBy::Callback,
                    None,
                    "老人电话确认已服务，满意",
                    clerk,
                    done_at + Duration::days(1),
                )
                .await
            }
            _ => {
                self.confirm_order(
                    &self.demo_get(id).await?,
                    ConfirmedBy::Family,
                    Some(5),
                    "阿姨很细心",
                    family,
                    done_at + Duration::hours(2),
                )
                .await
            }
        }
    }
}
