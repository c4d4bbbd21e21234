//! The demo county's time bank: the demo family member 刘建华 volunteers at the county's
//! central home for the aged and in his village; the home confirms two services, one waits for
//! the village; he pays an hour for his father's bath and donates an hour, which the county gives
//! to someone living alone.

use yiyang_domain::care::timebank::Relation;

use super::timebank_ops::{PlaceViewer, RequestInput};
use crate::audit::Actor;
use crate::services::DEMO_FAMILY;
use crate::{with_pool, Result, Store};

/// The demo volunteer's ID number (a valid one, made for the demo).
pub const DEMO_VOLUNTEER_ID: &str = "360733197203150017";
const HOME: &str = "JG3607331001";

fn as_user(actor: &Actor, name: &str, scope: &str) -> Actor {
    Actor {
        name: name.into(),
        channel: actor.channel,
        source: actor.source.clone(),
        scope: scope.into(),
    }
}

impl Store {
    pub(crate) async fn load_demo_timebank(&self, actor: &Actor) -> Result<()> {
        if self.timebank_account_of(DEMO_FAMILY).await?.is_some() {
            return Ok(());
        }
        let home: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM institutions WHERE code = $1")
            .bind(HOME).fetch_one(pool).await?);
        let parent: Option<(String, String)> = with_pool!(self, pool => sqlx::query_as(
            "SELECT p.id_number, p.hukou_division FROM family_links f JOIN persons p ON p.id = f.person_id \
             WHERE f.username = $1 AND f.status = 'confirmed' ORDER BY f.id LIMIT 1")
            .bind(DEMO_FAMILY).fetch_optional(pool).await?);
        let (1, Some((parent, village))) = (home, parent) else {
            return Ok(());
        };
        let me = as_user(actor, DEMO_FAMILY, "360733");
        self.open_timebank_account(DEMO_FAMILY, "刘建华", DEMO_VOLUNTEER_ID, "360733", &me)
            .await?;
        let today = self.clock.today();
        let day = |n: u64| (today - chrono::Days::new(n)).to_string();
        let ask = |redeem: bool, place: String, service: &str, on: String, hours: &str, who: &str| RequestInput {
            redeem,
            place,
            service: service.into(),
            served_on: on,
            hours: hours.into(),
            beneficiary: who.into(),
            relation: if who.is_empty() {
                Relation::Own
            } else {
                Relation::Parent
            }
            .code()
            .into(),
        };
        let at_home = format!("institution:{HOME}");
        let first = self
            .submit_timebank_request(
                DEMO_FAMILY,
                &ask(false, at_home.clone(), "陪护院内老人聊天、读报", day(9), "2", ""),
                &me,
            )
            .await?;
        let second = self
            .submit_timebank_request(
                DEMO_FAMILY,
                &ask(false, at_home.clone(), "协助开饭、喂饭", day(4), "1.5", ""),
                &me,
            )
            .await?;
        let staff = as_user(actor, "jigou", "360733");
        let institution = PlaceViewer::Institution(HOME.into());
        for id in [first, second] {
            self.decide_timebank_request(id, true, "", &institution, "360733", &staff)
                .await?;
        }
        let in_village = format!("division:{}", &village[..village.len().min(12)]);
        if self.reference().division_name(&village).is_some() {
            self.submit_timebank_request(
                DEMO_FAMILY,
                &ask(false, in_village, "为独居老人代购米油", day(1), "1", ""),
                &me,
            )
            .await?;
        }
        let bath = self
            .submit_timebank_request(
                DEMO_FAMILY,
                &ask(true, at_home, "为父亲助浴", day(2), "1", &parent),
                &me,
            )
            .await?;
        self.decide_timebank_request(bath, true, "", &institution, "360733", &staff)
            .await?;
        self.give_hours(DEMO_FAMILY, None, "1", &me).await?;
        // The county gives the donated hour to someone living alone.
        let alone: Option<String> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id_number FROM persons WHERE hukou_division LIKE '360733%' AND death_date IS NULL AND categories LIKE '%,alone,%' \
             AND id_number <> $1 ORDER BY id LIMIT 1")
            .bind(&parent).fetch_optional(pool).await?);
        if let Some(alone) = alone {
            self.allocate_donated(&alone, "1", "", "360733", &as_user(actor, "huichang", "360733"))
                .await?;
        }
        Ok(())
    }
}
