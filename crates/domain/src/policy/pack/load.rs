//! Loading packs: every error found (file, line, key), inheritance resolved, each pack
//! validated and built.

use crate::policy::expr::{self, Type};
use crate::DivisionCode;
use std::collections::{BTreeMap, BTreeSet};

use super::file::*;
use super::*;

/// Loads packs from `(file name, text)` pairs and resolves inheritance. Every error found is
/// returned, not only the first.
pub fn load(sources: &[(String, String)]) -> Result<Vec<Pack>, Vec<PackError>> {
    let mut errors = Vec::new();
    let mut parsed: BTreeMap<String, Parsed> = BTreeMap::new();
    for (file, text) in sources {
        match parse_file(file, text) {
            Ok(p) => {
                if !is_code(&p.meta.id) {
                    errors.push(p.at.err("pack.id", "只能用小写字母、数字、- 和 _"));
                } else if let Some(other) = parsed.get(&p.meta.id) {
                    errors.push(p.at.err("pack.id", format!("与 {} 重复", other.at.file)));
                } else {
                    parsed.insert(p.meta.id.clone(), p);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    let mut done: BTreeMap<String, Pack> = BTreeMap::new();
    let ids: Vec<String> = parsed.keys().cloned().collect();
    for id in ids {
        let mut chain = Vec::new();
        resolve(&id, &parsed, &mut done, &mut chain, &mut errors);
    }
    if errors.is_empty() {
        Ok(done.into_values().collect())
    } else {
        errors.dedup();
        Err(errors)
    }
}

fn resolve(
    id: &str,
    parsed: &BTreeMap<String, Parsed>,
    done: &mut BTreeMap<String, Pack>,
    chain: &mut Vec<String>,
    errors: &mut Vec<PackError>,
) -> bool {
    if done.contains_key(id) {
        return true;
    }
    let p = &parsed[id];
    if chain.iter().any(|c| c == id) {
        errors.push(p.at.err("pack.inherits", format!("继承成环：{} → {id}", chain.join(" → "))));
        return false;
    }
    let parent = match &p.meta.inherits {
        None => None,
        Some(parent_id) if !parsed.contains_key(parent_id) => {
            errors.push(p.at.err("pack.inherits", format!("找不到被继承的政策包 `{parent_id}`")));
            return false;
        }
        Some(parent_id) => {
            chain.push(id.to_string());
            let ok = resolve(parent_id, parsed, done, chain, errors);
            chain.pop();
            if !ok {
                return false;
            }
            Some(done[parent_id].clone())
        }
    };
    match build(p, parent) {
        Ok(pack) => {
            done.insert(id.to_string(), pack);
            true
        }
        Err(mut e) => {
            errors.append(&mut e);
            false
        }
    }
}

fn build(p: &Parsed, parent: Option<Pack>) -> Result<Pack, Vec<PackError>> {
    let mut errors = Vec::new();
    let m = &p.meta;
    let at = &p.at;
    let effective_from = date(&m.effective_from, at, "pack.effective_from").map_err(|e| vec![e])?;
    let effective_to = match &m.effective_to {
        Some(d) => Some(date(d, at, "pack.effective_to").map_err(|e| vec![e])?),
        None => None,
    };
    let jurisdiction = match &m.jurisdiction {
        Some(j) => match DivisionCode::parse(j) {
            Ok(code) => Some(code),
            Err(e) => return Err(vec![at.err("pack.jurisdiction", e.to_string())]),
        },
        None => None,
    };
    if m.document.trim().is_empty() || m.title.trim().is_empty() {
        errors.push(at.err("pack", "title 与 document（文号）不能为空"));
    }
    let parent_levels = parent.as_ref().map_or([0, 1, 2, 3], |pp| pp.mzt039_levels);
    let mzt039_levels = match &m.mzt039_levels {
        None => parent_levels,
        Some(v) if v.len() == 4 && v.iter().all(|l| (0..=4).contains(l)) && v.windows(2).all(|w| w[0] <= w[1]) => {
            [v[0] as i8, v[1] as i8, v[2] as i8, v[3] as i8]
        }
        Some(_) => {
            errors.push(at.err(
                "pack.mzt039_levels",
                "应为4个递增的等级（0-4），依次对应 MZ/T 039-2013 的 0-3 级",
            ));
            parent_levels
        }
    };
    let (mut params, mut benefits, parent_rules, mut coordination) = match parent {
        Some(pp) => {
            if let (Some(pj), Some(j)) = (&pp.jurisdiction, &jurisdiction) {
                if !pj.contains(j) {
                    errors.push(at.err("pack.jurisdiction", format!("{j} 不在被继承政策包的辖区 {pj} 之内")));
                }
            }
            (pp.params, pp.benefits, pp.rules, pp.coordination)
        }
        None => (Vec::new(), Vec::new(), Vec::new(), Vec::new()),
    };

    // Parameters: a child's value replaces the parent's under the same name.
    for (name, pat, fp) in &p.params {
        let key = format!("params.{name}");
        if !is_code(name) || crate::policy::facts::Fact::by_name(name).is_some() {
            errors.push(pat.err(&key, "参数名只能用小写字母、数字、_，且不能与事实同名"));
            continue;
        }
        if fp.clause.trim().is_empty() {
            errors.push(pat.err(&key, "clause 不能为空：写明依据的文件条款"));
        }
        let (kind, first) = match first_value(fp, m.jurisdiction.is_some(), pat, &key) {
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let mut values = vec![ParamValue {
            from: effective_from,
            value: first.unwrap_or(0),
            set: first.is_some(),
            clause: None,
        }];
        for (i, ch) in fp.changes.iter().enumerate() {
            let ckey = format!("{key}.changes[{i}]");
            match (
                date(&ch.from, pat, &ckey),
                one_value(&ch.yuan, ch.fen, ch.value, pat, &ckey),
            ) {
                (Ok(from), Ok((k, v))) if k == kind => {
                    if from <= values.last().expect("non-empty").from {
                        errors.push(pat.err(&ckey, "changes 须按日期递增，且晚于政策包生效日"));
                    }
                    if fp.basis.left_open() {
                        errors.push(pat.err(&ckey, "文件未规定的数额不能在政策包里调整：由有权限的用户在系统中设定"));
                    } else if m.jurisdiction.is_some()
                        && v != 0
                        && ch.quote.as_deref().is_none_or(|q| q.trim().is_empty())
                    {
                        errors.push(pat.err(&ckey, "调整后的数值须附 quote：文件中设定该数值的原文"));
                    }
                    values.push(ParamValue {
                        from,
                        value: v,
                        set: true,
                        clause: ch.clause.clone(),
                    });
                }
                (Ok(_), Ok(_)) => errors.push(pat.err(&ckey, "调整值的类型须与原值一致")),
                (Err(e), _) | (_, Err(e)) => errors.push(e),
            }
        }
        let param = Param {
            name: name.clone(),
            label: fp.label.clone(),
            kind,
            unit: fp.unit.clone(),
            basis: fp.basis,
            clause: fp.clause.clone(),
            quote: fp.quote.clone(),
            note: fp.note.clone(),
            values,
            defined_in: m.id.clone(),
        };
        match params.iter_mut().find(|q| q.name == *name) {
            Some(q) => *q = param,
            None => params.push(param),
        }
    }

    for (code, bat, fb) in &p.benefits {
        if !is_code(code) {
            errors.push(bat.err(format!("benefits.{code}"), "代码只能用小写字母、数字、_"));
            continue;
        }
        let b = Benefit {
            code: code.clone(),
            title: fb.title.clone(),
            payee: fb.payee,
            note: fb.note.clone(),
        };
        match benefits.iter_mut().find(|x| x.code == *code) {
            Some(x) => *x = b,
            None => benefits.push(b),
        }
    }
    benefits.sort_by(|a, b| a.code.cmp(&b.code));

    // Rules: inherited ones are recompiled against the merged parameters (a child may change a
    // parameter's kind or add benefits); a child's rule with the same id replaces the parent's.
    let scope = ParamNames(&params);
    let mut rules: Vec<Rule> = Vec::new();
    for r in &parent_rules {
        if m.remove_rules.contains(&r.id) {
            continue;
        }
        let Some(benefit) = benefits.iter().position(|b| b.code == r.benefit_code) else {
            continue;
        };
        let when = expr::compile(&r.when_src, Type::Bool, &scope);
        let amount = expr::compile(&r.amount_src, Type::Int, &scope);
        match (when, amount) {
            (Ok(when), Ok(amount)) => rules.push(Rule {
                benefit,
                when,
                amount,
                ..r.clone()
            }),
            (Err(e), _) | (_, Err(e)) => errors.push(at.err(format!("(继承的规则 {})", r.id), e)),
        }
    }
    for rm in &m.remove_rules {
        if !parent_rules.iter().any(|r| r.id == *rm) {
            errors.push(at.err("pack.remove_rules", format!("被继承的政策包中没有规则 `{rm}`")));
        }
    }
    let mut own_ids = BTreeSet::new();
    for (i, (rat, fr)) in p.rules.iter().enumerate() {
        let key = format!("rules[{i}] ({})", fr.id);
        if !is_code(&fr.id) {
            errors.push(rat.err(&key, "id 只能用小写字母、数字、_、-"));
            continue;
        }
        if !own_ids.insert(fr.id.clone()) {
            errors.push(rat.err(&key, "规则 id 重复"));
            continue;
        }
        if fr.clause.trim().is_empty() {
            errors.push(rat.err(&key, "clause 不能为空：每条规则须写明依据条款"));
        }
        let Some(benefit) = benefits.iter().position(|b| b.code == fr.benefit) else {
            errors.push(rat.err(format!("{key}.benefit"), format!("未声明的待遇 `{}`", fr.benefit)));
            continue;
        };
        let when = expr::compile(&fr.when, Type::Bool, &scope).map_err(|e| rat.err(format!("{key}.when"), e));
        let amount = expr::compile(&fr.amount, Type::Int, &scope).map_err(|e| rat.err(format!("{key}.amount"), e));
        let from = fr
            .from
            .as_ref()
            .map(|d| date(d, rat, &format!("{key}.from")))
            .transpose();
        let to = fr.to.as_ref().map(|d| date(d, rat, &format!("{key}.to"))).transpose();
        match (when, amount, from, to) {
            (Ok(when), Ok(amount), Ok(from), Ok(to)) => {
                let rule = Rule {
                    id: fr.id.clone(),
                    benefit,
                    benefit_code: fr.benefit.clone(),
                    title: fr.title.clone(),
                    clause: fr.clause.clone(),
                    when_src: fr.when.clone(),
                    when,
                    amount_src: fr.amount.clone(),
                    amount,
                    from,
                    to,
                    quote: fr.quote.clone(),
                    note: fr.note.clone(),
                    defined_in: m.id.clone(),
                };
                match rules.iter_mut().find(|r| r.id == fr.id) {
                    Some(r) => *r = rule,
                    None => rules.push(rule),
                }
            }
            (Err(e), ..) | (_, Err(e), ..) | (.., Err(e), _) | (.., Err(e)) => errors.push(e),
        }
    }

    for (i, (cat, fc)) in p.coordination.iter().enumerate() {
        let key = format!("coordination[{i}]");
        let idx: Result<Vec<usize>, _> = fc
            .benefits
            .iter()
            .map(|c| {
                benefits
                    .iter()
                    .position(|b| b.code == *c)
                    .ok_or_else(|| cat.err(format!("{key}.benefits"), format!("未声明的待遇 `{c}`")))
            })
            .collect();
        match idx {
            Ok(idx) if idx.len() >= 2 => coordination.push(Coordination {
                kind: fc.kind,
                benefits: idx,
                benefit_codes: fc.benefits.clone(),
                clause: fc.clause.clone(),
                note: fc.note.clone(),
            }),
            Ok(_) => errors.push(cat.err(key, "至少列出两项待遇")),
            Err(e) => errors.push(e),
        }
    }

    // Inherited coordination rules point at benefits by code; the merged list was re-sorted.
    for c in &mut coordination {
        c.benefits = c
            .benefit_codes
            .iter()
            .filter_map(|code| benefits.iter().position(|b| b.code == *code))
            .collect();
    }
    for problem in p.visits.iter().flat_map(|v| v.problems()) {
        errors.push(at.err("visits", problem));
    }
    let known = crate::person::shipped_category_codes();
    for problem in p.waitlist.iter().flat_map(|w| w.problems(&known)) {
        errors.push(at.err("waitlist", problem));
    }
    for problem in crate::policy::targets::check(&p.targets, &p.standards) {
        errors.push(at.err("targets", problem));
    }
    if errors.is_empty() {
        Ok(Pack {
            id: m.id.clone(),
            version: m.version.clone(),
            title: m.title.clone(),
            document: m.document.clone(),
            jurisdiction,
            effective_from,
            effective_to,
            inherits: m.inherits.clone(),
            source: m.source.clone(),
            notes: m.notes.clone(),
            file: at.file.clone(),
            params,
            benefits,
            rules,
            coordination,
            targets: p.targets.clone(),
            standards: p.standards.clone(),
            mzt039_levels,
            visits: p.visits.clone(),
            waitlist: p.waitlist.clone(),
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
#[path = "load_tests.rs"]
mod tests;
