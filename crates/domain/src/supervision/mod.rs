//! Supervision (综合监管): random inspections drawn verifiably (双随机、一公开), their
//! checklists and findings, and the hazards they open; credit, complaints and prepaid fees.

/// A status or kind stored as a code and shown by its label: `parse` takes either and fails on
/// anything else, as the `CHECK` constraints in both migration folders do.
macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal / $label:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)+];
            pub fn code(self) -> &'static str { match self { $($name::$v => $code,)+ } }
            pub fn label(self) -> &'static str { match self { $($name::$v => $label,)+ } }
            /// From its code or its label; `None` for anything else.
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|x| x.code() == s || x.label() == s)
            }
        }
    };
}

pub mod complaint;
pub mod credit;
pub mod draw;
pub mod emergency;
pub mod inspection;
pub mod prepaid;
