//! A rule's condition in words, for the people who read an explanation: the pack's CEL text
//! (`econ_hardship && age >= 60 && !tekun`) with every fact, value and parameter by its
//! Chinese label (经济困难 且 年龄（周岁）≥ 60 且 非特困人员). The CEL text stays the rule; this
//! is only how it is shown.

use super::facts::Fact;

/// The Chinese label of an enum value of a fact (`rural` → 农村); the value itself if unknown.
pub fn value_label(value: &str) -> &str {
    match value {
        "M" => "男",
        "F" => "女",
        "urban" => "城镇",
        "rural" => "农村",
        "home" => "居家",
        "public_institution" => "公办养老机构",
        "private_institution" => "民办养老机构",
        "unassessed" => "未评估",
        "self_care" => "能力完好",
        "partial" => "轻度或中度失能",
        "disabled" => "重度或完全失能",
        other => other,
    }
}

/// The condition `src` in words; `param` names a pack parameter (its label), `None` if the
/// name is not one.
pub fn condition_in_words(src: &str, param: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    let word = |out: &mut String, w: &str| {
        if !out.is_empty() && !out.ends_with(['（', '［', '非', ' ']) {
            out.push(' ');
        }
        out.push_str(w);
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let name: String = chars[start..i].iter().collect();
            let shown = match name.as_str() {
                "in" => "属于".to_string(),
                "true" => "是".to_string(),
                "false" => "否".to_string(),
                "min" => "较小者".to_string(),
                "max" => "较大者".to_string(),
                n => Fact::by_name(n)
                    .map(|f| f.label().to_string())
                    .or_else(|| param(n))
                    .unwrap_or_else(|| n.to_string()),
            };
            word(&mut out, &shown);
            continue;
        }
        if c == '"' || c == '\'' {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != c {
                i += 1;
            }
            let lit: String = chars[start..i.min(chars.len())].iter().collect();
            i += 1;
            word(&mut out, &format!("“{}”", value_label(&lit)));
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            word(&mut out, &chars[start..i].iter().collect::<String>());
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let (shown, len) = match two.as_str() {
            "&&" => ("且", 2),
            "||" => ("或", 2),
            "==" => ("为", 2),
            "!=" => ("不为", 2),
            ">=" => ("≥", 2),
            "<=" => ("≤", 2),
            _ => match c {
                '!' => ("非", 1),
                '>' => (">", 1),
                '<' => ("<", 1),
                '(' => ("（", 1),
                ')' => ("）", 1),
                '[' => ("［", 1),
                ']' => ("］", 1),
                ',' => ("、", 1),
                '?' => ("则", 1),
                ':' => ("否则", 1),
                '+' => ("+", 1),
                '-' => ("-", 1),
                '*' => ("×", 1),
                '/' => ("÷", 1),
                _ => ("", 1),
            },
        };
        i += len;
        match shown {
            "非" | "（" | "［" => word(&mut out, shown),
            "）" | "］" | "、" => out.push_str(shown),
            "" => {}
            s => word(&mut out, s),
        }
    }
    out.replace("（ ", "（")
        .replace("［ ", "［")
        .replace("非 ", "非")
        .replace("、 ", "、")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_condition_reads_as_words() {
        let label = |n: &str| (n == "huli_min_level").then(|| "护理补贴起始等级".to_string());
        assert_eq!(
            condition_in_words(
                "(econ_hardship || special_family) && age >= 60 && capability_level >= huli_min_level && !tekun",
                label
            ),
            "（经济困难 或 计划生育特殊家庭） 且 年龄（周岁） ≥ 60 且 能力等级 ≥ 护理补贴起始等级 且 非特困人员"
        );
        assert_eq!(
            condition_in_words(r#"tier in ["partial", "disabled"] && hukou == "rural""#, |_| None),
            "照护等级 属于 ［“轻度或中度失能”、“重度或完全失能”］ 且 户籍类型 为 “农村”"
        );
    }
}
