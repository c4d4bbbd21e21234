//! Lengths of free text, checked once where input becomes a record: a 24 MB note once made
//! every list that showed it take seconds. Limits are generous for real use (an address of
//! 200 characters, a note of 500).

use crate::person::FieldError;

/// (field, most characters) for the register's free-text fields.
pub const PERSON_LIMITS: &[(&str, usize)] = &[
    ("phone", 30),
    ("address", 200),
    ("categories", 300),
    ("death_source", 50),
    ("contact_name", 50),
    ("contact_relation", 20),
    ("contact_phone", 30),
    ("note", 500),
];

/// Names of institutions, facilities and the like.
pub const NAME_MAX: usize = 100;
pub const ADDRESS_MAX: usize = 200;
pub const NOTE_MAX: usize = 500;

/// An error for `value` of `field` (labelled `label`) when it is longer than `max` characters.
pub fn too_long(field: &str, label: &str, value: &str, max: usize) -> Option<FieldError> {
    let n = value.trim().chars().count();
    (n > max).then(|| FieldError::new(field, format!("{label}过长：{n} 个字，最多 {max} 个字")))
}

/// The errors of a note a form must have (a reply, the evidence of a rectification): `missing`
/// when it is empty, else [`too_long`]'s past [`NOTE_MAX`].
pub fn required_note(field: &str, label: &str, value: &str, missing: &str) -> Vec<FieldError> {
    if value.trim().is_empty() {
        return vec![FieldError::new(field, missing)];
    }
    too_long(field, label, value, NOTE_MAX).into_iter().collect()
}

/// Whether `c` would change how the text around it reads without being seen: a control
/// character, or a bidirectional mark, embedding, override or isolate (a name with U+202E can
/// show its characters in reverse and so pass for another).
pub fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` without its hidden characters ([`is_hidden_char`]), as text from a file is kept.
pub fn visible(s: &str) -> String {
    s.chars().filter(|c| !is_hidden_char(*c)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_required_note_is_missing_when_blank_and_too_long_past_the_limit() {
        assert_eq!(
            required_note("text", "回复", "  ", "请填写回复")[0].message,
            "请填写回复"
        );
        assert!(required_note("text", "回复", "已整改", "请填写回复").is_empty());
        let long = "字".repeat(NOTE_MAX + 1);
        assert!(required_note("text", "回复", &long, "请填写回复")[0]
            .message
            .contains("回复过长"));
    }

    #[test]
    fn text_over_its_limit_is_refused_with_the_counts() {
        assert!(too_long("note", "备注", &"字".repeat(500), 500).is_none());
        let e = too_long("note", "备注", &"字".repeat(501), 500).unwrap();
        assert_eq!(e.field, "note");
        assert!(e.message.contains("501") && e.message.contains("500"));
    }

    #[test]
    fn hidden_characters_are_taken_out_of_text_from_files() {
        assert_eq!(super::visible("张\u{202E}三\u{2066}四\u{200F}\t"), "张三四");
        assert_eq!(super::visible("阿依古丽·买买提"), "阿依古丽·买买提");
    }
}
