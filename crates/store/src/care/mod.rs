//! Care for the vulnerable (关爱): visits.

mod demo;
pub mod visits;
