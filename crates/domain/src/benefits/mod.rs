//! The monthly benefit run's core, free of I/O: a person's facts as of a month, the lines a
//! pack pays for them, the corrections that settle earlier months, and the run's statuses.
//! The store loads the facts and keeps the lines; everything in between is here.
//!
//! Files: `facts` (a person as the run reads them), `choice` (which pack pays whom), `lines`
//! (lines and corrections), and the kinds and statuses below.

mod choice;
mod facts;
pub mod hold;
mod lines;

pub use choice::{PackChoice, UnknownPack};
pub use facts::{AssessmentFact, PersonFacts, Stay};
pub use lines::{corrections, lines_for, person_lines, Line, Paid, PaidKey};

coded! {
    /// A run's status: computing → draft → reviewed (审核) → approved (审批, by someone other
    /// than the reviewer) → exported. Only a draft can be recomputed. Before approval a run
    /// can end unpaid: rejected (驳回) by its reviewer or approver, or withdrawn (撤回) by its
    /// preparer; either way its lines leave the ledger and the month can be computed anew.
    RunStatus {
        Computing = "computing" / "计算中",
        Draft = "draft" / "待审核",
        Reviewed = "reviewed" / "已审核，待审批",
        Approved = "approved" / "已审批",
        Exported = "exported" / "已导出发放",
        Rejected = "rejected" / "已驳回，不予发放",
        Withdrawn = "withdrawn" / "经办人已撤回",
    }
}

impl RunStatus {
    /// Approved or exported: the month is settled and its lines are paid.
    pub fn is_final(self) -> bool {
        matches!(self, RunStatus::Approved | RunStatus::Exported)
    }

    /// Rejected or withdrawn: the run pays nothing and holds no one's line.
    pub fn is_void(self) -> bool {
        matches!(self, RunStatus::Rejected | RunStatus::Withdrawn)
    }

    /// Still awaiting its signatures: what may be returned, rejected or withdrawn.
    pub fn awaits_signature(self) -> bool {
        matches!(self, RunStatus::Draft | RunStatus::Reviewed)
    }
}

coded! {
    /// What a payment line does for its month.
    LineKind {
        /// The month's own payment.
        Regular = "regular" / "正常",
        /// Paid later for an earlier month, after a change that raised what was due.
        Backpay = "backpay" / "补发",
        /// Taken back for an earlier month (negative), after a change that lowered it.
        Recovery = "recovery" / "追回",
        /// Qualifies, but the figure is not set yet (待定): listed, never paid.
        Pending = "pending" / "待定",
    }
}

coded! {
    /// Who receives a line's money.
    PayeeKind {
        Person = "person" / "本人",
        Institution = "institution" / "机构",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_kinds_read_back_only_from_their_codes_or_labels() {
        for s in RunStatus::ALL {
            assert_eq!(RunStatus::parse(s.code()), Some(*s));
        }
        assert_eq!(RunStatus::parse("finished"), None);
        assert_eq!(LineKind::parse("backpay"), Some(LineKind::Backpay));
        assert_eq!(LineKind::parse("追回"), Some(LineKind::Recovery));
        assert_eq!(LineKind::parse(""), None);
        assert!(RunStatus::Exported.is_final() && !RunStatus::Reviewed.is_final());
    }
}
