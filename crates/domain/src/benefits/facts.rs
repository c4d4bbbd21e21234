//! A person as the monthly run reads them: what is registered, their assessments, stays in
//! institutions and logged changes, and how those become a pack's facts for one month.

use chrono::{DateTime, NaiveDate, Utc};

use crate::category_history::{categories_in_force, CategoryChange};
use crate::dates::{age_on, Month};
use crate::institution::InstitutionKind;
use crate::person::{HukouType, Sex};
use crate::policy::facts::MAX_AGE;
use crate::policy::{Facts, Flag, Pack};

/// A confirmed capability assessment, as the run counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentFact {
    /// The level under its standard (0–4 under GB/T 42195; 0–3 under MZ/T 039).
    pub level: i64,
    pub assessed_on: NaiveDate,
    pub valid_until: NaiveDate,
    /// When it counted (confirmed): a month settled before this is corrected.
    pub recorded_at: DateTime<Utc>,
    /// `GB/T 42195-2022` or a legacy `MZ/T 039-2013`.
    pub standard: String,
}

/// A stay in an institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stay {
    /// The institution's code (the payee of what is paid to it).
    pub institution: String,
    pub kind: InstitutionKind,
    /// The institution's division (whose pack pays what is paid to it).
    pub division: String,
    pub admitted_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    /// The institution is contracted to house 特困人员 (一院两制).
    pub tekun_contract: bool,
}

/// A person's facts as stored, before they are read for a month.
#[derive(Debug, Clone)]
pub struct PersonFacts {
    pub id: i64,
    pub id_number: String,
    pub name: String,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    pub hukou_division: String,
    pub hukou_type: HukouType,
    /// The category codes as registered now, comma-separated.
    pub categories: String,
    pub death_date: Option<NaiveDate>,
    /// Oldest first.
    pub assessments: Vec<AssessmentFact>,
    /// Oldest first.
    pub stays: Vec<Stay>,
    /// Logged changes of the category list, in the order recorded.
    pub category_changes: Vec<CategoryChange>,
    /// Every logged change (categories, death): (takes effect on, recorded at).
    pub changes: Vec<(NaiveDate, DateTime<Utc>)>,
}

impl PersonFacts {
    /// A person with no assessments, stays or logged changes (the store adds them).
    pub fn new(id: i64, sex: Sex, birth_date: NaiveDate, hukou_division: String, hukou_type: HukouType) -> PersonFacts {
        PersonFacts {
            id,
            id_number: String::new(),
            name: String::new(),
            sex,
            birth_date,
            hukou_division,
            hukou_type,
            categories: String::new(),
            death_date: None,
            assessments: Vec::new(),
            stays: Vec::new(),
            category_changes: Vec::new(),
            changes: Vec::new(),
        }
    }

    /// Paid for `month` at all: alive on its first day, or died during or after it.
    pub fn payable(&self, month: Month) -> bool {
        self.death_date.is_none_or(|d| d >= month.first_day())
    }

    /// The latest assessment dated on or before the month's last day, if still valid in the
    /// month; -1 for none. A legacy MZ/T 039-2013 level is read through the pack's mapping.
    pub fn level(&self, month: Month, mzt039_levels: &[i8; 4]) -> i8 {
        let (d0, d1) = (month.first_day(), month.last_day());
        self.assessments
            .iter()
            .rev()
            .find(|a| a.assessed_on <= d1)
            .filter(|a| a.valid_until >= d0)
            .map_or(-1, |a| {
                if a.standard.starts_with("MZ/T 039") {
                    mzt039_levels[a.level.clamp(0, 3) as usize]
                } else {
                    a.level.clamp(0, 4) as i8
                }
            })
    }

    /// The institution lived in during the month (the latest admission), if any.
    pub fn stay(&self, month: Month) -> Option<&Stay> {
        let (d0, d1) = (month.first_day(), month.last_day());
        self.stays
            .iter()
            .rev()
            .find(|s| s.admitted_on <= d1 && s.left_on.is_none_or(|l| l >= d0))
    }

    /// The categories in force on any day of `month` (see [`categories_in_force`]).
    pub fn categories_in(&self, month: Month) -> std::borrow::Cow<'_, str> {
        if self.category_changes.is_empty() {
            std::borrow::Cow::Borrowed(&self.categories)
        } else {
            std::borrow::Cow::Owned(categories_in_force(
                &self.categories,
                &self.category_changes,
                month.first_day(),
                month.last_day(),
            ))
        }
    }

    /// Something that bears on `month` was recorded after `at`: an assessment dated on or
    /// before the month's end, or a category change or death taking effect by then. Such a
    /// month, once settled, is computed again and the difference paid or recovered.
    pub fn changed_for(&self, month: Month, at: DateTime<Utc>) -> bool {
        let end = month.last_day();
        self.assessments
            .iter()
            .any(|a| a.recorded_at > at && a.assessed_on <= end)
            || self.changes.iter().any(|c| c.1 > at && c.0 <= end)
    }

    /// The facts a pack's rules see for `month`.
    pub fn facts(&self, month: Month, pack: &Pack) -> Facts {
        let jurisdiction = pack.jurisdiction.as_ref();
        let age = age_on(self.birth_date, month.last_day()).clamp(0, MAX_AGE as i32) as u8;
        let stay = self.stay(month);
        let residence = match stay {
            None => 0,
            // 公建民营 institutions are publicly owned: they count as public.
            Some(s) if s.kind.is_public() => 1,
            Some(_) => 2,
        };
        let mut f = Facts {
            age,
            level: self.level(month, &pack.mzt039_levels),
            sex: (self.sex == Sex::Female) as u8,
            hukou: (self.hukou_type == HukouType::Rural) as u8,
            residence,
            ..Facts::default()
        };
        let categories = self.categories_in(month);
        let codes: Vec<&str> = categories.split(',').filter(|c| !c.is_empty()).collect();
        let has = |c: &str| codes.contains(&c);
        // 经济困难 covers 低保 and 低保边缘 households, as the provincial practice defines it.
        f.set_flag(
            Flag::EconHardship,
            has("econ_hardship") || has("dibao") || has("dibao_edge"),
        );
        for (code, flag) in [
            ("tekun", Flag::Tekun),
            ("dibao", Flag::Dibao),
            ("disability_nursing", Flag::DisabilityNursing),
            ("severe_disability", Flag::SevereDisability),
            ("dementia", Flag::Dementia),
            ("alone", Flag::LivingAlone),
            ("empty_nest", Flag::EmptyNest),
            ("left_behind", Flag::LeftBehind),
            ("family_planning_special", Flag::SpecialFamily),
            ("special_contribution", Flag::SpecialContribution),
            ("youfu", Flag::Youfu),
        ] {
            f.set_flag(flag, has(code));
        }
        let local = jurisdiction.is_none_or(|j| self.hukou_division.starts_with(j.as_str()));
        f.set_flag(Flag::LocalHukou, local);
        f.set_flag(
            Flag::TekunContract,
            stay.is_some_and(|s| s.tekun_contract && !s.kind.is_public()),
        );
        f
    }
}
