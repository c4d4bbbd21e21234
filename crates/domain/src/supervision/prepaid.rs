//! Prepaid fees and membership cards (会府发〔2021〕7号 (二十七) "制定养老机构预付费管理政策";
//! 赣府厅发〔2022〕3号 第七章 "强化对销售会员卡、预付费的监管，有效防范…非法集资风险"): an
//! institution's monthly report and the signs of illegal fund-raising it is checked for. The
//! documents set no thresholds; each is a county setting, and the platform's defaults are
//! stated where they are defined (`PrepaidLimits::default`).

use serde::Serialize;

/// One month's report by an institution (amounts in fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PrepaidReport {
    /// 押金 held, all residents.
    pub deposits_fen: i64,
    /// 预收服务费 not yet earned.
    pub prepaid_fen: i64,
    /// Balance left on membership cards (会员卡).
    pub card_balance_fen: i64,
    /// Cards sold this month.
    pub cards_sold: i64,
    /// The most held for one person (deposit + prepaid + card).
    pub largest_per_person_fen: i64,
    /// The institution's standard monthly fee (bed + care + meals) for one person.
    pub monthly_fee_fen: i64,
    /// Net assets, from its latest accounts.
    pub net_assets_fen: i64,
}

impl PrepaidReport {
    pub fn total_fen(&self) -> i64 {
        self.deposits_fen
            .saturating_add(self.prepaid_fen)
            .saturating_add(self.card_balance_fen)
    }
}

/// The thresholds a county sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrepaidLimits {
    /// Most held for one person, as a multiple of the monthly fee (default 12).
    pub per_person_months: i64,
    /// Most held in all, as a percentage of net assets (default 100).
    pub total_percent_of_assets: i64,
    /// Card sales this month above this multiple of the previous three months' average
    /// (default 2) …
    pub card_growth_multiple: i64,
    /// … and at least this many cards (default 10), so that 1 → 3 cards is no alarm.
    pub card_growth_min: i64,
}

impl Default for PrepaidLimits {
    fn default() -> Self {
        PrepaidLimits {
            per_person_months: 12,
            total_percent_of_assets: 100,
            card_growth_multiple: 2,
            card_growth_min: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    pub code: &'static str,
    pub message: String,
}

fn yuan(fen: i64) -> String {
    crate::Fen(fen).to_string()
}

/// The alerts a report raises, given the previous months' card sales (most recent first).
pub fn alerts(r: &PrepaidReport, earlier_cards_sold: &[i64], limits: &PrepaidLimits) -> Vec<Alert> {
    let mut out = Vec::new();
    let cap = r.monthly_fee_fen.saturating_mul(limits.per_person_months);
    if r.monthly_fee_fen > 0 && r.largest_per_person_fen > cap {
        out.push(Alert {
            code: "per_person",
            message: format!(
                "单人预收 {} 元，超过月费用 {} 元的 {} 倍（{} 元）",
                yuan(r.largest_per_person_fen),
                yuan(r.monthly_fee_fen),
                limits.per_person_months,
                yuan(cap)
            ),
        });
    }
    let total = r.total_fen();
    if total > 0
        && (r.net_assets_fen <= 0
            || (total as i128) * 100 > (r.net_assets_fen as i128) * limits.total_percent_of_assets as i128)
    {
        out.push(Alert {
            code: "total_vs_assets",
            message: format!(
                "押金、预收费和会员卡余额合计 {} 元，超过净资产 {} 元的 {}%",
                yuan(total),
                yuan(r.net_assets_fen),
                limits.total_percent_of_assets
            ),
        });
    }
    let earlier: Vec<i64> = earlier_cards_sold.iter().take(3).copied().collect();
    if !earlier.is_empty() && r.cards_sold >= limits.card_growth_min {
        let sum: i64 = earlier.iter().sum();
        // sold > multiple × average ⇔ sold × n > multiple × sum
        if r.cards_sold.saturating_mul(earlier.len() as i64) > limits.card_growth_multiple.saturating_mul(sum) {
            out.push(Alert {
                code: "card_growth",
                message: format!(
                    "本月售出会员卡 {} 张，超过前 {} 个月平均 {:.1} 张的 {} 倍",
                    r.cards_sold,
                    earlier.len(),
                    sum as f64 / earlier.len() as f64,
                    limits.card_growth_multiple
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> PrepaidReport {
        PrepaidReport {
            deposits_fen: 30_000 * 100,
            prepaid_fen: 10_000 * 100,
            card_balance_fen: 0,
            cards_sold: 0,
            largest_per_person_fen: 20_000 * 100,
            monthly_fee_fen: 2_500 * 100,
            net_assets_fen: 500_000 * 100,
        }
    }

    #[test]
    fn a_sound_report_raises_nothing() {
        assert!(alerts(&report(), &[0, 0, 0], &PrepaidLimits::default()).is_empty());
    }

    #[test]
    fn more_than_twelve_months_from_one_person_is_an_alert() {
        let r = PrepaidReport {
            largest_per_person_fen: 30_000 * 100 + 1,
            ..report()
        };
        let a = alerts(&r, &[], &PrepaidLimits::default());
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].code, "per_person");
        assert!(
            a[0].message.contains("30,000.01") && a[0].message.contains("12 倍"),
            "{}",
            a[0].message
        );
        let r = PrepaidReport {
            largest_per_person_fen: 30_000 * 100,
            ..report()
        };
        assert!(
            alerts(&r, &[], &PrepaidLimits::default()).is_empty(),
            "exactly twelve months is allowed"
        );
    }

    #[test]
    fn holding_more_than_the_net_assets_is_an_alert() {
        let r = PrepaidReport {
            card_balance_fen: 460_000 * 100 + 1,
            ..report()
        };
        assert_eq!(alerts(&r, &[], &PrepaidLimits::default())[0].code, "total_vs_assets");
        let r = PrepaidReport {
            net_assets_fen: 0,
            ..report()
        };
        assert_eq!(alerts(&r, &[], &PrepaidLimits::default())[0].code, "total_vs_assets");
    }

    #[test]
    fn a_burst_of_card_sales_is_an_alert_but_a_handful_is_not() {
        let l = PrepaidLimits::default();
        let r = PrepaidReport {
            cards_sold: 25,
            ..report()
        };
        assert_eq!(alerts(&r, &[4, 5, 6], &l)[0].code, "card_growth");
        assert!(alerts(
            &PrepaidReport {
                cards_sold: 9,
                ..report()
            },
            &[1, 1, 1],
            &l
        )
        .is_empty());
        assert!(alerts(
            &PrepaidReport {
                cards_sold: 25,
                ..report()
            },
            &[12, 13, 14],
            &l
        )
        .is_empty());
    }
}
