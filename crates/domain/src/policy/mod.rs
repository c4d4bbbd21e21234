//! Policy as code: packs of rules that cite their clauses, compiled per month.
//!
//! - [`facts`]: what a rule may know about a person in a month.
//! - [`expr`]: conditions and amounts (CEL syntax) compiled to a typed tree.
//! - [`pack`]: the TOML pack format, validation and inheritance.
//! - [`program`]: a pack compiled for one month, with decisions tabulated and explainable.
//! - [`cases`]: the test cases that ship in each pack's folder.
//! - [`input_row`]: the benchmark's `elders.csv` row format (`benefits simulate`).

pub mod cases;
pub mod construction;
pub mod expr;
pub mod facility;
pub mod facts;
pub mod fidelity;
pub mod input_row;
pub mod local_figures;
pub mod pack;
pub mod program;
pub mod shipped;
pub mod staff_awards;
pub mod targets;
pub mod words;

pub use facts::{Fact, Facts, Flag};
pub use pack::{load, waitlist_rule_for, Pack, PackError, Payee};
pub use program::{MonthProgram, Pay, RuleStatus};
