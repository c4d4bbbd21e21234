//! How a clerk finds a person by name in a register of millions: by the start of the full name
//! (陈, 陈志, 陈志强), by the start of the given name (志强), or by the pinyin initials Chinese
//! users type on a phone or in a hurry (czq, cz). Each record keeps its initials and its given
//! name beside its name, computed here when the record is written, so that every search is a
//! range over an index — never a scan of the province.
//!
//! Surnames read differently from the same character elsewhere (单 shàn, 曾 zēng, 解 xiè …):
//! their initial is the surname's. Compound surnames (欧阳, 司马 …) are one surname: the given
//! name is what follows them. Names written with a middle dot (买买提·艾力) take the initials
//! of their Latin or Han letters.

use pinyin::ToPinyin;

/// Most characters of a query (a name is at most a few dozen).
const QUERY_MAX: usize = 40;

/// What a record keeps for name search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKeys {
    /// Lower-case pinyin initials of the whole name: 陈志强 → `czq`.
    pub initials: String,
    /// The name without its surname: 陈志强 → 志强, 欧阳明华 → 明华; empty for a one-character name.
    pub given: String,
}

/// Surname characters whose surname reading starts with another letter than the character's
/// most common reading (the one `pinyin` gives first).
const SURNAME_INITIALS: &[(char, char)] = &[
    ('单', 's'),
    ('曾', 'z'),
    ('解', 'x'),
    ('仇', 'q'),
    ('区', 'o'),
    ('查', 'z'),
    ('翟', 'z'),
    ('乐', 'y'),
    ('尉', 'y'),
    ('秘', 'b'),
    ('覃', 'q'),
    ('召', 's'),
    ('繁', 'p'),
    ('种', 'c'),
    ('长', 'z'),
    ('朴', 'p'),
    ('盖', 'g'),
    ('缪', 'm'),
];

/// Two-character surnames, with their initials where a character reads otherwise in them.
const COMPOUND_SURNAMES: &[(&str, &str)] = &[
    ("欧阳", "oy"),
    ("司马", "sm"),
    ("诸葛", "zg"),
    ("上官", "sg"),
    ("东方", "df"),
    ("皇甫", "hf"),
    ("尉迟", "yc"),
    ("公孙", "gs"),
    ("慕容", "mr"),
    ("长孙", "zs"),
    ("宇文", "yw"),
    ("司徒", "st"),
    ("司空", "sk"),
    ("夏侯", "xh"),
    ("轩辕", "xy"),
    ("令狐", "lh"),
    ("端木", "dm"),
    ("南宫", "ng"),
    ("独孤", "dg"),
    ("百里", "bl"),
    ("呼延", "hy"),
    ("万俟", "mq"),
    ("澹台", "tt"),
    ("公冶", "gy"),
    ("太史", "ts"),
    ("申屠", "st"),
    ("钟离", "zl"),
    ("闻人", "wr"),
    ("赫连", "hl"),
    ("濮阳", "py"),
    ("西门", "xm"),
    ("东郭", "dg"),
    ("单于", "cy"),
];

fn initial(c: char) -> Option<char> {
    if c.is_ascii_alphabetic() {
        return Some(c.to_ascii_lowercase());
    }
    c.to_pinyin().and_then(|p| p.first_letter().chars().next())
}

/// The keys a record with `name` keeps.
pub fn keys(name: &str) -> NameKeys {
    let name = name.trim();
    let chars: Vec<char> = name.chars().collect();
    let compound = COMPOUND_SURNAMES
        .iter()
        .find(|(s, _)| name.starts_with(s) && chars.len() > 2);
    let (surname_len, mut initials) = match compound {
        Some((_, i)) => (2, i.to_string()),
        None => match chars.first() {
            Some(c) => (
                1,
                SURNAME_INITIALS
                    .iter()
                    .find(|(s, _)| s == c)
                    .map(|(_, i)| *i)
                    .or_else(|| initial(*c))
                    .map(String::from)
                    .unwrap_or_default(),
            ),
            None => (0, String::new()),
        },
    };
    initials.extend(chars.iter().skip(surname_len).filter_map(|c| initial(*c)));
    let given = if chars.len() > 1 {
        chars[surname_len..].iter().collect()
    } else {
        String::new()
    };
    NameKeys { initials, given }
}

/// A name search, parsed from what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameQuery {
    /// Han characters: the start of the full name or of the given name.
    Name(String),
    /// Latin letters: the start of the pinyin initials, lower case.
    Initials(String),
}

impl NameQuery {
    /// `q` as a name search: spaces and middle dots dropped (陈 志强 is 陈志强), letters
    /// lower-cased; none when nothing is left. At most [`QUERY_MAX`] characters are kept.
    pub fn parse(q: &str) -> Option<NameQuery> {
        let q: String = q
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '·' | '•' | '.'))
            .take(QUERY_MAX)
            .collect();
        if q.is_empty() {
            None
        } else if q.chars().all(|c| c.is_ascii_alphabetic()) {
            Some(NameQuery::Initials(q.to_ascii_lowercase()))
        } else {
            Some(NameQuery::Name(q))
        }
    }

    /// A surname alone or one or two initials: a search that matches one person in tens or
    /// hundreds, for which walking a list in its order finds a page sooner than sorting every
    /// match.
    pub fn is_broad(&self) -> bool {
        match self {
            NameQuery::Name(s) => s.chars().count() == 1,
            NameQuery::Initials(s) => s.len() <= 2,
        }
    }

    /// The half-open range `[from, to)` of keys starting with the query: byte order, the
    /// order of both databases' binary collation.
    pub fn range(&self) -> (String, String) {
        let p = match self {
            NameQuery::Name(s) | NameQuery::Initials(s) => s,
        };
        (p.clone(), format!("{p}\u{10FFFF}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_keeps_its_initials_and_given_name() {
        assert_eq!(
            keys("陈志强"),
            NameKeys {
                initials: "czq".into(),
                given: "志强".into()
            }
        );
        assert_eq!(keys("刘建华").initials, "ljh");
        assert_eq!(keys("王芳").given, "芳");
        assert_eq!(keys("王").given, "");
        assert_eq!(keys("").initials, "");
    }

    #[test]
    fn surnames_read_as_surnames() {
        assert_eq!(keys("单田芳").initials, "stf");
        assert_eq!(keys("曾国藩").initials, "zgf");
        assert_eq!(keys("解缙").initials, "xj");
        // The same character inside a given name keeps its common reading.
        assert_eq!(keys("王单").initials, "wd");
    }

    #[test]
    fn compound_surnames_are_one_surname() {
        let k = keys("欧阳明华");
        assert_eq!((k.initials.as_str(), k.given.as_str()), ("oymh", "明华"));
        assert_eq!(keys("万俟卨").initials, "mqx");
        // Two characters only: a surname 欧 and a given name 阳.
        assert_eq!(keys("欧阳").given, "阳");
    }

    #[test]
    fn names_with_a_middle_dot_or_latin_letters() {
        assert_eq!(keys("买买提·艾力").initials, "mmtal");
        assert_eq!(keys("Anna李").initials, "annal");
    }

    #[test]
    fn queries_are_names_or_initials() {
        assert_eq!(NameQuery::parse(" 陈 志强 "), Some(NameQuery::Name("陈志强".into())));
        assert_eq!(NameQuery::parse("CZQ"), Some(NameQuery::Initials("czq".into())));
        assert_eq!(NameQuery::parse("   "), None);
        assert_eq!(
            NameQuery::parse(&"陈".repeat(1000)).map(|q| q.range().0.chars().count()),
            Some(40)
        );
        assert!(NameQuery::parse("陈").unwrap().is_broad() && NameQuery::parse("cz").unwrap().is_broad());
        assert!(!NameQuery::parse("陈建").unwrap().is_broad() && !NameQuery::parse("czq").unwrap().is_broad());
        let (from, to) = NameQuery::parse("陈").unwrap().range();
        assert!(from.as_str() <= "陈志强" && "陈志强" < to.as_str());
        assert!("陆" >= to.as_str() || "陆" < from.as_str());
    }
}
