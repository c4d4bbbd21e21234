//! Care for the vulnerable (关爱): visits to the people on the visit roster, one-touch
//! emergency calls, and the time bank.

pub mod sos;
pub mod timebank;
pub mod visits;
