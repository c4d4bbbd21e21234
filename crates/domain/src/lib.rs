//! Yiyang's domain: the types and rules of the elderly-care service system, free of I/O.

pub mod account;
pub mod assessment;
pub mod assessment_form;
pub mod assessment_review;
pub mod category_history;
pub mod dates;
pub mod division;
pub mod id_number;
pub mod institution;
pub mod money;
pub mod person;
pub mod planning;
pub mod policy;
pub mod role;
pub mod staff;
pub mod supervision;
pub mod text;

pub use division::DivisionCode;
pub use id_number::IdNumber;
pub use money::Fen;
