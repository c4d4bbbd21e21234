//! The facts a rule may use about one person in one benefit month.
//!
//! Every fact has a small, closed domain (age is clamped to 0..=150). That is what lets a pack
//! be compiled into a lookup table over the facts it actually mentions (see `program.rs`).

/// Boolean facts: the person's categories and circumstances in the month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Flag {
    /// 经济困难 (assessed as economically difficult; includes 低保 and 低保边缘 where a pack says so).
    EconHardship,
    /// 特困供养人员.
    Tekun,
    /// 城乡低保对象.
    Dibao,
    /// Already receives the disabled persons' nursing subsidy (残疾人护理补贴).
    DisabilityNursing,
    /// 重度残疾 (disability grade 1 or 2).
    SevereDisability,
    /// 失智 (dementia diagnosis).
    Dementia,
    /// 独居.
    LivingAlone,
    /// 空巢.
    EmptyNest,
    /// 留守.
    LeftBehind,
    /// 计划生育特殊家庭.
    SpecialFamily,
    /// 作出特殊贡献 (e.g. 见义勇为, 劳动模范 as a document defines it).
    SpecialContribution,
    /// 优抚对象 (entitled groups under the military-care regulations).
    Youfu,
    /// Household registration is inside the paying jurisdiction (本地户籍).
    LocalHukou,
    /// Lives in a private institution contracted to house 特困人员 (一院两制).
    TekunContract,
}

impl Flag {
    pub const ALL: [Flag; 14] = [
        Flag::EconHardship,
        Flag::Tekun,
        Flag::Dibao,
        Flag::DisabilityNursing,
        Flag::SevereDisability,
        Flag::Dementia,
        Flag::LivingAlone,
        Flag::EmptyNest,
        Flag::LeftBehind,
        Flag::SpecialFamily,
        Flag::SpecialContribution,
        Flag::Youfu,
        Flag::LocalHukou,
        Flag::TekunContract,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Flag::EconHardship => "econ_hardship",
            Flag::Tekun => "tekun",
            Flag::Dibao => "dibao",
            Flag::DisabilityNursing => "disability_nursing",
            Flag::SevereDisability => "severe_disability",
            Flag::Dementia => "dementia",
            Flag::LivingAlone => "living_alone",
            Flag::EmptyNest => "empty_nest",
            Flag::LeftBehind => "left_behind",
            Flag::SpecialFamily => "special_family",
            Flag::SpecialContribution => "special_contribution",
            Flag::Youfu => "youfu",
            Flag::LocalHukou => "local_hukou",
            Flag::TekunContract => "tekun_contract",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Flag::EconHardship => "经济困难",
            Flag::Tekun => "特困人员",
            Flag::Dibao => "低保对象",
            Flag::DisabilityNursing => "已享受残疾人护理补贴",
            Flag::SevereDisability => "重度残疾",
            Flag::Dementia => "失智",
            Flag::LivingAlone => "独居",
            Flag::EmptyNest => "空巢",
            Flag::LeftBehind => "留守",
            Flag::SpecialFamily => "计划生育特殊家庭",
            Flag::SpecialContribution => "作出特殊贡献",
            Flag::Youfu => "优抚对象",
            Flag::LocalHukou => "本地户籍",
            Flag::TekunContract => "住一院两制受委托机构",
        }
    }

    fn bit(self) -> u16 {
        1 << (self as u8)
    }
}

/// One fact a rule can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fact {
    /// Completed years on the last day of the month (29 February counts as reached on 1 March).
    Age,
    /// GB/T 42195-2022 level 0..=4 of the latest valid assessment; -1 when never assessed.
    CapabilityLevel,
    /// Care tier derived from the level: `unassessed`, `self_care` (0), `partial` (1-2), `disabled` (3-4).
    Tier,
    /// Whether the person has a valid assessment.
    Assessed,
    /// `M` or `F`.
    Sex,
    /// `urban` or `rural` household registration.
    Hukou,
    /// `home`, `public_institution` or `private_institution`.
    Residence,
    Flag(Flag),
}

/// What kind of value a fact has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactType {
    Int,
    Bool,
    /// One of a fixed list of names; the value is the index in the list.
    Enum(&'static [&'static str]),
}

pub const SEX_VALUES: &[&str] = &["M", "F"];
pub const HUKOU_VALUES: &[&str] = &["urban", "rural"];
pub const RESIDENCE_VALUES: &[&str] = &["home", "public_institution", "private_institution"];
pub const TIER_VALUES: &[&str] = &["unassessed", "self_care", "partial", "disabled"];
pub const MAX_AGE: u8 = 150;

impl Fact {
    pub fn all() -> impl Iterator<Item = Fact> {
        [
            Fact::Age,
            Fact::CapabilityLevel,
            Fact::Tier,
            Fact::Assessed,
            Fact::Sex,
            Fact::Hukou,
            Fact::Residence,
        ]
        .into_iter()
        .chain(Flag::ALL.into_iter().map(Fact::Flag))
    }

    pub fn by_name(name: &str) -> Option<Fact> {
        Fact::all().find(|f| f.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Fact::Age => "age",
            Fact::CapabilityLevel => "capability_level",
            Fact::Tier => "tier",
            Fact::Assessed => "assessed",
            Fact::Sex => "sex",
            Fact::Hukou => "hukou",
            Fact::Residence => "residence",
            Fact::Flag(f) => f.name(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Fact::Age => "年龄（周岁）",
            Fact::CapabilityLevel => "能力等级",
            Fact::Tier => "照护等级",
            Fact::Assessed => "已评估",
            Fact::Sex => "性别",
            Fact::Hukou => "户籍类型",
            Fact::Residence => "居住方式",
            Fact::Flag(f) => f.label(),
        }
    }

    pub fn ty(self) -> FactType {
        match self {
            Fact::Age | Fact::CapabilityLevel => FactType::Int,
            Fact::Assessed | Fact::Flag(_) => FactType::Bool,
            Fact::Tier => FactType::Enum(TIER_VALUES),
            Fact::Sex => FactType::Enum(SEX_VALUES),
            Fact::Hukou => FactType::Enum(HUKOU_VALUES),
            Fact::Residence => FactType::Enum(RESIDENCE_VALUES),
        }
    }

    /// The stored fact this one is read from: tier and assessed come from the level.
    pub(crate) fn dimension(self) -> Dimension {
        match self {
            Fact::Age => Dimension::Age,
            Fact::CapabilityLevel | Fact::Tier | Fact::Assessed => Dimension::Level,
            Fact::Sex => Dimension::Sex,
            Fact::Hukou => Dimension::Hukou,
            Fact::Residence => Dimension::Residence,
            Fact::Flag(f) => Dimension::Flag(f),
        }
    }
}

/// An independent axis of the fact space; `Facts` holds one value per dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Dimension {
    Age,
    Level,
    Sex,
    Hukou,
    Residence,
    Flag(Flag),
}

impl Dimension {
    /// Number of distinct values.
    pub(crate) fn size(self) -> usize {
        match self {
            Dimension::Age => MAX_AGE as usize + 1,
            Dimension::Level => 6,
            Dimension::Sex | Dimension::Hukou | Dimension::Flag(_) => 2,
            Dimension::Residence => 3,
        }
    }

    /// The value of this dimension as an index in `0..size()`.
    #[inline]
    pub(crate) fn index(self, f: &Facts) -> usize {
        match self {
            Dimension::Age => f.age.min(MAX_AGE) as usize,
            Dimension::Level => (f.level + 1) as usize,
            Dimension::Sex => f.sex as usize,
            Dimension::Hukou => f.hukou as usize,
            Dimension::Residence => f.residence as usize,
            Dimension::Flag(flag) => f.has(flag) as usize,
        }
    }

    /// Writes value `i` of this dimension into `f` (inverse of `index`).
    pub(crate) fn set(self, f: &mut Facts, i: usize) {
        match self {
            Dimension::Age => f.age = i as u8,
            Dimension::Level => f.level = i as i8 - 1,
            Dimension::Sex => f.sex = i as u8,
            Dimension::Hukou => f.hukou = i as u8,
            Dimension::Residence => f.residence = i as u8,
            Dimension::Flag(flag) => f.set_flag(flag, i == 1),
        }
    }
}

/// The facts of one person for one month, packed small so millions can be evaluated quickly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Facts {
    pub age: u8,
    /// -1 = never assessed (or the assessment has expired).
    pub level: i8,
    /// Index into [`SEX_VALUES`].
    pub sex: u8,
    /// Index into [`HUKOU_VALUES`].
    pub hukou: u8,
    /// Index into [`RESIDENCE_VALUES`].
    pub residence: u8,
    /// One bit per [`Flag`]; use [`Facts::has`] and [`Facts::set_flag`].
    pub flags: u16,
}

impl Default for Facts {
    /// Age 0, never assessed, male, urban, at home, no flags.
    fn default() -> Facts {
        Facts {
            age: 0,
            level: -1,
            sex: 0,
            hukou: 0,
            residence: 0,
            flags: 0,
        }
    }
}

impl Facts {
    pub fn has(&self, flag: Flag) -> bool {
        self.flags & flag.bit() != 0
    }

    pub fn set_flag(&mut self, flag: Flag, on: bool) {
        if on {
            self.flags |= flag.bit();
        } else {
            self.flags &= !flag.bit();
        }
    }

    pub fn with(mut self, flag: Flag) -> Self {
        self.set_flag(flag, true);
        self
    }

    /// Tier index into [`TIER_VALUES`].
    pub fn tier(&self) -> usize {
        match self.level {
            0 => 1,
            1 | 2 => 2,
            3 | 4 => 3,
            _ => 0,
        }
    }

    /// The value of a fact as the expression evaluator sees it.
    #[inline]
    pub fn value(&self, fact: Fact) -> i64 {
        match fact {
            Fact::Age => self.age as i64,
            Fact::CapabilityLevel => self.level as i64,
            Fact::Tier => self.tier() as i64,
            Fact::Assessed => (self.level >= 0) as i64,
            Fact::Sex => self.sex as i64,
            Fact::Hukou => self.hukou as i64,
            Fact::Residence => self.residence as i64,
            Fact::Flag(f) => self.has(f) as i64,
        }
    }

    /// The value shown in an explanation: `age = 85`, `tier = partial`, `tekun = 是`.
    pub fn display(&self, fact: Fact) -> String {
        let v = self.value(fact);
        match fact.ty() {
            FactType::Int if fact == Fact::CapabilityLevel && v < 0 => "未评估".into(),
            FactType::Int => v.to_string(),
            FactType::Bool => if v != 0 { "是" } else { "否" }.into(),
            FactType::Enum(names) => super::words::value_label(names[v as usize]).into(),
        }
    }

    /// Sets a fact by name from its text form (used by pack tests and the what-if page).
    pub fn set_by_name(&mut self, name: &str, value: &str) -> Result<(), String> {
        let fact = Fact::by_name(name).ok_or_else(|| format!("未知事实 `{name}`"))?;
        let bad = || format!("事实 `{name}` 的取值 `{value}` 无效");
        match fact {
            Fact::Age => self.age = value.parse::<u8>().map_err(|_| bad())?.min(MAX_AGE),
            Fact::CapabilityLevel => {
                let l: i8 = value.parse().map_err(|_| bad())?;
                if !(-1..=4).contains(&l) {
                    return Err(bad());
                }
                self.level = l;
            }
            Fact::Tier | Fact::Assessed => {
                return Err(format!("`{name}` 由 capability_level 推出，请设置 capability_level"))
            }
            Fact::Sex => self.sex = enum_index(SEX_VALUES, value).ok_or_else(bad)?,
            Fact::Hukou => self.hukou = enum_index(HUKOU_VALUES, value).ok_or_else(bad)?,
            Fact::Residence => self.residence = enum_index(RESIDENCE_VALUES, value).ok_or_else(bad)?,
            Fact::Flag(f) => match value {
                "true" | "1" => self.set_flag(f, true),
                "false" | "0" => self.set_flag(f, false),
                _ => return Err(bad()),
            },
        }
        Ok(())
    }
}

fn enum_index(names: &[&str], value: &str) -> Option<u8> {
    names.iter().position(|n| *n == value).map(|i| i as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dimension_index_round_trips_through_set() {
        for dim in Fact::all().map(Fact::dimension) {
            for i in 0..dim.size() {
                let mut f = Facts::default();
                dim.set(&mut f, i);
                assert_eq!(dim.index(&f), i, "{dim:?}");
            }
        }
    }

    #[test]
    fn tiers_follow_the_capability_level() {
        let tier = |level| {
            TIER_VALUES[Facts {
                level,
                ..Facts::default()
            }
            .tier()]
        };
        assert_eq!(
            [-1, 0, 1, 2, 3, 4].map(tier),
            ["unassessed", "self_care", "partial", "partial", "disabled", "disabled"]
        );
    }

    #[test]
    fn flags_are_independent() {
        let f = Facts::default().with(Flag::Tekun).with(Flag::LocalHukou);
        assert!(f.has(Flag::Tekun) && f.has(Flag::LocalHukou) && !f.has(Flag::Dibao));
    }
}
