//! Planning (规划): the indicators of a division against its packs' targets.

pub mod indicators;
