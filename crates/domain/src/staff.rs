//! Institution staff: positions, the qualification certificate a position needs, caregiver
//! skill levels and training. Pure: no I/O.

use chrono::NaiveDate;

/// A position, and the certificate it needs if any (code, label).
#[derive(Debug, Clone, Copy)]
pub struct Position {
    pub code: &'static str,
    pub label: &'static str,
    pub certificate: Option<(&'static str, &'static str)>,
}

const fn pos(code: &'static str, label: &'static str, certificate: Option<(&'static str, &'static str)>) -> Position {
    Position {
        code,
        label,
        certificate,
    }
}

/// Positions of an institution's roster. Medical, nursing and rehabilitation staff need their
/// practising certificate; fire-control-room operators need theirs (消防控制室值班人员持证上岗);
/// kitchen staff need a health certificate (食品安全法 第四十五条).
pub const POSITIONS: [Position; 9] = [
    pos("caregiver", "养老护理员", None),
    pos("doctor", "医师", Some(("physician", "医师执业证书"))),
    pos("nurse", "护士", Some(("nurse", "护士执业证书"))),
    pos("rehab", "康复治疗师", Some(("rehab", "康复医学治疗技术资格证书"))),
    pos("fire", "消防控制室值班员", Some(("fire", "消防设施操作员证书"))),
    pos("kitchen", "厨师及炊事员", Some(("health", "健康证明"))),
    pos("social_worker", "社会工作者", None),
    pos("manager", "管理人员", None),
    pos("other", "其他", None),
];

pub fn position(code: &str) -> Option<&'static Position> {
    POSITIONS.iter().find(|p| p.code == code)
}

/// Every certificate kind the roster knows (those positions need, plus the caregiver's
/// vocational skill certificate).
pub fn certificate_kinds() -> Vec<(&'static str, &'static str)> {
    let mut v: Vec<(&str, &str)> = POSITIONS.iter().filter_map(|p| p.certificate).collect();
    v.push(("skill", "养老护理员职业技能等级证书"));
    v
}

/// Caregiver skill levels (养老护理员国家职业技能标准（2019年版）), lowest first.
pub const SKILL_LEVELS: [(&str, &str); 5] = [
    ("5", "五级/初级工"),
    ("4", "四级/中级工"),
    ("3", "三级/高级工"),
    ("2", "二级/技师"),
    ("1", "一级/高级技师"),
];

pub fn skill_label(code: &str) -> &'static str {
    SKILL_LEVELS.iter().find(|(c, _)| *c == code).map_or("", |(_, l)| l)
}

/// Why a staff member may not work in `position` on `today`, if anything is missing: no
/// certificate of the needed kind, or every such certificate has expired.
pub fn qualification_problem(
    position: &str,
    certificates: &[(String, Option<NaiveDate>)],
    today: NaiveDate,
) -> Option<String> {
    let (kind, label) = self::position(position)?.certificate?;
    let held: Vec<&Option<NaiveDate>> = certificates.iter().filter(|(k, _)| k == kind).map(|(_, u)| u).collect();
    if held.is_empty() {
        return Some(format!("缺少{label}"));
    }
    if held.iter().all(|u| u.is_some_and(|d| d < today)) {
        return Some(format!("{label}已过期"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn positions_that_need_a_certificate_flag_a_missing_or_expired_one() {
        let today = d("2026-11-23");
        assert_eq!(qualification_problem("caregiver", &[], today), None);
        assert_eq!(
            qualification_problem("nurse", &[], today).as_deref(),
            Some("缺少护士执业证书")
        );
        let expired = vec![("nurse".to_string(), Some(d("2026-01-01")))];
        assert_eq!(
            qualification_problem("nurse", &expired, today).as_deref(),
            Some("护士执业证书已过期")
        );
        let renewed = vec![expired[0].clone(), ("nurse".to_string(), Some(d("2031-01-01")))];
        assert_eq!(qualification_problem("nurse", &renewed, today), None);
        let open_ended = vec![("fire".to_string(), None)];
        assert_eq!(qualification_problem("fire", &open_ended, today), None);
        let wrong_kind = vec![("health".to_string(), None)];
        assert!(qualification_problem("doctor", &wrong_kind, today).is_some());
    }
}
