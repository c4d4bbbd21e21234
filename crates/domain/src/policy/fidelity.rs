//! A pack says only what its document says. Every quote a pack carries — on a figure, on a
//! change of a figure, on a rule — must occur word for word in the document it cites
//! (whitespace ignored: the seeds are line-wrapped as the documents were printed), and every
//! figure the pack states must carry one. `policy check --source` and the test below run it.

use super::pack::{Basis, Pack};

/// The text with all whitespace removed, as quotes are compared.
pub fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// What in `pack` (the parts it defines itself, not what it inherits) the document `source`
/// does not bear out: a stated figure without a quote, or a quote the text does not contain.
pub fn misquotes(pack: &Pack, source: &str) -> Vec<String> {
    let text = squeeze(source);
    let mut out = Vec::new();
    let mut check = |what: String, quote: &Option<String>, needed: bool| match quote {
        Some(q) if !text.contains(&squeeze(q)) => out.push(format!("{what}：quote 在文件原文中找不到：「{q}」")),
        None if needed => out.push(format!("{what}：文件规定的数值没有 quote（文件原文）")),
        _ => {}
    };
    for p in pack.params.iter().filter(|p| p.defined_in == pack.id) {
        let states_figure = matches!(p.basis, Basis::Fixed | Basis::Floor) && p.values.iter().any(|v| v.value != 0);
        check(format!("参数 {}", p.name), &p.quote, states_figure);
    }
    for r in pack.rules.iter().filter(|r| r.defined_in == pack.id) {
        check(format!("规则 {}", r.id), &r.quote, false);
    }
    for t in &pack.targets {
        check(format!("目标 {}", t.indicator), &Some(t.quote.clone()), true);
    }
    for s in &pack.standards {
        check(format!("标准 {}", s.id), &Some(s.quote.clone()), true);
    }
    if let Some(v) = &pack.visits {
        check("探访名单".into(), &Some(v.quote.clone()), true);
    }
    if let Some(w) = &pack.waitlist {
        check("轮候顺序".into(), &Some(w.quote.clone()), true);
    }
    out
}

/// The seed file a pack's `source` names (`seeds/002_45df….txt` → `002_45df….txt`).
pub fn source_file(pack: &Pack) -> Option<&str> {
    let src = pack.source.as_deref()?;
    let name = src.rsplit('/').next()?;
    name.ends_with(".txt").then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::shipped;
    use std::path::PathBuf;

    fn seeds() -> Option<PathBuf> {
        let dir = std::env::var_os("YIYANG_SEEDS")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds"));
        dir.is_dir().then_some(dir)
    }

    #[test]
    fn every_quote_of_every_shipped_pack_is_in_its_document_word_for_word() {
        let Some(dir) = seeds() else {
            // The documents live beside the project (../shared/seeds), as on CI. Without them
            // the check cannot run; say so loudly rather than pass quietly.
            assert!(
                std::env::var_os("YIYANG_REQUIRE_SEEDS").is_none(),
                "YIYANG_REQUIRE_SEEDS is set but ../shared/seeds is missing"
            );
            eprintln!("WARNING: ../shared/seeds not found; quotes not checked (set YIYANG_SEEDS)");
            return;
        };
        let mut problems = Vec::new();
        let mut checked = 0;
        for pack in shipped::packs().iter().filter(|p| p.jurisdiction.is_some()) {
            let file = source_file(pack).unwrap_or_else(|| panic!("{}: no source document", pack.id));
            let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            for m in misquotes(pack, &text) {
                problems.push(format!("{}: {m}", pack.id));
            }
            checked += pack.params.iter().filter(|p| p.quote.is_some()).count();
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        assert!(checked > 20, "only {checked} quotes checked");
    }

    #[test]
    fn a_quote_the_document_does_not_contain_is_found_out() {
        let pack = shipped::packs().into_iter().find(|p| p.id == "huichang-2021").unwrap();
        let mut forged = pack.clone();
        let p = forged
            .params
            .iter_mut()
            .find(|p| p.quote.is_some() && p.defined_in == pack.id)
            .unwrap();
        p.quote = Some("每人每月300元".into());
        let doc = "对失能老年人每人每月200元";
        assert!(misquotes(&forged, doc).iter().any(|m| m.contains("找不到")));
        // Whitespace and line breaks in the document do not matter.
        let mut ok = pack.clone();
        let p = ok
            .params
            .iter_mut()
            .find(|p| p.quote.is_some() && p.defined_in == pack.id)
            .unwrap();
        p.quote = Some("每人每月 200元".into());
        let name = p.name.clone();
        assert!(!misquotes(&ok, "对失能老年人每人\n每月200元")
            .iter()
            .any(|m| m.contains(&name)));
    }
}
