//! The demo county's supervision: its inspection-item list; three inspectors (`jiancha`,
//! `jiancha2`, and `jiancha3` from the market-regulation bureau on a joint inspection); a batch
//! planned, published and drawn; the first drawn institution (康乐护理院) inspected, confirmed
//! and published with its hazards (one closed after rectification, one open and overdue); and
//! the second (中心敬老院, whose staff hold the `jigou` account) left for `jiancha2` and
//! `jiancha3` to do on a tablet. After the services demo, a second batch of the county's
//! providers and community facilities, the `fuwu` account's provider inspected and published.

use yiyang_domain::supervision::inspection::{HazardCategory, ItemKind};
use yiyang_domain::supervision::object::ObjectRef;

use super::complaints::{Answer, ComplaintInput};
use super::emergency::EmergencyInput;
use super::inspections::{RecordInput, Viewer};
use super::prepaid::PrepaidInput;
use super::{BatchPlan, Inspector, NewItem};
use crate::audit::Actor;
use crate::demo::DEMO_COUNTY;
use crate::{with_pool, Result, Store};

/// The demo batch's public value: a stand-in written like a lottery draw's winning numbers.
pub const DEMO_PUBLIC_VALUE: &str = "2026128 04 09 15 21 26 + 07";
/// The public value of the demo's batch of providers and facilities (a later draw).
pub const DEMO_SERVICE_PUBLIC_VALUE: &str = "2026131 02 11 17 23 30 + 05";

const ITEMS: &[(&str, &str, ItemKind, HazardCategory, &str)] = &[
    (
        "ZD01",
        "消防安全：消防设施、疏散通道、消防演练",
        ItemKind::Key,
        HazardCategory::Fire,
        "《中华人民共和国消防法》；《养老机构服务安全基本规范》（GB 38600—2019）",
    ),
    (
        "ZD02",
        "食品安全：食堂许可、留样、从业人员健康证明",
        ItemKind::Key,
        HazardCategory::Food,
        "《中华人民共和国食品安全法》",
    ),
    (
        "ZD03",
        "医疗卫生：内设医疗机构执业、药品管理、传染病防控",
        ItemKind::Key,
        HazardCategory::Medical,
        "《医疗机构管理条例》",
    ),
    (
        "ZD04",
        "建筑安全：房屋结构、无障碍设施、防跌倒",
        ItemKind::Key,
        HazardCategory::Building,
        "《养老机构服务安全基本规范》（GB 38600—2019）",
    ),
    (
        "YB01",
        "服务质量：入院评估、服务协议、照护记录",
        ItemKind::General,
        HazardCategory::Service,
        "《养老机构管理办法》",
    ),
    (
        "YB02",
        "收费与资金：收费公示、押金和预收费管理",
        ItemKind::General,
        HazardCategory::Funds,
        "《养老机构管理办法》",
    ),
    (
        "YB03",
        "特种设备：电梯、锅炉定期检验",
        ItemKind::General,
        HazardCategory::SpecialEquipment,
        "《中华人民共和国特种设备安全法》",
    ),
    (
        "YB04",
        "环境卫生：居室、卫生间、洗衣消毒",
        ItemKind::General,
        HazardCategory::Environment,
        "《养老机构服务安全基本规范》（GB 38600—2019）",
    ),
];

/// The account an assigned inspector signs with (their register entry's), in the demo county.
fn signer(register: &[Inspector], x: &(i64, String, String), actor: &Actor) -> Actor {
    Actor {
        name: register
            .iter()
            .find(|r| r.id == x.0)
            .and_then(|r| r.username.clone())
            .unwrap_or_else(|| x.1.clone()),
        channel: actor.channel,
        source: actor.source.clone(),
        scope: DEMO_COUNTY.into(),
    }
}

impl Store {
    /// Loads the demo county's supervision, unless it has inspection items already.
    pub(crate) async fn load_demo_supervision(&self, actor: &Actor) -> Result<()> {
        let have: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM inspection_items").fetch_one(pool).await?);
        if have > 0 {
            return Ok(());
        }
        let mut items = Vec::new();
        for (code, name, kind, category, basis) in ITEMS {
            let item = NewItem {
                division: DEMO_COUNTY,
                code,
                name,
                kind: *kind,
                category: *category,
                basis,
            };
            items.push(self.add_inspection_item(&item, actor).await?);
        }
        let private_home: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT id FROM institutions WHERE code = $1")
            .bind("JG3607332001").fetch_one(pool).await?);
        let inspectors = [
            (
                "J001",
                "张建国",
                "会昌县民政局",
                "养老服务监管执法证",
                Some("jiancha"),
                vec![],
            ),
            (
                "J002",
                "李红梅",
                "会昌县民政局",
                "养老服务监管执法证",
                Some("jiancha2"),
                vec![(ObjectRef::institution(private_home), "曾在该院任职（2019–2022）")],
            ),
            (
                "J003",
                "王志刚",
                "会昌县市场监督管理局",
                "食品安全监督执法证",
                Some("jiancha3"),
                vec![],
            ),
        ];
        for (code, name, unit, qualification, username, conflicts) in inspectors {
            let x = Inspector {
                id: 0,
                code: code.into(),
                name: name.into(),
                unit: unit.into(),
                division: DEMO_COUNTY.into(),
                qualification: qualification.into(),
                username: username.map(Into::into),
            };
            let conflicts: Vec<(ObjectRef, &str)> = conflicts;
            self.add_inspector(&x, &conflicts, actor).await?;
        }
        let plan = BatchPlan {
            name: "HC-2026-Q4".into(),
            title: "会昌县2026年第四季度养老机构双随机抽查".into(),
            per_object: "2".into(),
            ratio: "50".into(),
            ratio_risk: "100".into(),
            items: items.clone(),
            ..BatchPlan::default()
        };
        let batch = self.plan_batch(&plan, DEMO_COUNTY, actor).await?;
        self.publish_batch(batch, DEMO_COUNTY, actor).await?;
        self.draw_batch(batch, DEMO_PUBLIC_VALUE, DEMO_COUNTY, actor).await?;

        let drawn = self
            .inspections_visible(DEMO_COUNTY, &Viewer::Division, Some(batch))
            .await?;
        let Some(first) = drawn.first() else { return Ok(()) };
        let register = self.inspectors_in(DEMO_COUNTY).await?;
        let signer = |x: &(i64, String, String)| signer(&register, x, actor);
        let (a, b) = (&first.inspectors[0], &first.inspectors[1]);
        let today = self.clock.today();
        let findings = items
            .iter()
            .zip(ITEMS)
            .map(|(id, (code, ..))| match *code {
                "ZD01" => (
                    *id,
                    "serious".to_string(),
                    "二楼东侧疏散通道堆放杂物，灭火器 2 具压力不足".to_string(),
                ),
                "YB03" => (*id, "serious".to_string(), "电梯定期检验合格证已过期".to_string()),
                "YB04" => (*id, "pass".to_string(), String::new()),
                _ => (*id, "pass".to_string(), String::new()),
            })
            .collect();
        let input = RecordInput {
            inspected_on: (today - chrono::Days::new(20)).to_string(),
            summary: "总体运行平稳；消防和特种设备问题限期整改。".into(),
            responsible: "院长 刘德华".into(),
            findings,
        };
        self.record_inspection(first.id, &input, DEMO_COUNTY, a.0, &signer(a))
            .await?;
        self.confirm_inspection(first.id, DEMO_COUNTY, b.0, &signer(b)).await?;
        self.publish_inspection(first.id, DEMO_COUNTY, actor).await?;
        let hazards = self.hazards_visible(DEMO_COUNTY, &Viewer::Division, today).await?;
        if let Some(fire) = hazards.iter().find(|h| h.category == HazardCategory::Fire.code()) {
            let unit = Viewer::Institution(first.object_code.clone());
            self.rectify_hazard(
                fire.id,
                DEMO_COUNTY,
                &unit,
                "已清理疏散通道杂物，更换灭火器 2 具（附照片和购置凭证）",
                actor,
            )
            .await?;
            self.verify_hazard(fire.id, DEMO_COUNTY, true, &signer(a)).await?;
        }
        self.load_demo_credit_complaints_prepaid(today, actor).await
    }

    /// A second batch, after the services demo: the county's home-service providers and a
    /// share of its community facilities (meal points among them), checked for fire, food,
    /// service and funds; the `fuwu` account's provider inspected, confirmed and published with
    /// one problem on the hazard list, the rest left to do.
    pub(crate) async fn load_demo_service_inspections(&self, actor: &Actor) -> Result<()> {
        const NAME: &str = "HC-2026-FW";
        let have: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM inspection_batches WHERE name = $1")
            .bind(NAME).fetch_one(pool).await?);
        if have > 0 {
            return Ok(());
        }
        let items: Vec<i64> = self
            .inspection_items(DEMO_COUNTY)
            .await?
            .into_iter()
            .filter(|i| ["ZD01", "ZD02", "YB01", "YB02"].contains(&i.code.as_str()))
            .map(|i| i.id)
            .collect();
        let plan = BatchPlan {
            name: NAME.into(),
            title: "会昌县2026年居家社区养老服务组织和助餐点专项抽查".into(),
            per_object: "2".into(),
            ratio_provider: "100".into(),
            ratio_facility: "30".into(),
            ratio_risk: "100".into(),
            items: items.clone(),
            ..BatchPlan::default()
        };
        let batch = self.plan_batch(&plan, DEMO_COUNTY, actor).await?;
        self.publish_batch(batch, DEMO_COUNTY, actor).await?;
        self.draw_batch(batch, DEMO_SERVICE_PUBLIC_VALUE, DEMO_COUNTY, actor)
            .await?;
        let drawn = self
            .inspections_visible(DEMO_COUNTY, &Viewer::Division, Some(batch))
            .await?;
        let Some(n) = drawn.iter().find(|n| n.object_code == crate::services::DEMO_PROVIDER) else {
            return Ok(());
        };
        let register = self.inspectors_in(DEMO_COUNTY).await?;
        let signer = |x: &(i64, String, String)| signer(&register, x, actor);
        let food = self
            .batch_items(batch)
            .await?
            .into_iter()
            .find(|i| i.code == "ZD02")
            .map(|i| i.id);
        let input = RecordInput {
            inspected_on: (self.clock.today() - chrono::Days::new(6)).to_string(),
            summary: "上门服务记录完整；送餐环节食品安全须加强。".into(),
            responsible: "站长 邱小燕".into(),
            findings: items
                .iter()
                .map(|id| {
                    if Some(*id) == food {
                        (
                            *id,
                            "serious".to_string(),
                            "送餐保温箱未按日消毒，部分餐次未留样".to_string(),
                        )
                    } else {
                        (*id, "pass".to_string(), String::new())
                    }
                })
                .collect(),
        };
        let (a, b) = (&n.inspectors[0], &n.inspectors[1]);
        self.record_inspection(n.id, &input, DEMO_COUNTY, a.0, &signer(a))
            .await?;
        self.confirm_inspection(n.id, DEMO_COUNTY, b.0, &signer(b)).await?;
        self.publish_inspection(n.id, DEMO_COUNTY, actor).await
    }

    /// A filing commitment kept on the credit record, two complaints (one answered and upheld,
    /// one waiting), four months of prepaid-fee reports of which the last raises alerts, and emergency plans and
    /// drills with gaps.
    async fn load_demo_credit_complaints_prepaid(&self, today: chrono::NaiveDate, actor: &Actor) -> Result<()> {
        let id_of = |code: &'static str| async move {
            let id: Option<i64> = with_pool!(self, pool => sqlx::query_scalar("SELECT id FROM institutions WHERE code = $1")
                .bind(code).fetch_optional(pool).await?);
            id.ok_or(crate::StoreError::NotFound)
        };
        let (public, leased, private) = (
            id_of("JG3607331001").await?,
            id_of("JG3607331002").await?,
            id_of("JG3607332001").await?,
        );
        self.add_credit_record(
            &ObjectRef::institution(leased).to_string(),
            "commitment_kept",
            &(today - chrono::Days::new(90)).to_string(),
            "备案信用承诺履约核查：承诺事项均已履行（会民字〔2026〕12号）",
            DEMO_COUNTY,
            actor,
        )
        .await?;
        self.add_credit_record(
            &ObjectRef::institution(private).to_string(),
            "penalty",
            &(today - chrono::Days::new(60)).to_string(),
            "超标准收取押金，警告并责令退还（会民罚决字〔2026〕2号）",
            DEMO_COUNTY,
            actor,
        )
        .await?;
        let citizen = Actor {
            name: "公众（网上投诉）".into(),
            channel: "web",
            source: "demo".into(),
            scope: String::new(),
        };
        let (answered, _) = self
            .submit_complaint(
                &ComplaintInput {
                    institution_id: private.to_string(),
                    category: "fees".into(),
                    content: "入住时要求一次交清两年费用和 5 万元押金，说是会员优惠，不交就不给床位。".into(),
                    complainant: "钟女士".into(),
                    phone: "13907970000".into(),
                    ..ComplaintInput::default()
                },
                None,
                &citizen,
            )
            .await?;
        let answer = Answer {
            finding: "partly".into(),
            reply: "经核查，该院确有超标准收取押金的情况，已责令限期退还超收部分并规范收费公示；一次交清两年费用系自愿选择，已告知可按月缴费。".into(),
            hazard_category: "funds".into(),
            responsible: "院长 刘德华".into(),
        };
        // The home states its side before the county answers (情况说明).
        let home = Actor {
            name: "康乐护理院（机构工作人员）".into(),
            channel: "web",
            source: "demo".into(),
            scope: DEMO_COUNTY.into(),
        };
        self.explain_complaint(
            answered,
            &super::complaints::Party::Institution("JG3607332001".into()),
            "押金标准按入住协议收取，已将收费标准在大厅公示；一次交清两年费用的优惠为自愿选择，按月缴费的老人同样安排床位。",
            &home,
        )
        .await?;
        self.answer_complaint(answered, &answer, DEMO_COUNTY, actor).await?;
        self.submit_complaint(
            &ComplaintInput {
                institution_id: public.to_string(),
                category: "service".into(),
                channel: "phone".into(),
                content: "父亲反映夜间呼叫护理员要等半小时以上才有人来。".into(),
                complainant: "赖先生".into(),
                phone: "13807971111".into(),
            },
            Some(DEMO_COUNTY),
            actor,
        )
        .await?;
        // 康乐护理院: card sales take off in the latest month, and one resident prepaid far
        // more than a year's fees.
        let this = yiyang_domain::dates::Month::of(today);
        for (back, cards, largest) in [
            (4u32, "3", "30000"),
            (3, "4", "30000"),
            (2, "5", "36000"),
            (1, "26", "120000"),
        ] {
            let month = (0..back).fold(this, |m, _| m.prev());
            let input = PrepaidInput {
                institution_id: private.to_string(),
                month: month.to_string(),
                deposits: "150000".into(),
                prepaid: "280000".into(),
                card_balance: (150_000 + 20_000 * i64::from(5 - back)).to_string(),
                cards_sold: cards.into(),
                largest_per_person: largest.into(),
                monthly_fee: "3000".into(),
                net_assets: "2000000".into(),
            };
            self.report_prepaid(&input, DEMO_COUNTY, &Viewer::Division, actor)
                .await?;
        }
        let input = PrepaidInput {
            institution_id: leased.to_string(),
            month: this.prev().to_string(),
            deposits: "80000".into(),
            prepaid: "0".into(),
            card_balance: "0".into(),
            cards_sold: "0".into(),
            largest_per_person: "5000".into(),
            monthly_fee: "2200".into(),
            net_assets: "3500000".into(),
        };
        self.report_prepaid(&input, DEMO_COUNTY, &Viewer::Division, actor)
            .await?;
        self.load_demo_emergency(today, public, private, actor).await
    }

    /// 中心敬老院 has all four plans, its public-health drill overdue; 康乐护理院 lacks a
    /// social-security plan.
    async fn load_demo_emergency(
        &self,
        today: chrono::NaiveDate,
        public: i64,
        private: i64,
        actor: &Actor,
    ) -> Result<()> {
        let ago = |days: u64| (today - chrono::Days::new(days)).to_string();
        let plans = [
            (public, "natural_disaster", "防汛防台风应急预案", 600),
            (public, "accident", "消防安全和火灾事故应急预案", 600),
            (public, "public_health", "传染病和食物中毒应急预案", 600),
            (public, "social_security", "走失和治安事件应急预案", 600),
            (private, "natural_disaster", "自然灾害应急预案", 300),
            (private, "accident", "火灾事故应急预案", 300),
            (private, "public_health", "公共卫生事件应急预案", 300),
        ];
        for (inst, kind, title, days) in plans {
            let input = EmergencyInput {
                institution_id: inst.to_string(),
                kind: kind.into(),
                date: ago(days),
                text: title.into(),
                participants: String::new(),
            };
            self.record_emergency(&input, false, DEMO_COUNTY, &Viewer::Division, actor)
                .await?;
        }
        let drills = [
            (
                public,
                "natural_disaster",
                120,
                "防汛转移演练，全体老人转移至二楼用时 18 分钟",
            ),
            (public, "accident", 45, "夜间火灾疏散演练"),
            (public, "public_health", 420, "食物中毒处置演练"),
            (public, "social_security", 200, "老人走失寻找演练"),
            (private, "natural_disaster", 90, "地震避险演练"),
            (private, "accident", 30, "消防疏散演练"),
            (private, "public_health", 150, "隔离区启用演练"),
        ];
        for (inst, kind, days, note) in drills {
            let input = EmergencyInput {
                institution_id: inst.to_string(),
                kind: kind.into(),
                date: ago(days),
                text: note.into(),
                participants: "36".into(),
            };
            self.record_emergency(&input, true, DEMO_COUNTY, &Viewer::Division, actor)
                .await?;
        }
        Ok(())
    }
}
