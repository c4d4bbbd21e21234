//! Roles and what each may do. Every account also carries a division scope; what a role
//! may do, it may do only inside that scope.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 民政管理员: civil-affairs staff at province, city, county or township level.
    CivilAffairs,
    /// 机构工作人员: staff of one care institution.
    Institution,
    /// 服务商工作人员: staff of a home- or community-care provider.
    Provider,
    /// 评估员: capability assessor.
    Assessor,
    /// 监管检查员: inspector.
    Inspector,
    /// 只读审计员: read-only auditor.
    Auditor,
    /// 待遇审核员: checks a computed benefit run (审核).
    Reviewer,
    /// 待遇审批人: approves a reviewed run for payment (审批); must not be the reviewer.
    Approver,
    /// 系统管理员: keeps the settings of their own division (province or county) and reads
    /// its audit log; sees no personal records.
    Admin,
    /// 探访员: a community worker, village cadre, volunteer or 网格员 who visits the people
    /// assigned to them (探访关爱); sees those people only.
    Visitor,
    /// 老年人及家属: an older person or a family member who signed up with a mobile number;
    /// reaches only the people linked to the account (after a clerk confirmed the link).
    Family,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the register's lists and records (ID numbers masked).
    PersonRead,
    /// See a record's full ID number; every such view is audited.
    PersonFullId,
    /// Create and edit records, import files.
    PersonWrite,
    /// Read the audit log.
    AuditRead,
    /// See benefit runs, their lines and explanations.
    BenefitRead,
    /// Compute a month's benefit run (经办).
    BenefitPrepare,
    /// Review a computed run (审核).
    BenefitReview,
    /// Approve a reviewed run and export the disbursement files (审批).
    BenefitApprove,
    /// See institutions and their beds (institution staff: only their own).
    InstitutionRead,
    /// Register institutions and assign operators (公建民营).
    InstitutionWrite,
    /// Add beds and change a bed's status (institution staff: in their own institution).
    BedWrite,
    /// Fill in and record a GB/T 42195-2022 assessment (two assessors).
    AssessmentWrite,
    /// Ask for an immediate reassessment when a person's condition changed.
    AssessmentRequest,
    /// Change the settings of one's own division (province or county level: how long an
    /// assessment stays valid, grading thresholds).
    SettingsWrite,
    /// Admit, transfer, give leave to, discharge residents and record deaths; keep the staff
    /// roster (institution staff: in their own institution).
    ResidentWrite,
    /// See community and rural facilities (mutual-aid sites, day-care centres) and their subsidies.
    FacilityRead,
    /// Register facilities and change their status.
    FacilityWrite,
    /// Keep the public-institution waitlist: applications, offers and their decisions.
    WaitlistWrite,
    /// Record a GB/T 37276-2018 grading evaluation.
    GradingWrite,
    /// Create accounts inside one's own division.
    AccountWrite,
    /// Accept or return a back-dated (补录) assessment.
    AssessmentReview,
    /// See random-inspection batches, inspections and the hazard list (inspectors: their own
    /// inspections; institution staff: their own institution's results and hazards).
    SupervisionRead,
    /// Plan, publish and draw a batch; publish results (一公开).
    SupervisionPlan,
    /// Record and confirm an inspection; verify a reported rectification.
    InspectionWrite,
    /// Report for one's own institution: answer an inspection, report a hazard's
    /// rectification, the monthly prepaid-fee report, emergency plans and drills.
    HazardRectify,
    /// State one's own institution's or provider's side of a complaint about it (情况说明),
    /// for the county to read before it answers.
    ComplaintExplain,
    /// See the indicators of one's division against the targets (aggregates, no one's record),
    /// and the register of residential projects' care premises (四同步).
    IndicatorRead,
    /// Register residential projects and sign their 四同步 steps for civil affairs.
    PlanningWrite,
    /// See the visit roster and the visits of one's division, and assign visitors.
    VisitManage,
    /// Record a visit to a person assigned to oneself (civil-affairs staff: anyone on the
    /// roster in their division).
    VisitWrite,
    /// See home-service providers, orders and service records (provider staff: their own).
    ServiceRead,
    /// Register providers and the county's purchase of services, confirm family links, order
    /// on an older person's behalf, confirm a service by call-back.
    ServiceManage,
    /// Accept, assign and deliver orders for one's own provider; keep its catalogue.
    ServiceDeliver,
    /// Order services for oneself or a linked older person, confirm and rate them.
    ServiceOrder,
    /// See the emergency calls of one's division, their devices and response times.
    SosRead,
    /// Answer emergency calls at the duty desk, register devices, keep the duty roster.
    SosRespond,
    /// Keep one's own time bank account: bank hours, redeem, transfer, donate.
    TimebankUse,
    /// See the time bank's requests at one's places, accounts and monthly hours.
    TimebankRead,
    /// Confirm a service given or received at one's place; give the county's donated hours.
    TimebankConfirm,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::CivilAffairs,
        Role::Institution,
        Role::Provider,
        Role::Assessor,
        Role::Inspector,
        Role::Auditor,
        Role::Reviewer,
        Role::Approver,
        Role::Admin,
        Role::Visitor,
        Role::Family,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::CivilAffairs => "civil_affairs",
            Role::Institution => "institution",
            Role::Provider => "provider",
            Role::Assessor => "assessor",
            Role::Inspector => "inspector",
            Role::Auditor => "auditor",
            Role::Reviewer => "reviewer",
            Role::Approver => "approver",
            Role::Admin => "admin",
            Role::Visitor => "visitor",
            Role::Family => "family",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::CivilAffairs => "民政管理员",
            Role::Institution => "机构工作人员",
            Role::Provider => "服务商工作人员",
            Role::Assessor => "评估员",
            Role::Inspector => "监管检查员",
            Role::Auditor => "只读审计员",
            Role::Reviewer => "待遇审核员",
            Role::Approver => "待遇审批人",
            Role::Admin => "系统管理员",
            Role::Visitor => "探访员",
            Role::Family => "老年人及家属",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s || r.label() == s)
    }

    /// The access matrix. Institution and provider staff and inspectors reach people
    /// through their own work (residents, orders, inspections) once those modules exist,
    /// not through the whole register.
    pub fn may(self, p: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match p {
            PersonRead => matches!(self, CivilAffairs | Assessor | Auditor | Reviewer | Approver),
            PersonFullId => matches!(self, CivilAffairs | Assessor | Auditor | Reviewer | Approver),
            PersonWrite => matches!(self, CivilAffairs),
            AuditRead => matches!(self, CivilAffairs | Auditor | Admin),
            BenefitRead => matches!(self, CivilAffairs | Auditor | Reviewer | Approver),
            BenefitPrepare => matches!(self, CivilAffairs),
            BenefitReview => matches!(self, Reviewer),
            BenefitApprove => matches!(self, Approver),
            InstitutionRead => matches!(self, CivilAffairs | Institution | Inspector | Auditor),
            InstitutionWrite => matches!(self, CivilAffairs),
            BedWrite => matches!(self, CivilAffairs | Institution),
            AssessmentWrite => matches!(self, Assessor),
            AssessmentRequest => matches!(self, CivilAffairs | Assessor),
            SettingsWrite => matches!(self, Admin),
            ResidentWrite => matches!(self, CivilAffairs | Institution),
            WaitlistWrite => matches!(self, CivilAffairs),
            GradingWrite => matches!(self, CivilAffairs),
            FacilityRead => matches!(self, CivilAffairs | Provider | Inspector | Auditor),
            FacilityWrite => matches!(self, CivilAffairs),
            AccountWrite => matches!(self, Admin),
            AssessmentReview => matches!(self, CivilAffairs),
            SupervisionRead => matches!(self, CivilAffairs | Inspector | Auditor | Institution | Provider),
            SupervisionPlan => matches!(self, CivilAffairs),
            InspectionWrite => matches!(self, Inspector),
            HazardRectify => matches!(self, Institution | Provider),
            ComplaintExplain => matches!(self, Institution | Provider),
            IndicatorRead => matches!(self, CivilAffairs | Inspector | Auditor | Reviewer | Approver),
            PlanningWrite => matches!(self, CivilAffairs),
            VisitManage => matches!(self, CivilAffairs | Auditor),
            VisitWrite => matches!(self, CivilAffairs | Visitor),
            ServiceRead => matches!(self, CivilAffairs | Provider | Auditor | Reviewer | Approver),
            ServiceManage => matches!(self, CivilAffairs),
            ServiceDeliver => matches!(self, Provider),
            ServiceOrder => matches!(self, Family),
            SosRead => matches!(self, CivilAffairs | Auditor),
            SosRespond => matches!(self, CivilAffairs),
            TimebankUse => matches!(self, Family),
            TimebankRead => matches!(self, CivilAffairs | Institution | Auditor),
            TimebankConfirm => matches!(self, CivilAffairs | Institution),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_civil_affairs_staff_may_write_the_register() {
        for r in Role::ALL {
            assert_eq!(r.may(Permission::PersonWrite), r == Role::CivilAffairs, "{r:?}");
        }
    }

    #[test]
    fn preparing_reviewing_and_approving_a_run_are_three_different_roles() {
        for r in Role::ALL {
            let n = [
                Permission::BenefitPrepare,
                Permission::BenefitReview,
                Permission::BenefitApprove,
            ]
            .iter()
            .filter(|p| r.may(**p))
            .count();
            assert!(n <= 1, "{r:?} holds more than one step of the run");
        }
    }

    #[test]
    fn who_plans_a_draw_never_inspects_and_who_inspects_never_rectifies() {
        for r in Role::ALL {
            assert!(
                !(r.may(Permission::SupervisionPlan) && r.may(Permission::InspectionWrite)),
                "{r:?}"
            );
            assert!(
                !(r.may(Permission::InspectionWrite) && r.may(Permission::HazardRectify)),
                "{r:?}"
            );
        }
    }

    #[test]
    fn roles_parse_from_code_and_label() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.code()), Some(r));
            assert_eq!(Role::parse(r.label()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
