//! Planning (规划): the indicators of a division against its packs' targets, and their values
//! kept month by month.

pub mod indicators;
pub mod report;
pub mod residential;
pub mod snapshot;
