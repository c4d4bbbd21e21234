//! The verifiable random draw of 双随机、一公开, version 1 (`standards/random-draw.md`).
//!
//! Anyone holding a batch's published inputs can redo the draw with a few lines of any
//! language: the seed is the SHA-256 of a canonical text of the inputs, each object's key
//! and each candidate inspector's key are SHA-256 of the seed and their ids, and the smallest
//! keys win. Nothing here reads a clock, a random source or a database, so the same inputs give
//! the same draw on any machine, in any order the lists are written.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub const VERSION: &str = "yiyang-draw-v1";

/// A batch as it is written in a file (`inspect draw --input BATCH.json`) or published.
/// Nothing is checked yet: [`Batch::parse`] does that once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchFile {
    pub batch: String,
    pub public_value: String,
    pub per_object: i64,
    pub ratios: BTreeMap<String, i64>,
    pub objects: Vec<ObjectEntry>,
    pub inspectors: Vec<InspectorEntry>,
    #[serde(default)]
    pub conflicts: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectEntry {
    pub id: String,
    pub stratum: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InspectorEntry {
    pub id: String,
}

/// What is wrong with a batch, naming the item (`objects[3]`, `ratios.provider`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchError {
    pub item: String,
    pub message: String,
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}：{}", self.item, self.message)
    }
}

/// A batch that the draw can run on: every rule of the spec holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    batch: String,
    public_value: String,
    per_object: usize,
    ratios: BTreeMap<String, u32>,
    /// id → stratum, in id order.
    objects: BTreeMap<String, String>,
    inspectors: BTreeSet<String>,
    /// (inspector, object); a duplicate pair counts once.
    conflicts: BTreeSet<(String, String)>,
}

/// The draw's result, as the spec writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draw {
    pub version: String,
    pub batch: String,
    pub seed: String,
    pub objects: Vec<DrawnObject>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawnObject {
    pub id: String,
    pub stratum: String,
    pub key: String,
    pub inspectors: Vec<String>,
}

/// Why a valid batch could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrawError {
    /// Fewer inspectors without a conflict than `per_object` for this object.
    TooFewInspectors {
        object: String,
        candidates: usize,
        needed: usize,
    },
}

impl fmt::Display for DrawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DrawError::TooFewInspectors {
                object,
                candidates,
                needed,
            } => write!(
                f,
                "检查对象 {object} 只有 {candidates} 名无回避关系的检查人员，每个对象需要 {needed} 名；未抽取"
            ),
        }
    }
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The public value as the canonical text writes it: each run of whitespace one space, trimmed.
pub fn normalise_public_value(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_whitespace)
}

fn is_stratum_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl Batch {
    /// Checks every rule of the spec and answers all that fail, each naming its item.
    pub fn parse(file: &BatchFile) -> Result<Batch, Vec<BatchError>> {
        let mut errors = Vec::new();
        let mut err = |item: String, message: String| errors.push(BatchError { item, message });
        if !is_token(&file.batch) {
            err("batch".into(), "批次编号不能为空，也不能含空白".into());
        }
        let public_value = normalise_public_value(&file.public_value);
        if public_value.is_empty() {
            err("public_value".into(), "公开随机值不能为空".into());
        }
        if file.per_object < 1 {
            err(
                "per_object".into(),
                format!("每个对象的检查人员数须至少为 1，现为 {}", file.per_object),
            );
        } else if file.per_object > 100 {
            err(
                "per_object".into(),
                format!("每个对象的检查人员数最多 100，现为 {}", file.per_object),
            );
        }
        let mut ratios = BTreeMap::new();
        for (stratum, &p) in &file.ratios {
            if !is_stratum_name(stratum) {
                err(
                    format!("ratios.{stratum}"),
                    "分层名称只能由小写字母、数字和下划线组成".into(),
                );
            } else if !(0..=100).contains(&p) {
                err(
                    format!("ratios.{stratum}"),
                    format!("抽查比例须为 0–100 的整数百分比，现为 {p}"),
                );
            } else {
                ratios.insert(stratum.clone(), p as u32);
            }
        }
        let mut objects = BTreeMap::new();
        for (i, o) in file.objects.iter().enumerate() {
            let item = format!("objects[{i}]（{}）", o.id);
            if !is_token(&o.id) {
                err(item, "对象编号不能为空，也不能含空白".into());
            } else if !file.ratios.contains_key(&o.stratum) {
                err(item, format!("分层「{}」没有抽查比例（ratios）", o.stratum));
            } else if objects.insert(o.id.clone(), o.stratum.clone()).is_some() {
                err(item, "对象编号重复".into());
            }
        }
        if file.objects.is_empty() {
            err("objects".into(), "批次没有检查对象".into());
        }
        let mut inspectors = BTreeSet::new();
        for (i, x) in file.inspectors.iter().enumerate() {
            let item = format!("inspectors[{i}]（{}）", x.id);
            if !is_token(&x.id) {
                err(item, "检查人员编号不能为空，也不能含空白".into());
            } else if !inspectors.insert(x.id.clone()) {
                err(item, "检查人员编号重复".into());
            }
        }
        if file.inspectors.is_empty() {
            err("inspectors".into(), "批次没有检查人员".into());
        }
        let mut conflicts = BTreeSet::new();
        for (i, (x, o)) in file.conflicts.iter().enumerate() {
            let item = format!("conflicts[{i}]（{x} {o}）");
            if !file.inspectors.iter().any(|e| &e.id == x) {
                err(item, format!("检查人员 {x} 不在本批次的检查人员名单中"));
            } else if !file.objects.iter().any(|e| &e.id == o) {
                err(item, format!("对象 {o} 不在本批次的检查对象名单中"));
            } else {
                conflicts.insert((x.clone(), o.clone()));
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Batch {
            batch: file.batch.clone(),
            public_value,
            per_object: file.per_object as usize,
            ratios,
            objects,
            inspectors,
            conflicts,
        })
    }

    pub fn name(&self) -> &str {
        &self.batch
    }

    /// The canonical text whose SHA-256 is the seed, exactly as the spec lays it out.
    pub fn canonical_text(&self) -> String {
        let mut t = format!(
            "{VERSION}\nbatch {}\npublic_value {}\nper_object {}\n",
            self.batch, self.public_value, self.per_object
        );
        for (s, p) in &self.ratios {
            t.push_str(&format!("ratio {s} {p}\n"));
        }
        for (id, s) in &self.objects {
            t.push_str(&format!("object {id} {s}\n"));
        }
        for id in &self.inspectors {
            t.push_str(&format!("inspector {id}\n"));
        }
        for (x, o) in &self.conflicts {
            t.push_str(&format!("conflict {x} {o}\n"));
        }
        t
    }

    pub fn seed(&self) -> String {
        sha256_hex(&self.canonical_text())
    }

    /// Draws the objects per stratum and assigns inspectors to them.
    pub fn draw(&self) -> Result<Draw, DrawError> {
        let seed = self.seed();
        let mut by_stratum: BTreeMap<&str, Vec<(String, &str)>> = BTreeMap::new();
        for (id, s) in &self.objects {
            let key = sha256_hex(&format!("{seed}:object:{id}"));
            by_stratum.entry(s.as_str()).or_default().push((key, id.as_str()));
        }
        let mut drawn: Vec<(String, &str, &str)> = Vec::new();
        for (stratum, mut keyed) in by_stratum {
            let p = self.ratios[stratum] as usize;
            let n = (keyed.len() * p).div_ceil(100);
            keyed.sort();
            drawn.extend(keyed.into_iter().take(n).map(|(k, id)| (k, id, stratum)));
        }
        drawn.sort();
        let mut load: BTreeMap<&str, usize> = self.inspectors.iter().map(|x| (x.as_str(), 0)).collect();
        let mut objects = Vec::with_capacity(drawn.len());
        for (key, id, stratum) in drawn {
            let mut candidates: Vec<(usize, String, &str)> = self
                .inspectors
                .iter()
                .filter(|x| !self.conflicts.contains(&((*x).clone(), id.to_string())))
                .map(|x| {
                    (
                        load[x.as_str()],
                        sha256_hex(&format!("{seed}:inspector:{id}:{x}")),
                        x.as_str(),
                    )
                })
                .collect();
            if candidates.len() < self.per_object {
                return Err(DrawError::TooFewInspectors {
                    object: id.to_string(),
                    candidates: candidates.len(),
                    needed: self.per_object,
                });
            }
            candidates.sort();
            let picked: Vec<String> = candidates
                .iter()
                .take(self.per_object)
                .map(|c| c.2.to_string())
                .collect();
            for x in &picked {
                *load.get_mut(x.as_str()).expect("a candidate is an inspector") += 1;
            }
            objects.push(DrawnObject {
                id: id.to_string(),
                stratum: stratum.to_string(),
                key,
                inspectors: picked,
            });
        }
        Ok(Draw {
            version: VERSION.into(),
            batch: self.batch.clone(),
            seed,
            objects,
        })
    }

    /// Whether `claimed` is the draw these inputs give; otherwise the first difference, in words.
    pub fn verify(&self, claimed: &Draw) -> Result<(), String> {
        let ours = self.draw().map_err(|e| format!("这些输入无法抽取：{e}"))?;
        if claimed.version != ours.version {
            return Err(format!(
                "版本不同：结果文件为 {}，应为 {}",
                claimed.version, ours.version
            ));
        }
        if claimed.batch != ours.batch {
            return Err(format!(
                "批次编号不同：结果文件为 {}，应为 {}",
                claimed.batch, ours.batch
            ));
        }
        if claimed.seed != ours.seed {
            return Err(format!("种子不同：结果文件为 {}，输入给出 {}", claimed.seed, ours.seed));
        }
        for (i, (c, o)) in claimed.objects.iter().zip(&ours.objects).enumerate() {
            let at = format!("第 {} 个抽中对象", i + 1);
            if c.id != o.id {
                return Err(format!("{at}不同：结果文件为 {}，应为 {}", c.id, o.id));
            }
            if c.stratum != o.stratum {
                return Err(format!(
                    "{at}（{}）的分层不同：结果文件为 {}，应为 {}",
                    o.id, c.stratum, o.stratum
                ));
            }
            if c.key != o.key {
                return Err(format!(
                    "{at}（{}）的 key 不同：结果文件为 {}，应为 {}",
                    o.id, c.key, o.key
                ));
            }
            if c.inspectors != o.inspectors {
                return Err(format!(
                    "{at}（{}）的检查人员不同：结果文件为 {}，应为 {}",
                    o.id,
                    c.inspectors.join("、"),
                    o.inspectors.join("、")
                ));
            }
        }
        if claimed.objects.len() != ours.objects.len() {
            return Err(format!(
                "抽中对象数不同：结果文件为 {} 个，应为 {} 个",
                claimed.objects.len(),
                ours.objects.len()
            ));
        }
        Ok(())
    }
}

impl Draw {
    /// The draw as JSON, laid out as the spec's worked example is (one-space indent).
    pub fn to_json(&self) -> String {
        let mut out = Vec::new();
        let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
        let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
        self.serialize(&mut ser).expect("a draw always serialises");
        String::from_utf8(out).expect("serde_json writes UTF-8")
    }
}

#[cfg(test)]
#[path = "draw_tests.rs"]
mod tests;
