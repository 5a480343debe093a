//! The notes built into the binary (`data/*.md`), so confnotes works with no setup.

/// (file name, contents) of every bundled note.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "2017-12-kubecon-na.md",
        include_str!("../../data/2017-12-kubecon-na.md"),
    ),
    (
        "2018-04-container-days.md",
        include_str!("../../data/2018-04-container-days.md"),
    ),
    (
        "2019-03-k8s-day.md",
        include_str!("../../data/2019-03-k8s-day.md"),
    ),
    (
        "2019-07-k8s-meetup-tokyo-21.md",
        include_str!("../../data/2019-07-k8s-meetup-tokyo-21.md"),
    ),
    ("2019-07-cndt.md", include_str!("../../data/2019-07-cndt.md")),
];

/// How bundled notes are named in messages and link resolution.
pub const BUNDLED_ROOT: &str = "data";
