//! A provider's catalogue and the county's purchase of services (政府购买服务).
//!
//! None of the five documents sets how many hours of home services the government buys for
//! whom, nor a price: the county sets both in its purchase contract. A [`Scheme`] therefore
//! carries the county's own document, and without one the government pays nothing.

use crate::money::Fen;
use crate::person::FieldError;

coded!(
    /// The services the documents name (赣 第四章第一节: 助餐、助急、助医、助行、助浴、助洁、家政;
    /// 喘息服务, 陪诊, 康复辅具租赁, 上门护理).
    ServiceKind {
        Meal = "meal" / "助餐",
        Bath = "bath" / "助浴",
        Clean = "clean" / "助洁",
        Medical = "medical" / "助医",
        Mobility = "mobility" / "助行",
        Emergency = "emergency" / "助急",
        Housekeeping = "housekeeping" / "家政",
        Respite = "respite" / "喘息服务",
        Escort = "escort" / "陪诊",
        AidRental = "aid_rental" / "康复辅具租赁",
        Nursing = "nursing" / "上门护理",
    }
);

coded!(
    /// What one unit of a service is.
    Unit {
        Visit = "visit" / "次",
        Hour = "hour" / "小时",
        Meal = "meal" / "餐",
        Day = "day" / "天",
    }
);

/// 喘息服务 is for families caring for a disabled person: a capability level of 2 or more under
/// GB/T 42195-2022 (中度失能 and above; the default `standards/indicators.md` gives "unable to
/// care for themselves").
pub const RESPITE_MIN_LEVEL: i64 = 2;

/// The most a unit may cost (10,000 yuan): anything above is a typing error.
pub const MAX_PRICE_FEN: i64 = 1_000_000;

/// One line of a catalogue, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueItem {
    pub kind: ServiceKind,
    pub unit: Unit,
    pub price: Fen,
    /// Standard minutes of one unit: 60 for an hour, as set for a visit, 0 for meals and days
    /// (they are not counted against purchased hours).
    pub minutes: i64,
}

impl CatalogueItem {
    /// From the form's fields; errors name the field.
    pub fn parse(kind: &str, unit: &str, price_yuan: &str, minutes: &str) -> Result<CatalogueItem, Vec<FieldError>> {
        let mut errors = Vec::new();
        let kind_p = ServiceKind::parse(kind.trim());
        if kind_p.is_none() {
            errors.push(FieldError::new("kind", "请选择服务项目"));
        }
        let unit_p = Unit::parse(unit.trim());
        if unit_p.is_none() {
            errors.push(FieldError::new("unit", "请选择计价单位"));
        }
        let price = crate::policy::pack::parse_yuan(price_yuan.trim()).filter(|f| (1..=MAX_PRICE_FEN).contains(f));
        if price.is_none() {
            errors.push(FieldError::new("price", "单价须为 0.01–10000 元，最多两位小数"));
        }
        let minutes = match unit_p {
            Some(Unit::Hour) => Some(60),
            Some(Unit::Visit) => minutes.trim().parse::<i64>().ok().filter(|m| (10..=480).contains(m)),
            _ => Some(0),
        };
        if minutes.is_none() {
            errors.push(FieldError::new(
                "minutes",
                "按次计价的服务须写明每次标准时长（10–480 分钟）",
            ));
        }
        match (kind_p, unit_p, price, minutes, errors.is_empty()) {
            (Some(kind), Some(unit), Some(price), Some(minutes), true) => Ok(CatalogueItem {
                kind,
                unit,
                price: Fen(price),
                minutes,
            }),
            _ => Err(errors),
        }
    }
}

/// A county's purchase of home services: who qualifies (any of the categories, or a capability
/// level at or above `min_level`), how many minutes a month, which services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scheme {
    pub categories: Vec<String>,
    /// GB/T 42195 level (0 能力完好 … 4 能力完全丧失); `None`: level does not qualify anyone.
    pub min_level: Option<i64>,
    pub minutes_per_month: i64,
    pub kinds: Vec<ServiceKind>,
}

impl Scheme {
    /// Whether a person with these categories (comma-separated codes) and this current
    /// capability level qualifies.
    pub fn covers_person(&self, categories: &str, level: Option<i64>) -> bool {
        let by_category = categories
            .split(',')
            .map(str::trim)
            .any(|c| !c.is_empty() && self.categories.iter().any(|s| s == c));
        let by_level = matches!((self.min_level, level), (Some(min), Some(l)) if l >= min);
        by_category || by_level
    }

    pub fn covers_kind(&self, kind: ServiceKind) -> bool {
        self.kinds.contains(&kind)
    }
}

/// What the government pays for an order: whole units that fit in the minutes left this month,
/// at the catalogue price; the family pays the rest. `(units covered, government, family)`.
pub fn split(units: i64, unit_minutes: i64, price: Fen, minutes_left: i64) -> (i64, Fen, Fen) {
    let covered = if unit_minutes <= 0 || minutes_left <= 0 {
        0
    } else {
        (minutes_left / unit_minutes).min(units)
    };
    let government = Fen(price.0 * covered);
    (covered, government, Fen(price.0 * units - government.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catalogue_line_is_parsed_once_and_names_its_fields() {
        let ok = CatalogueItem::parse("bath", "visit", "60", "90").unwrap();
        assert_eq!(
            (ok.kind, ok.unit, ok.price, ok.minutes),
            (ServiceKind::Bath, Unit::Visit, Fen(6000), 90)
        );
        assert_eq!(CatalogueItem::parse("助洁", "小时", "35.50", "").unwrap().minutes, 60);
        let e = CatalogueItem::parse("x", "visit", "0", "5").unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "price", "minutes"]);
        assert!(CatalogueItem::parse("meal", "meal", "10001", "").is_err());
    }

    #[test]
    fn the_government_pays_whole_units_that_fit_in_the_hours_left() {
        // 3 hours ordered, 2 hours left: 2 covered.
        assert_eq!(split(3, 60, Fen(3000), 120), (2, Fen(6000), Fen(3000)));
        // 90 minutes left, 60-minute units: 1.
        assert_eq!(split(2, 60, Fen(3000), 90), (1, Fen(3000), Fen(3000)));
        // Nothing left, or a meal: the family pays all.
        assert_eq!(split(1, 60, Fen(3000), 0), (0, Fen(0), Fen(3000)));
        assert_eq!(split(2, 0, Fen(1000), 600), (0, Fen(0), Fen(2000)));
    }

    #[test]
    fn a_scheme_covers_by_category_or_by_level() {
        let s = Scheme {
            categories: vec!["tekun".into(), "dibao".into()],
            min_level: Some(3),
            minutes_per_month: 240,
            kinds: vec![ServiceKind::Clean],
        };
        assert!(s.covers_person(",dibao,", None));
        assert!(s.covers_person("", Some(4)));
        assert!(!s.covers_person(",alone,", Some(2)));
        assert!(!s.covers_person("", None));
        assert!(s.covers_kind(ServiceKind::Clean) && !s.covers_kind(ServiceKind::Bath));
    }
}
