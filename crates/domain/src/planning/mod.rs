//! Planning (规划): the 15-minute service circle's coverage and the siting of new facilities;
//! the indicators the documents set targets on.

pub mod circle;
pub mod indicators;
pub mod report;
pub mod residential;
