//! Loading every statement of a directory into a [`MetadataIndex`] (`std` only).

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use uaf_proto::id::Aaid;

use crate::entry::MetadataEntry;
use crate::error::MetadataError;
use crate::index::{IndexError, MetadataIndex};
use crate::options::ParseOptions;
use crate::statement::ProtocolFamily;

/// Why [`MetadataIndex::load_dir`] failed. Every variant names the file.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoadError {
    /// A file or directory could not be read (or a file is not UTF-8).
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A file is not a valid metadata statement or BLOB entry.
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the field path.
        error: MetadataError,
    },
    /// Two files describe the same AAID.
    DuplicateAaid {
        /// The AAID, as spelled in `second`.
        aaid: Aaid,
        /// The file loaded first (in sorted path order).
        first: PathBuf,
        /// The file that repeats it.
        second: PathBuf,
    },
    /// A file holds a statement whose `protocolFamily` is not `uaf`.
    NotUaf {
        /// The file.
        path: PathBuf,
        /// The statement's AAID.
        aaid: Aaid,
        /// Its protocol family.
        protocol_family: ProtocolFamily,
    },
}

impl LoadError {
    /// The file the error is about (for a duplicate, the second file).
    #[must_use]
    pub fn path(&self) -> &Path {
        match self {
            LoadError::Io { path, .. }
            | LoadError::Parse { path, .. }
            | LoadError::NotUaf { path, .. } => path,
            LoadError::DuplicateAaid { second, .. } => second,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { path, source } => {
                write!(f, "{}: cannot read: {source}", path.display())
            }
            LoadError::Parse { path, error } => write!(f, "{}: {error}", path.display()),
            LoadError::DuplicateAaid {
                aaid,
                first,
                second,
            } => write!(
                f,
                "{}: AAID {aaid} is already defined by {}; keep one of the two files (AAIDs compare case-insensitively)",
                second.display(),
                first.display()
            ),
            LoadError::NotUaf {
                path,
                aaid,
                protocol_family,
            } => write!(
                f,
                "{}: statement for AAID {aaid} has protocolFamily \"{protocol_family}\"; only \"uaf\" statements can be loaded",
                path.display()
            ),
        }
    }
}

impl core::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            LoadError::Io { source, .. } => Some(source),
            LoadError::Parse { error, .. } => Some(error),
            LoadError::DuplicateAaid { .. } | LoadError::NotUaf { .. } => None,
        }
    }
}

impl MetadataIndex {
    /// Loads every `*.json` file under `dir`, recursively, strictly: each file holds one bare
    /// metadata statement or one MDS3 BLOB entry.
    ///
    /// Files are read in sorted path order, so errors are reproducible. Entries whose name
    /// starts with `.` are skipped (editor backups, Kubernetes' `..data` links); symbolic
    /// links to files are followed, symbolic links to directories are not (no loops).
    ///
    /// # Errors
    /// The first [`LoadError`], naming the file (and, for a bad statement, the field).
    pub fn load_dir(dir: impl AsRef<Path>) -> Result<Self, LoadError> {
        Self::load_dir_with(dir, &ParseOptions::default())
    }

    /// [`MetadataIndex::load_dir`] under `options`.
    ///
    /// # Errors
    /// As [`MetadataIndex::load_dir`].
    pub fn load_dir_with(dir: impl AsRef<Path>, options: &ParseOptions) -> Result<Self, LoadError> {
        let mut files = Vec::new();
        collect_json_files(dir.as_ref(), &mut files)?;
        files.sort();
        let mut index = MetadataIndex::new();
        let mut origin: BTreeMap<Aaid, PathBuf> = BTreeMap::new();
        for path in files {
            let text = match fs::read_to_string(&path) {
                Ok(text) => text,
                Err(source) => return Err(LoadError::Io { path, source }),
            };
            let entry = match MetadataEntry::from_json_with(&text, options) {
                Ok(entry) => entry,
                Err(error) => return Err(LoadError::Parse { path, error }),
            };
            let aaid = entry.aaid();
            match index.insert(entry) {
                Ok(()) => {
                    origin.insert(aaid, path);
                }
                Err(IndexError::DuplicateAaid { aaid }) => {
                    let first = origin.get(&aaid).cloned().unwrap_or_default();
                    return Err(LoadError::DuplicateAaid {
                        aaid,
                        first,
                        second: path,
                    });
                }
                Err(IndexError::NotUaf {
                    aaid,
                    protocol_family,
                }) => {
                    return Err(LoadError::NotUaf {
                        path,
                        aaid,
                        protocol_family,
                    });
                }
            }
        }
        Ok(index)
    }
}

/// Appends every `*.json` file under `dir` to `out`.
fn collect_json_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let io_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LoadError::Io { path, source }
    };
    for item in fs::read_dir(dir).map_err(io_error(dir))? {
        let item = item.map_err(io_error(dir))?;
        let path = item.path();
        if item.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let file_type = item.file_type().map_err(io_error(&path))?;
        let is_file = if file_type.is_symlink() {
            // Follow links to files; never descend through a link to a directory.
            fs::metadata(&path).map_err(io_error(&path))?.is_file()
        } else if file_type.is_dir() {
            collect_json_files(&path, out)?;
            false
        } else {
            file_type.is_file()
        };
        if is_file
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
    Ok(())
}
