//! A person as typed (form, API, import row) becomes a record once, here: every field checked,
//! each problem named by its field, in Chinese.

use chrono::NaiveDate;

use super::*;
use crate::dates::parse_date;

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Mainland mobile numbers (11 digits starting 1[3-9]) and landlines with an area code
/// (0xx-xxxxxxxx, hyphen optional).
pub fn valid_phone(s: &str) -> bool {
    let s: String = s.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let b = s.as_bytes();
    if !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    (b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])) || (b[0] == b'0' && (10..=12).contains(&b.len()))
}

/// The facts validation needs from outside: which division codes exist and the category
/// catalogue. Kept as a trait so the domain stays free of storage.
pub trait Reference {
    fn division_exists(&self, code: &DivisionCode) -> bool;
    fn categories(&self) -> &CategoryCatalogue;
}

impl PersonInput {
    /// Sets a field by its key (as used in forms, import headers and the API); `false` for
    /// an unknown key. Categories accumulate, so a form's repeated checkboxes all count.
    pub fn set(&mut self, key: &str, value: String) -> bool {
        let slot = match key {
            "name" => &mut self.name,
            "id_number" => &mut self.id_number,
            "sex" => &mut self.sex,
            "birth_date" => &mut self.birth_date,
            "phone" => &mut self.phone,
            "address" => &mut self.address,
            "hukou_division" => &mut self.hukou_division,
            "residence_division" => &mut self.residence_division,
            "hukou_type" => &mut self.hukou_type,
            "categories_effective" => &mut self.categories_effective,
            "categories" => {
                if !self.categories.is_empty() && !value.is_empty() {
                    self.categories.push(',');
                }
                self.categories.push_str(&value);
                return true;
            }
            "death_date" => &mut self.death_date,
            "death_source" => &mut self.death_source,
            "contact_name" => &mut self.contact_name,
            "contact_relation" => &mut self.contact_relation,
            "contact_phone" => &mut self.contact_phone,
            "note" => &mut self.note,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// Checks every field and returns all problems at once, so a form can show each next to
    /// its field and an import can report each.
    pub fn validate(&self, reference: &dyn Reference, today: NaiveDate) -> Result<PersonRecord, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = normalize_width(&self.name);
        if name.is_empty() {
            errors.push(FieldError::new("name", "请填写姓名"));
        } else if name.chars().count() > 50 {
            errors.push(FieldError::new("name", "姓名过长（最多 50 个字）"));
        }
        for (field, max) in crate::text::PERSON_LIMITS {
            let value = match *field {
                "phone" => &self.phone,
                "address" => &self.address,
                "categories" => &self.categories,
                "death_source" => &self.death_source,
                "contact_name" => &self.contact_name,
                "contact_relation" => &self.contact_relation,
                "contact_phone" => &self.contact_phone,
                _ => &self.note,
            };
            errors.extend(crate::text::too_long(field, field_label(field), value, *max));
        }

        let id = match IdNumber::parse(&self.id_number) {
            Ok(id) => Some(id),
            Err(e) => {
                errors.push(FieldError::new("id_number", e.to_string()));
                None
            }
        };

        let sex = if normalize_width(&self.sex).is_empty() {
            id.as_ref().map(IdNumber::sex)
        } else {
            match Sex::parse(&self.sex) {
                Some(s) => {
                    if let Some(id) = &id {
                        if id.sex() != s {
                            errors.push(FieldError::new(
                                "sex",
                                format!(
                                    "性别“{}”与身份证号不符（身份证号显示为{}）",
                                    s.label(),
                                    id.sex().label()
                                ),
                            ));
                        }
                    }
                    Some(s)
                }
                None => {
                    errors.push(FieldError::new(
                        "sex",
                        format!("性别“{}”无法识别（应为 男/女）", self.sex.trim()),
                    ));
                    None
                }
            }
        };

        let birth_date = if normalize_width(&self.birth_date).is_empty() {
            id.as_ref().map(IdNumber::birth_date)
        } else {
            match parse_date(&self.birth_date) {
                Ok(d) => {
                    if let Some(id) = &id {
                        if id.birth_date() != d {
                            errors.push(FieldError::new(
                                "birth_date",
                                format!("出生日期 {d} 与身份证号中的 {} 不符", id.birth_date()),
                            ));
                        }
                    }
                    Some(d)
                }
                Err(e) => {
                    errors.push(FieldError::new("birth_date", e.to_string()));
                    None
                }
            }
        };
        if let Some(b) = birth_date {
            if b > today {
                errors.push(FieldError::new("birth_date", "出生日期晚于今天"));
            }
        }

        let phone = opt(&normalize_width(&self.phone));
        if let Some(p) = &phone {
            if !valid_phone(p) {
                errors.push(FieldError::new(
                    "phone",
                    format!("电话“{p}”格式不对（手机 11 位，固话需带区号）"),
                ));
            }
        }

        let division = |field: &str, raw: &str, required: bool, errors: &mut Vec<FieldError>| -> Option<DivisionCode> {
            if normalize_width(raw).is_empty() {
                if required {
                    errors.push(FieldError::new(field, "请填写区划代码"));
                }
                return None;
            }
            match DivisionCode::parse(raw) {
                Ok(code) if reference.division_exists(&code) => Some(code),
                Ok(code) => {
                    errors.push(FieldError::new(field, format!("区划代码“{code}”不存在")));
                    None
                }
                Err(e) => {
                    errors.push(FieldError::new(field, e.to_string()));
                    None
                }
            }
        };
        let hukou_division = division("hukou_division", &self.hukou_division, true, &mut errors);
        let residence_division = division("residence_division", &self.residence_division, false, &mut errors)
            .or_else(|| hukou_division.clone());

        let hukou_type = match HukouType::parse(&self.hukou_type) {
            Some(h) => Some(h),
            None if normalize_width(&self.hukou_type).is_empty() => {
                errors.push(FieldError::new("hukou_type", "请选择户籍性质（城镇/农村）"));
                None
            }
            None => {
                errors.push(FieldError::new(
                    "hukou_type",
                    format!("户籍性质“{}”无法识别（应为 城镇/农村）", self.hukou_type.trim()),
                ));
                None
            }
        };

        let mut categories: Vec<String> = Vec::new();
        for token in normalize_width(&self.categories)
            .split(|c: char| matches!(c, '、' | ',' | '，' | ';' | '；' | '|' | '/') || c.is_whitespace())
            .filter(|t| !t.is_empty())
        {
            match reference.categories().find(token) {
                Some(c) if !categories.contains(&c.code) => categories.push(c.code.clone()),
                Some(_) => {}
                None => errors.push(FieldError::new(
                    "categories",
                    format!("人员类别“{token}”不在类别目录中"),
                )),
            }
        }
        categories.sort();

        let categories_effective = match opt(&self.categories_effective) {
            None => None,
            Some(s) => match parse_date(&s) {
                Ok(d) if d > today => {
                    errors.push(FieldError::new("categories_effective", "类别变更生效日期晚于今天"));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(FieldError::new("categories_effective", e.to_string()));
                    None
                }
            },
        };

        let death_date = match opt(&self.death_date) {
            None => None,
            Some(s) => match parse_date(&s) {
                Ok(d) => {
                    if d > today {
                        errors.push(FieldError::new("death_date", "死亡日期晚于今天"));
                    }
                    if birth_date.is_some_and(|b| d < b) {
                        errors.push(FieldError::new("death_date", "死亡日期早于出生日期"));
                    }
                    Some(d)
                }
                Err(e) => {
                    errors.push(FieldError::new("death_date", e.to_string()));
                    None
                }
            },
        };
        let death_source = match opt(&self.death_source) {
            None => None,
            Some(src) => match DEATH_SOURCES.iter().find(|(code, label)| *code == src || *label == src) {
                Some((code, _)) => Some(code.to_string()),
                None => {
                    errors.push(FieldError::new("death_source", format!("死亡信息来源“{src}”无法识别")));
                    None
                }
            },
        };
        if death_date.is_some() && death_source.is_none() && opt(&self.death_source).is_none() {
            errors.push(FieldError::new("death_source", "登记死亡时请选择信息来源"));
        }

        let contact_phone = opt(&normalize_width(&self.contact_phone));
        if let Some(p) = &contact_phone {
            if !valid_phone(p) {
                errors.push(FieldError::new("contact_phone", format!("电话“{p}”格式不对")));
            }
        }

        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(PersonRecord {
            name,
            id_number: id.expect("no errors"),
            sex: sex.expect("no errors"),
            birth_date: birth_date.expect("no errors"),
            phone,
            address: opt(&self.address),
            hukou_division: hukou_division.expect("no errors"),
            residence_division: residence_division.expect("no errors"),
            hukou_type: hukou_type.expect("no errors"),
            categories,
            categories_effective,
            death_date,
            death_source: if death_date.is_some() { death_source } else { None },
            contact_name: opt(&self.contact_name),
            contact_relation: opt(&self.contact_relation),
            contact_phone,
            note: opt(&self.note),
        })
    }
}

impl PersonRecord {
    /// Back to the editable form, for the edit page.
    pub fn to_input(&self) -> PersonInput {
        PersonInput {
            name: self.name.clone(),
            id_number: self.id_number.to_string(),
            sex: self.sex.label().to_string(),
            birth_date: self.birth_date.to_string(),
            phone: self.phone.clone().unwrap_or_default(),
            address: self.address.clone().unwrap_or_default(),
            hukou_division: self.hukou_division.to_string(),
            residence_division: self.residence_division.to_string(),
            hukou_type: self.hukou_type.code().to_string(),
            categories: self.categories.join(","),
            categories_effective: self.categories_effective.map(|d| d.to_string()).unwrap_or_default(),
            death_date: self.death_date.map(|d| d.to_string()).unwrap_or_default(),
            death_source: self.death_source.clone().unwrap_or_default(),
            contact_name: self.contact_name.clone().unwrap_or_default(),
            contact_relation: self.contact_relation.clone().unwrap_or_default(),
            contact_phone: self.contact_phone.clone().unwrap_or_default(),
            note: self.note.clone().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Ref(CategoryCatalogue);
    impl Reference for Ref {
        fn division_exists(&self, code: &DivisionCode) -> bool {
            code.as_str().starts_with("360733")
        }
        fn categories(&self) -> &CategoryCatalogue {
            &self.0
        }
    }

    fn reference() -> Ref {
        let cat = |code: &str, name: &str| Category {
            code: code.into(),
            name: name.into(),
            group: "x".into(),
        };
        Ref(CategoryCatalogue {
            categories: vec![
                cat("tekun", "特困"),
                cat("dibao", "低保"),
                cat("alone", "独居"),
                cat("lonely_elder", "孤寡"),
            ],
        })
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn input() -> PersonInput {
        PersonInput {
            name: "刘桂英".into(),
            id_number: "11010519491231002X".into(),
            hukou_division: "360733100".into(),
            hukou_type: "农村".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_minimal_entry_derives_sex_and_birth_date_from_the_id() {
        let p = input().validate(&reference(), today()).unwrap();
        assert_eq!(p.sex, Sex::Female);
        assert_eq!(p.birth_date, NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(p.residence_division.as_str(), "360733100");
        assert_eq!(p.hukou_type, HukouType::Rural);
    }

    #[test]
    fn a_sex_or_birth_date_that_contradicts_the_id_is_rejected() {
        let mut i = input();
        i.sex = "男".into();
        i.birth_date = "1949-12-30".into();
        let errs = i.validate(&reference(), today()).unwrap_err();
        assert!(errs.iter().any(|e| e.field == "sex" && e.message.contains("不符")));
        assert!(errs
            .iter()
            .any(|e| e.field == "birth_date" && e.message.contains("1949-12-31")));
    }

    #[test]
    fn an_unknown_division_code_is_named_in_the_error() {
        let mut i = input();
        i.hukou_division = "110105".into();
        let errs = i.validate(&reference(), today()).unwrap_err();
        assert_eq!(errs, vec![FieldError::new("hukou_division", "区划代码“110105”不存在")]);
    }

    #[test]
    fn categories_are_read_by_name_or_code_and_unknown_ones_reported() {
        let mut i = input();
        i.categories = "特困、alone，低保".into();
        let p = i.validate(&reference(), today()).unwrap();
        assert_eq!(p.categories, vec!["alone", "dibao", "tekun"]);
        // The older and everyday names clerks write are read as the catalogue's.
        i.categories = "五保户、低保户，孤寡老人".into();
        let p = i.validate(&reference(), today()).unwrap();
        assert_eq!(p.categories, vec!["dibao", "lonely_elder", "tekun"]);
        i.categories = "特困 贫困户".into();
        let errs = i.validate(&reference(), today()).unwrap_err();
        assert_eq!(errs[0].field, "categories");
        assert!(errs[0].message.contains("贫困户"));
    }

    #[test]
    fn a_category_change_takes_effect_on_a_given_past_date_never_a_future_one() {
        let mut i = input();
        i.categories = "低保".into();
        i.categories_effective = "2026-03-20".into();
        let p = i.validate(&reference(), today()).unwrap();
        assert_eq!(p.categories_effective, NaiveDate::from_ymd_opt(2026, 3, 20));
        i.categories_effective = "2026-12-01".into();
        let errs = i.validate(&reference(), today()).unwrap_err();
        assert_eq!(errs[0].field, "categories_effective");
        i.categories_effective = "2026-13-01".into();
        assert_eq!(
            i.validate(&reference(), today()).unwrap_err()[0].field,
            "categories_effective"
        );
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let i = PersonInput {
            id_number: "123".into(),
            phone: "12345".into(),
            hukou_type: "x".into(),
            ..Default::default()
        };
        let errs = i.validate(&reference(), today()).unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in ["name", "id_number", "phone", "hukou_division", "hukou_type"] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn a_death_needs_a_source_and_cannot_precede_birth() {
        let mut i = input();
        i.death_date = "1940-01-01".into();
        let errs = i.validate(&reference(), today()).unwrap_err();
        assert!(errs.iter().any(|e| e.field == "death_date"));
        assert!(errs.iter().any(|e| e.field == "death_source"));
        i.death_date = "2025-03-01".into();
        i.death_source = "cremation".into();
        let p = i.validate(&reference(), today()).unwrap();
        assert_eq!(p.death_date, NaiveDate::from_ymd_opt(2025, 3, 1));
    }

    #[test]
    fn fields_are_set_by_key_and_repeated_categories_accumulate() {
        let mut p = PersonInput::default();
        assert!(p.set("name", "刘桂英".into()));
        assert!(p.set("categories", "tekun".into()));
        assert!(p.set("categories", "alone".into()));
        assert!(!p.set("hobby", "x".into()));
        assert_eq!(p.name, "刘桂英");
        assert_eq!(p.categories, "tekun,alone");
    }

    #[test]
    fn phones_are_checked() {
        assert!(valid_phone("13907971234"));
        assert!(valid_phone("0797-5621234"));
        assert!(!valid_phone("1234"));
        assert!(!valid_phone("12907971234"));
    }

    #[test]
    fn a_note_or_address_over_its_limit_is_refused_naming_the_field() {
        let input = PersonInput {
            note: "备".repeat(501),
            address: "址".repeat(201),
            ..input()
        };
        let errs = input.validate(&reference(), today()).unwrap_err();
        assert!(errs.iter().any(|e| e.field == "note" && e.message.contains("最多 500")));
        assert!(errs
            .iter()
            .any(|e| e.field == "address" && e.message.contains("最多 200")));
    }
}
