//! Care for the vulnerable (关爱): visits to the people on the visit roster.

pub mod visits;
