//! The demo county's visits: the roster of 文武坝镇 assigned to its 网格员 (`tanfang`), visits
//! over the last weeks (most people visited last month, a few so far this month), one danger
//! sign followed up and one waiting.

use super::visits::{VisitInput, VisitViewer};
use crate::audit::Actor;
use crate::{Result, Store};

const TOWN: &str = "360733100";

impl Store {
    pub(crate) async fn load_demo_visits(&self, actor: &Actor) -> Result<()> {
        let today = self.clock.today();
        let month = yiyang_domain::dates::Month::of(today);
        let roster = self.visit_roster(TOWN, &VisitViewer::Division, month).await?;
        if roster.is_empty() || roster.iter().any(|e| e.visitor.is_some()) {
            return Ok(());
        }
        let people: Vec<i64> = roster.iter().map(|e| e.person_id).collect();
        self.assign_visitor(&people, "tanfang", TOWN, actor).await?;
        let visitor = Actor {
            name: "tanfang".into(),
            channel: actor.channel,
            source: actor.source.clone(),
            scope: TOWN.into(),
        };
        let me = VisitViewer::Visitor("tanfang".into());
        for (i, e) in roster.iter().enumerate() {
            // Four in five visited, spread over the last four weeks.
            if i % 5 == 4 {
                continue;
            }
            let (condition, follow_up, needs) = match i % 11 {
                3 => ("danger", "service", "独自在家时摔倒过一次，需要上门助浴和安装呼叫器"),
                7 => ("attention", "", "血压偏高，提醒按时服药"),
                _ => ("good", "", ""),
            };
            let input = VisitInput {
                visited_on: (today - chrono::Days::new((i as u64 * 3) % 28)).to_string(),
                place: "家中".into(),
                health: if condition == "good" {
                    "精神尚好，能自理"
                } else {
                    "行动不便"
                }
                .into(),
                living: "居住安全，饮食正常".into(),
                needs: needs.into(),
                condition: condition.into(),
                follow_up: follow_up.into(),
            };
            let id = self.record_visit(e.person_id, &input, TOWN, &me, &visitor).await?;
            if i % 22 == 3 {
                self.close_follow_up(id, "已派居家养老服务中心上门助浴，呼叫器已安装", TOWN, &me, &visitor)
                    .await?;
            }
        }
        Ok(())
    }
}
