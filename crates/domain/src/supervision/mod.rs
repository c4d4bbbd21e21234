//! Supervision (综合监管): random inspections drawn verifiably (双随机、一公开), their
//! checklists and findings, and the hazards they open; credit, complaints and prepaid fees.

pub mod complaint;
pub mod credit;
pub mod draw;
pub mod emergency;
pub mod inspection;
pub mod object;
pub mod prepaid;
