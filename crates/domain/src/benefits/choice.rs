//! Which pack pays whom: a fixed pack, or the most specific in force whose jurisdiction
//! contains the division.

use std::collections::HashMap;

use crate::dates::Month;
use crate::policy::{MonthProgram, Pack};
use crate::DivisionCode;

/// A run named a pack that is not loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("没有政策包 `{0}`")]
pub struct UnknownPack(pub String);

/// Picks each person's pack: a fixed one, or the most specific in force whose jurisdiction
/// contains the person's household registration. Remembers its answer per division.
pub struct PackChoice<'p> {
    programs: Vec<MonthProgram<'p>>,
    fixed: Option<usize>,
    by_division: HashMap<String, Option<usize>>,
}

impl<'p> PackChoice<'p> {
    pub fn new(packs: &'p [Pack], month: Month, fixed: Option<&str>) -> Result<PackChoice<'p>, UnknownPack> {
        let (d0, d1) = (month.first_day(), month.last_day());
        let candidates: Vec<&Pack> = match fixed {
            Some(id) => vec![packs
                .iter()
                .find(|p| p.id == id)
                .ok_or_else(|| UnknownPack(id.to_string()))?],
            None => packs
                .iter()
                .filter(|p| p.jurisdiction.is_some() && p.in_force(d0, d1))
                .collect(),
        };
        Ok(PackChoice {
            programs: candidates.iter().map(|p| MonthProgram::new(p, month)).collect(),
            fixed: fixed.map(|_| 0),
            by_division: HashMap::new(),
        })
    }

    /// Every pack the choice may answer with, compiled for the month.
    pub fn programs(&self) -> &[MonthProgram<'p>] {
        &self.programs
    }

    /// The program that pays for people of `division`, if any pack covers it.
    pub fn program(&mut self, division: &str) -> Option<&MonthProgram<'p>> {
        let i = match self.fixed {
            Some(i) => Some(i),
            None => {
                let programs = &self.programs;
                *self.by_division.entry(division.to_string()).or_insert_with(|| {
                    let code = DivisionCode::from_canonical(division.to_string());
                    programs
                        .iter()
                        .enumerate()
                        .filter(|(_, p)| p.pack.jurisdiction.as_ref().is_some_and(|j| j.contains(&code)))
                        .max_by_key(|(_, p)| p.pack.jurisdiction.as_ref().map_or(0, |j| j.as_str().len()))
                        .map(|(i, _)| i)
                })
            }
        };
        i.map(|i| &self.programs[i])
    }
}
