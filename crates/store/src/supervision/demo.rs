//! The demo county's supervision: its inspection-item list; three inspectors (`jiancha`,
//! `jiancha2`, and `jiancha3` from the market-regulation bureau on a joint inspection); a batch
//! planned, published and drawn; the first drawn institution (康乐护理院) inspected, confirmed
//! and published with its hazards (one closed after rectification, one open and overdue); and
//! the second (中心敬老院, whose staff hold the `jigou` account) left for `jiancha2` and
//! `jiancha3` to do on a tablet.

use yiyang_domain::supervision::inspection::{HazardCategory, ItemKind};

use super::inspections::{RecordInput, Viewer};
use super::{BatchPlan, Inspector, NewItem};
use crate::audit::Actor;
use crate::demo::DEMO_COUNTY;
use crate::{with_pool, Result, Store};

/// The demo batch's public value: a stand-in written like a lottery draw's winning numbers.
pub const DEMO_PUBLIC_VALUE: &str = "2026128 04 09 15 21 26 + 07";

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
                vec![(private_home, "曾在该院任职（2019–2022）")],
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
            let conflicts: Vec<(i64, &str)> = conflicts;
            self.add_inspector(&x, &conflicts, actor).await?;
        }
        let plan = BatchPlan {
            name: "HC-2026-Q4".into(),
            title: "会昌县2026年第四季度养老机构双随机抽查".into(),
            per_object: "2".into(),
            ratio: "50".into(),
            ratio_risk: "100".into(),
            items: items.clone(),
        };
        let batch = self.plan_batch(&plan, DEMO_COUNTY, actor).await?;
        self.publish_batch(batch, DEMO_COUNTY, actor).await?;
        self.draw_batch(batch, DEMO_PUBLIC_VALUE, DEMO_COUNTY, actor).await?;

        let drawn = self
            .inspections_visible(DEMO_COUNTY, &Viewer::Division, Some(batch))
            .await?;
        let Some(first) = drawn.first() else { return Ok(()) };
        let register = self.inspectors_in(DEMO_COUNTY).await?;
        let signer = |x: &(i64, String, String)| Actor {
            name: register
                .iter()
                .find(|r| r.id == x.0)
                .and_then(|r| r.username.clone())
                .unwrap_or_else(|| x.1.clone()),
            channel: actor.channel,
            source: actor.source.clone(),
            scope: DEMO_COUNTY.into(),
        };
        let (a, b) = (&first.inspectors[0], &first.inspectors[1]);
        let today = chrono::Local::now().date_naive();
        let findings = items
            .iter()
            .zip(ITEMS)
            .map(|(id, (code, ..))| match *code {
                "ZD01" => (
                    *id,
                    "serious".to_string(),
                    "二楼东侧疏散通道堆放杂物，灭火器 2 具压力不足".to_string(),
                ),
                "YB03" => (*id, "major".to_string(), "电梯定期检验合格证已过期".to_string()),
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
            let unit = Viewer::Institution(first.institution_code.clone());
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
        Ok(())
    }
}
