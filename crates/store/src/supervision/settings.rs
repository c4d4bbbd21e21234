//! The supervision settings a province or county keeps, each with the platform's default and
//! the range a value must lie in; every reader goes through [`Store::supervision_setting`], so
//! a default is written once, here, and shown on the settings page.

use crate::{Result, Store};

/// One setting: key, what it is, the platform's default, and the range allowed.
pub struct SupervisionSetting {
    pub key: &'static str,
    pub label: &'static str,
    pub default: i64,
    pub min: i64,
    pub max: i64,
}

const fn s(key: &'static str, label: &'static str, default: i64, min: i64, max: i64) -> SupervisionSetting {
    SupervisionSetting {
        key,
        label,
        default,
        min,
        max,
    }
}

pub const SETTINGS: [SupervisionSetting; 15] = [
    s(super::PUBLISH_WITHIN_SETTING, "检查结果公开时限（工作日）", 20, 1, 60),
    s(super::COUNTY_ESCALATION_SETTING, "隐患逾期多少天上报县级", 15, 1, 90),
    s(
        super::complaints::ANSWER_WITHIN_SETTING,
        "投诉答复时限（工作日）",
        15,
        1,
        60,
    ),
    s(
        super::prepaid::PER_PERSON_MONTHS_SETTING,
        "单人预收费上限（月费用的倍数）",
        12,
        1,
        60,
    ),
    s(
        super::prepaid::TOTAL_PERCENT_SETTING,
        "预收费合计上限（净资产的百分比）",
        100,
        10,
        1000,
    ),
    s(super::emergency::DRILL_EVERY_SETTING, "应急演练周期（月）", 12, 1, 36),
    s(
        super::credit::REPAIR_MIN_MONTHS_SETTING,
        "失信名单最短公示期（月，之后可修复）",
        6,
        0,
        60,
    ),
    s(
        crate::services::TOLERANCE_SETTING,
        "上门服务签到、签退允许偏离住址的距离（米）",
        300,
        50,
        5000,
    ),
    s(
        crate::care::sos::ACK_SETTING,
        "一键呼救未接警多少秒升级（值班表下一位；两倍时长后县级）",
        60,
        15,
        900,
    ),
    s(
        crate::care::timebank_ops::CAP_SETTING,
        "时间银行每个账户的储存上限（小时；南京实践为 1500）",
        1500,
        100,
        10000,
    ),
    s(
        crate::care::timebank_ops::AGE_SETTING,
        "时间银行兑换服务的年龄（周岁）",
        60,
        50,
        80,
    ),
    s(crate::services::LATE_SETTING, "上门服务迟到判定（分钟）", 30, 5, 240),
    s(
        crate::benefits::hold::PROOF_SETTING,
        "待遇资格静默认证：多少个月内无任何生存信息即暂停发放、待本人认证（0 为不认证）",
        0,
        0,
        24,
    ),
    s(
        crate::benefits::hold::ACCOUNT_SETTING,
        "无发放账户时暂停发放、补录后补发（1 为暂停，0 为列入缺少账户清单）",
        0,
        0,
        1,
    ),
    s(
        crate::services::CANCEL_SETTING,
        "家属自行取消订单须提前（小时）",
        2,
        0,
        72,
    ),
];

pub fn find(key: &str) -> &'static SupervisionSetting {
    SETTINGS
        .iter()
        .find(|s| s.key == key)
        .expect("a supervision setting named in SETTINGS")
}

impl Store {
    /// The value in force for `scope`: the most specific one set above it if it lies in the
    /// setting's range, the platform's default otherwise.
    pub async fn supervision_setting(&self, key: &str, scope: &str) -> Result<i64> {
        let s = find(key);
        Ok(self
            .setting(key, scope)
            .await?
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|v| (s.min..=s.max).contains(v))
            .unwrap_or(s.default))
    }
}

#[cfg(test)]
mod tests {
    use yiyang_domain::supervision::prepaid::PrepaidLimits;

    #[test]
    fn the_prepaid_defaults_are_the_domains() {
        let d = PrepaidLimits::default();
        assert_eq!(
            super::find(super::super::prepaid::PER_PERSON_MONTHS_SETTING).default,
            d.per_person_months
        );
        assert_eq!(
            super::find(super::super::prepaid::TOTAL_PERCENT_SETTING).default,
            d.total_percent_of_assets
        );
    }
}
