//! Yiyang's domain: the types and rules of the elderly-care service system, free of I/O.

#[macro_use]
mod coded {
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
}

pub mod account;
pub mod assessment;
pub mod assessment_form;
pub mod assessment_review;
pub mod benefits;
pub mod care;
pub mod category_history;
pub mod dates;
pub mod division;
pub mod id_number;
pub mod institution;
pub mod money;
pub mod name_search;
pub mod person;
pub mod planning;
pub mod policy;
pub mod role;
pub mod services;
pub mod staff;
pub mod supervision;
pub mod text;

pub use division::DivisionCode;
pub use id_number::IdNumber;
pub use money::Fen;
