//! Care for the vulnerable (关爱): visits, one-touch emergency calls, the time bank.

mod demo;
pub mod sos;
pub mod sos_demo;
pub mod sos_desk;
pub mod timebank;
pub mod timebank_demo;
pub mod timebank_ops;
pub mod timebank_pool;
pub mod visit_photos;
pub mod visits;
