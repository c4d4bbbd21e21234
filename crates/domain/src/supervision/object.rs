//! What supervision looks at (检查对象): a care institution (养老机构), a home- or
//! community-care provider (居家社区养老服务组织), or a community facility of the register —
//! a day-care centre, a mutual-aid site, a meal point (社区养老服务设施、老年助餐点). Inspections,
//! hazards, conflicts of interest and the credit record each name one object, of one kind.

use std::fmt;

coded!(
    /// The register an object is on. Its code is also the stem of its strata in a batch
    /// (`provider`, `provider_risk`).
    ObjectKind {
        Institution = "institution" / "养老机构",
        Provider = "provider" / "居家社区养老服务组织",
        Facility = "facility" / "社区养老服务设施",
    }
);

impl ObjectKind {
    /// The stratum an object of this kind is drawn in: the ordinary one, or the 重点对象 one
    /// for objects with a poor credit record, an upheld complaint or an unclosed hazard.
    pub fn stratum(self, risk: bool) -> String {
        if risk {
            format!("{}_risk", self.code())
        } else {
            self.code().to_string()
        }
    }
}

/// One object: its kind and its id on that kind's register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct ObjectRef {
    pub kind: ObjectKind,
    pub id: i64,
}

impl ObjectRef {
    pub fn institution(id: i64) -> ObjectRef {
        ObjectRef {
            kind: ObjectKind::Institution,
            id,
        }
    }
    pub fn provider(id: i64) -> ObjectRef {
        ObjectRef {
            kind: ObjectKind::Provider,
            id,
        }
    }
    pub fn facility(id: i64) -> ObjectRef {
        ObjectRef {
            kind: ObjectKind::Facility,
            id,
        }
    }

    /// Reads the key a form posts (`provider:3`); anything else is no object.
    pub fn parse(s: &str) -> Option<ObjectRef> {
        let (kind, id) = s.trim().split_once(':')?;
        let kind = ObjectKind::parse(kind)?;
        let id: i64 = id.parse().ok().filter(|n| *n > 0)?;
        Some(ObjectRef { kind, id })
    }

    /// The object a row names through its three columns (exactly one of them set, as the
    /// `CHECK` constraints of the tables keep it).
    pub fn from_columns(institution: Option<i64>, provider: Option<i64>, facility: Option<i64>) -> Option<ObjectRef> {
        match (institution, provider, facility) {
            (Some(id), None, None) => Some(ObjectRef::institution(id)),
            (None, Some(id), None) => Some(ObjectRef::provider(id)),
            (None, None, Some(id)) => Some(ObjectRef::facility(id)),
            _ => None,
        }
    }

    /// The three columns to write: (institution_id, provider_id, facility_id).
    pub fn columns(self) -> (Option<i64>, Option<i64>, Option<i64>) {
        let is = |k| (self.kind == k).then_some(self.id);
        (
            is(ObjectKind::Institution),
            is(ObjectKind::Provider),
            is(ObjectKind::Facility),
        )
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.code(), self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reads_back_as_the_object_it_was_written_from() {
        for o in [
            ObjectRef::institution(7),
            ObjectRef::provider(3),
            ObjectRef::facility(12),
        ] {
            assert_eq!(ObjectRef::parse(&o.to_string()), Some(o));
            let (i, p, f) = o.columns();
            assert_eq!(ObjectRef::from_columns(i, p, f), Some(o));
        }
        for bad in [
            "",
            "provider",
            "provider:",
            "provider:0",
            "provider:-1",
            "shop:3",
            "provider:3x",
        ] {
            assert_eq!(ObjectRef::parse(bad), None, "{bad}");
        }
        assert_eq!(ObjectRef::from_columns(Some(1), Some(2), None), None);
        assert_eq!(ObjectRef::from_columns(None, None, None), None);
    }

    #[test]
    fn each_kind_has_its_own_strata() {
        assert_eq!(ObjectKind::Institution.stratum(false), "institution");
        assert_eq!(ObjectKind::Provider.stratum(true), "provider_risk");
        assert_eq!(ObjectKind::Facility.label(), "社区养老服务设施");
    }
}
