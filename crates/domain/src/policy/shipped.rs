//! The packs that ship with Yiyang, embedded at build time from `policy-packs/`.
//!
//! A deployment can load further packs from a folder (`--packs DIR`); these are the defaults.

use super::pack::{load, Pack};

macro_rules! packs {
    ($($id:literal),* $(,)?) => {
        /// `(file, pack.toml text, tests.toml text)` for every shipped pack.
        pub const FILES: &[(&str, &str, &str)] = &[
            $((
                concat!("policy-packs/", $id, "/pack.toml"),
                include_str!(concat!("../../../../policy-packs/", $id, "/pack.toml")),
                include_str!(concat!("../../../../policy-packs/", $id, "/tests.toml")),
            ),)*
        ];
    };
}

packs![
    "bench",
    "huichang-2021",
    "jiangxi-2022",
    "qingshen-2023",
    "taiyuan-2020",
    "xinjiang-2019"
];

/// The `(file, text)` pairs of the shipped packs, ready for [`load`].
pub fn sources() -> Vec<(String, String)> {
    FILES.iter().map(|(f, t, _)| (f.to_string(), t.to_string())).collect()
}

/// The shipped packs. They are validated by this crate's tests, so failing here is a build bug.
pub fn packs() -> Vec<Pack> {
    load(&sources()).unwrap_or_else(|e| {
        panic!(
            "shipped policy packs are invalid: {}",
            e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
        )
    })
}

/// The demo county's local figures (`policy-packs/demo-local-figures.toml`, every one marked
/// as demo): what a database loaded with the demo applies on top of the shipped packs.
pub const DEMO_FIGURES: &str = include_str!("../../../../policy-packs/demo-local-figures.toml");

/// The shipped packs with the demo's local figures filled in.
pub fn packs_with_demo_figures() -> Vec<Pack> {
    super::local_figures::apply(&packs(), "policy-packs/demo-local-figures.toml", DEMO_FIGURES).unwrap_or_else(|e| {
        panic!(
            "demo local figures are invalid: {}",
            e.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
        )
    })
}

/// The shipped packs with the demo county's local figures, and the same figures set for the
/// province's own pack (as if Jiangxi's other counties had set theirs): what the benchmark
/// and the tests over several Jiangxi counties compute with.
pub fn packs_with_demo_figures_across_jiangxi() -> Vec<Pack> {
    let province = DEMO_FIGURES.replace("pack = \"huichang-2021\"", "pack = \"jiangxi-2022\"");
    super::local_figures::apply(
        &packs_with_demo_figures(),
        "demo-local-figures.toml (jiangxi-2022)",
        &province,
    )
    .unwrap_or_else(|e| panic!("demo local figures for the province are invalid: {e:?}"))
}
