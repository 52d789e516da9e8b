//! Step coverage of a vector suite: for every step of `uaf-rp` ([`StepId::ALL`], the rows of
//! `docs/spec-steps.md`), the vectors that pass it and the vectors that fail at it.
//!
//! A vector is **positive** for a step when it passes, expects success (1200) and names the
//! step's digest label in `steps`. It is **negative** for a step when it passes, is rejected,
//! and the relying party's failing step ([`uaf_rp::Error::step`], or the decisive step inside
//! "no assertion verified") is that step. A rejected vector whose `steps` does not name its
//! decisive step is reported as inconsistent.

use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

use uaf_rp::step::StepId;

use crate::suite::Entry;

/// The vectors of one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepCoverage {
    /// The step.
    pub step: StepId,
    /// Ids of the vectors that pass it (expecting 1200).
    pub positive: Vec<String>,
    /// Ids of the vectors rejected at it.
    pub negative: Vec<String>,
}

impl StepCoverage {
    /// Whether the step has a positive and a negative vector.
    #[must_use]
    pub fn both_ways(&self) -> bool {
        !self.positive.is_empty() && !self.negative.is_empty()
    }
}

/// The coverage of a suite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    /// One row per step, in processing order.
    pub steps: Vec<StepCoverage>,
    /// Vectors that did not pass or are invalid (they count for nothing).
    pub not_passing: Vec<String>,
    /// Rejected vectors whose `steps` does not name the step that rejected them.
    pub inconsistent: Vec<String>,
}

impl Coverage {
    /// Computes the coverage of run `entries`.
    #[must_use]
    pub fn of(entries: &[Entry]) -> Coverage {
        let mut steps: Vec<StepCoverage> = StepId::ALL
            .iter()
            .map(|s| StepCoverage {
                step: *s,
                positive: Vec::new(),
                negative: Vec::new(),
            })
            .collect();
        let mut not_passing = Vec::new();
        let mut inconsistent = Vec::new();
        for e in entries {
            let Entry::Ran { vector, judged, .. } = e else {
                not_passing.push(alloc::format!("{} (invalid)", e.file().display()));
                continue;
            };
            if !judged.passed() {
                not_passing.push(vector.id.clone());
                continue;
            }
            match &judged.outcome.failure {
                None if vector.expect.status.is_success() => {
                    for row in &mut steps {
                        if vector.steps.iter().any(|l| l == row.step.digest_label()) {
                            row.positive.push(vector.id.clone());
                        }
                    }
                }
                None => {}
                Some(f) => {
                    if !vector.steps.iter().any(|l| l == f.step.digest_label()) {
                        inconsistent.push(alloc::format!(
                            "{}: rejected at {} ({}), but `steps` names {}",
                            vector.id,
                            f.step.id(),
                            f.step.digest_label(),
                            vector.steps.join(", ")
                        ));
                    }
                    let failed: BTreeSet<StepId> = [f.step, f.outer_step].into_iter().collect();
                    for row in &mut steps {
                        if failed.contains(&row.step) {
                            row.negative.push(vector.id.clone());
                        }
                    }
                }
            }
        }
        Coverage {
            steps,
            not_passing,
            inconsistent,
        }
    }

    /// The steps lacking a positive or a negative vector.
    #[must_use]
    pub fn gaps(&self) -> Vec<&StepCoverage> {
        self.steps.iter().filter(|s| !s.both_ways()).collect()
    }

    /// Whether every step is covered both ways, every vector passed and every rejected
    /// vector names its step.
    #[must_use]
    pub fn complete(&self) -> bool {
        self.gaps().is_empty() && self.not_passing.is_empty() && self.inconsistent.is_empty()
    }

    /// A plain-text table.
    #[must_use]
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<9} {:<10} {:>8} {:>8}  example (positive / negative)",
            "step", "digest", "positive", "negative"
        );
        for s in &self.steps {
            let _ = writeln!(
                out,
                "{:<9} {:<10} {:>8} {:>8}  {} / {}{}",
                s.step.id(),
                s.step.digest_label(),
                s.positive.len(),
                s.negative.len(),
                s.positive.first().map_or("-", String::as_str),
                s.negative.first().map_or("-", String::as_str),
                if s.both_ways() { "" } else { "   <-- missing" }
            );
        }
        let _ = write!(out, "{}", self.summary());
        out
    }

    /// The table in Markdown (for `conformance-vectors/README.md`).
    #[must_use]
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| step | digest | what is checked | positive | negative | e.g. positive | e.g. negative |\n|---|---|---|---|---|---|---|\n",
        );
        for s in &self.steps {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                s.step.id(),
                s.step.digest_label(),
                s.step.description().replace('|', "\\|"),
                s.positive.len(),
                s.negative.len(),
                s.positive
                    .first()
                    .map_or_else(|| String::from("—"), |id| alloc::format!("`{id}`")),
                s.negative
                    .first()
                    .map_or_else(|| String::from("—"), |id| alloc::format!("`{id}`")),
            );
        }
        let _ = writeln!(out, "\n{}", self.summary());
        out
    }

    /// One line: how many steps are covered both ways.
    #[must_use]
    pub fn summary(&self) -> String {
        let gaps = self.gaps();
        let mut s = alloc::format!(
            "{} steps: {} covered both ways",
            self.steps.len(),
            self.steps.len() - gaps.len()
        );
        if !gaps.is_empty() {
            let names: Vec<&str> = gaps.iter().map(|g| g.step.id()).collect();
            let _ = write!(s, "; missing: {}", names.join(", "));
        }
        s
    }
}

/// The markers around the generated table in a README.
pub const BEGIN: &str =
    "<!-- coverage:begin (generated by `uaf-conformance coverage --markdown`) -->";
/// The end marker.
pub const END: &str = "<!-- coverage:end -->";

/// Why [`splice`] found no place for the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpliceError {
    /// The README has no [`BEGIN`] marker.
    NoBegin,
    /// The README has no [`END`] marker after its [`BEGIN`] marker.
    NoEnd,
}

impl fmt::Display for SpliceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpliceError::NoBegin => write!(
                f,
                "no `{BEGIN}` marker; put it and `{END}` around the coverage table"
            ),
            SpliceError::NoEnd => write!(
                f,
                "no `{END}` marker after the begin marker; add it where the coverage table ends"
            ),
        }
    }
}

impl core::error::Error for SpliceError {}

/// `readme` with the text between [`BEGIN`] and [`END`] replaced by `table`.
///
/// # Errors
/// [`SpliceError`] when the markers are missing or out of order.
pub fn splice(readme: &str, table: &str) -> Result<String, SpliceError> {
    let start = readme.find(BEGIN).ok_or(SpliceError::NoBegin)?;
    let after = start + BEGIN.len();
    let end = readme
        .get(after..)
        .and_then(|rest| rest.find(END))
        .map(|i| after + i)
        .ok_or(SpliceError::NoEnd)?;
    let (head, _) = readme.split_at(after);
    let (_, tail) = readme.split_at(end);
    Ok(alloc::format!("{head}\n{table}{tail}"))
}

#[cfg(test)]
mod splice_tests {
    use super::*;

    #[test]
    fn splice_replaces_between_the_markers_or_names_the_missing_one() {
        let readme = alloc::format!("intro\n{BEGIN}\nold\n{END}\nrest");
        assert_eq!(
            splice(&readme, "new\n"),
            Ok(alloc::format!("intro\n{BEGIN}\nnew\n{END}\nrest"))
        );
        assert_eq!(splice("no markers", "t"), Err(SpliceError::NoBegin));
        let reversed = alloc::format!("{END}\n{BEGIN}\n");
        assert_eq!(splice(&reversed, "t"), Err(SpliceError::NoEnd));
        assert!(SpliceError::NoEnd.to_string().contains("add it where"));
    }
}
