//! Family care beds (家庭养老床位; 会府发〔2021〕7号 (六); 赣府厅发〔2022〕3号 第四章第一节; 青神 8):
//! a professional provider with the capacity to care for disabled people signs a contract with
//! the family, assesses the home, adapts it (适老化改造), installs devices, and serves by a care
//! plan whose visits become orders. A bed in service counts in `beds_total`.
//!
//! None of the documents sets a subsidy for a family bed or its adaptations: the platform
//! records the items; a county that pays for them sets its own figures.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::person::FieldError;

coded!(
    /// Home-adaptation items (适老化改造) the home assessment may call for.
    Adaptation {
        GrabBars = "grab_bars" / "卫生间、床边扶手",
        NonSlip = "non_slip" / "防滑地面处理",
        Threshold = "threshold" / "门槛移除或坡道",
        ShowerChair = "shower_chair" / "淋浴椅",
        CommodeChair = "commode_chair" / "坐便椅",
        CareBed = "care_bed" / "护理床",
        NightLight = "night_light" / "感应夜灯",
        Wheelchair = "wheelchair" / "轮椅",
    }
);

coded!(
    /// Devices installed at the home.
    Device {
        Alarm = "alarm" / "一键呼叫器",
        Smoke = "smoke" / "烟雾报警器",
        Gas = "gas" / "燃气报警器",
        Motion = "motion" / "人体活动感应器",
        BedSensor = "bed_sensor" / "离床感应床垫",
        Wristband = "wristband" / "智能手环",
    }
);

coded!(
    /// Where a family bed stands.
    BedStatus {
        Active = "active" / "服务中",
        Ended = "ended" / "已撤床",
    }
);

/// Weekdays of a care plan line, written `1,3,5` (Monday = 1).
pub fn parse_weekdays(s: &str) -> Result<Vec<Weekday>, FieldError> {
    let mut out = Vec::new();
    for part in s.split([',', '，', ' ']).filter(|p| !p.trim().is_empty()) {
        let n: u32 = part
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=7).contains(n))
            .ok_or_else(|| FieldError::new("weekdays", "星期须为 1–7，用逗号分开"))?;
        let d = Weekday::try_from((n - 1) as u8).map_err(|_| FieldError::new("weekdays", "星期须为 1–7"))?;
        if !out.contains(&d) {
            out.push(d);
        }
    }
    if out.is_empty() {
        return Err(FieldError::new("weekdays", "请选择上门的星期"));
    }
    Ok(out)
}

/// The days from `from` (inclusive) for `days` days that fall on `weekdays`, not after `until`.
pub fn visit_days(weekdays: &[Weekday], from: NaiveDate, days: u64, until: Option<NaiveDate>) -> Vec<NaiveDate> {
    (0..days)
        .map(|i| from + chrono::Days::new(i))
        .filter(|d| weekdays.contains(&d.weekday()) && until.is_none_or(|u| *d <= u))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_line_visits_on_its_weekdays_until_the_contract_ends() {
        let w = parse_weekdays("1，3, 5").unwrap();
        assert_eq!(w, [Weekday::Mon, Weekday::Wed, Weekday::Fri]);
        let from = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(); // a Monday
        let days = visit_days(&w, from, 14, None);
        assert_eq!(days.len(), 6);
        assert_eq!(days[0], from);
        let until = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(visit_days(&w, from, 14, Some(until)).len(), 3);
        assert!(parse_weekdays("8").is_err() && parse_weekdays("").is_err());
    }
}
