//! [`MetadataEntry`]: a statement with its status reports — what a [`crate::MetadataSource`]
//! returns for an AAID.

use alloc::vec::Vec;

use uaf_proto::id::Aaid;
use uaf_proto::message::json::Value;

use crate::error::MetadataError;
use crate::json::{self, Path};
use crate::options::ParseOptions;
use crate::statement::{self, MetadataStatement};
use crate::status::{self, IsoDate, StatusReport};

/// A metadata statement and the status reports about its model.
///
/// Read either from a bare statement (no status reports) or from an MDS3 BLOB entry
/// (`MetadataBLOBPayloadEntry`, MDS v3.0 §3.1.1):
/// `{"aaid", "metadataStatement", "statusReports", "timeOfLastStatusChange", …}`.
#[derive(Clone, Debug, PartialEq)]
pub struct MetadataEntry {
    statement: MetadataStatement,
    status_reports: Vec<StatusReport>,
    time_of_last_status_change: Option<IsoDate>,
}

impl MetadataEntry {
    /// Reads a bare statement or a BLOB entry (an object with a `metadataStatement` member),
    /// strictly.
    ///
    /// # Errors
    /// [`MetadataError`] naming the first offending field; inside a BLOB entry the statement's
    /// fields are named `metadataStatement.…`.
    pub fn from_json(text: &str) -> Result<Self, MetadataError> {
        Self::from_json_with(text, &ParseOptions::default())
    }

    /// Reads a bare statement or a BLOB entry under `options`.
    ///
    /// # Errors
    /// As [`MetadataEntry::from_json`].
    pub fn from_json_with(text: &str, options: &ParseOptions) -> Result<Self, MetadataError> {
        let value = json::parse(text)?;
        Self::from_value(&value, &Path::ROOT, options)
    }

    pub(crate) fn from_value(
        v: &Value,
        p: &Path<'_>,
        options: &ParseOptions,
    ) -> Result<Self, MetadataError> {
        let o = json::object(v, p)?;
        if !o.has("metadataStatement") {
            return MetadataStatement::from_value(v, p, options).map(MetadataEntry::from);
        }
        // MDS v3.0 §3.1.1 MetadataBLOBPayloadEntry. `metadataStatement` is optional there (for
        // models known only by status); a UAF verifier cannot use an entry without one.
        let statement = o.req(p, "metadataStatement", |v, p| {
            MetadataStatement::from_value(v, p, options)
        })?;
        if let Some(entry_aaid) = o.opt(p, "aaid", statement::aaid)? {
            if entry_aaid != statement.aaid() {
                return Err(MetadataError::AaidMismatch {
                    entry: entry_aaid,
                    statement: statement.aaid(),
                });
            }
        }
        let status_reports = o.req(p, "statusReports", |v, p| {
            json::array(v, p, "an array of StatusReport objects", |v, p| {
                StatusReport::from_value(v, p, options)
            })
        })?;
        let time_of_last_status_change = o.req(p, "timeOfLastStatusChange", status::date)?;
        Ok(MetadataEntry {
            statement,
            status_reports,
            time_of_last_status_change: Some(time_of_last_status_change),
        })
    }

    /// The model's AAID (the statement's `aaid`).
    #[must_use]
    pub fn aaid(&self) -> Aaid {
        self.statement.aaid()
    }

    /// The metadata statement.
    #[must_use]
    pub fn statement(&self) -> &MetadataStatement {
        &self.statement
    }

    /// `statusReports`, in the order written (empty for a bare statement).
    #[must_use]
    pub fn status_reports(&self) -> &[StatusReport] {
        &self.status_reports
    }

    /// The report in effect now: the last one in chronological order (see
    /// [`crate::acceptability`] for the order), or `None` without reports.
    #[must_use]
    pub fn latest_status_report(&self) -> Option<&StatusReport> {
        status::chronological(&self.status_reports)
            .last()
            .map(|(_, r)| *r)
    }

    /// `timeOfLastStatusChange` (BLOB entries only).
    #[must_use]
    pub fn time_of_last_status_change(&self) -> Option<IsoDate> {
        self.time_of_last_status_change
    }
}

impl From<MetadataStatement> for MetadataEntry {
    /// An entry with no status reports.
    fn from(statement: MetadataStatement) -> Self {
        MetadataEntry {
            statement,
            status_reports: Vec::new(),
            time_of_last_status_change: None,
        }
    }
}
