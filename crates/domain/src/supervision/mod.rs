//! Supervision (综合监管): random inspections drawn verifiably (双随机、一公开), their
//! checklists and findings, and the hazards they open.

pub mod draw;
pub mod inspection;
