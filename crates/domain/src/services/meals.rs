//! Meal assistance (老年助餐; 赣府厅发〔2022〕3号 专栏4 "推广城市助餐服务，健全完善助餐配餐服务点";
//! 青神: 助老餐厅): meals served at a meal point (a facility of the register run by a provider)
//! or delivered, each checked at the counter (ID card, meal card) or signed for on delivery;
//! one meal of each kind per person and day; the county's purchase of services may pay part of
//! one meal a day for the people it covers (its own figure: no document sets one); every meal
//! of a sitting needs the sitting's food sample (留样), kept 48 hours, or it is not paid.

use crate::money::Fen;

coded!(
    /// Which meal of the day.
    Meal {
        Breakfast = "breakfast" / "早餐",
        Lunch = "lunch" / "午餐",
        Dinner = "dinner" / "晚餐",
    }
);

coded!(
    /// Where the meal was eaten.
    Way {
        DineIn = "dine_in" / "堂食",
        Delivery = "delivery" / "送餐上门",
    }
);

coded!(
    /// How the person was checked.
    Check {
        IdCard = "id_card" / "刷身份证",
        Card = "card" / "刷助餐卡",
        Signature = "signature" / "送餐签收",
    }
);

/// Hours a sitting's food sample is kept (留样不少于48小时).
pub const SAMPLE_HOURS: i64 = 48;

/// The government's and the person's share of a meal at `price` when the purchase pays
/// `subsidy` a meal for one meal a day: nothing if a meal of the day was already subsidised.
pub fn share(price: Fen, subsidy: Fen, subsidised_today: bool) -> (Fen, Fen) {
    let gov = if subsidised_today {
        Fen(0)
    } else {
        Fen(subsidy.0.clamp(0, price.0))
    };
    (gov, Fen(price.0 - gov.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purchase_pays_part_of_one_meal_a_day_never_more_than_its_price() {
        assert_eq!(share(Fen(1200), Fen(500), false), (Fen(500), Fen(700)));
        assert_eq!(share(Fen(1200), Fen(500), true), (Fen(0), Fen(1200)));
        assert_eq!(share(Fen(400), Fen(500), false), (Fen(400), Fen(0)));
        assert_eq!(share(Fen(1200), Fen(0), false), (Fen(0), Fen(1200)));
    }
}
