use std::path::PathBuf;

/// What can go wrong with cr-sqlite stores and change exchange.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The embedded extension could not be written out or verified.
    #[error("cr-sqlite extension at {path}: {reason}")]
    Extension { path: PathBuf, reason: String },
    /// SQLite (or cr-sqlite inside it) refused an operation.
    #[error("{context}: {source}")]
    Sqlite {
        context: String,
        #[source]
        source: rusqlite::Error,
    },
    /// A change row read from `crsql_changes` had a shape cr-sqlite never produces.
    #[error("malformed change from crsql_changes: {0}")]
    MalformedChange(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attaches a description of what was being done to a rusqlite error.
pub(crate) trait SqliteContext<T> {
    fn context(self, context: impl Into<String>) -> Result<T>;
}

impl<T> SqliteContext<T> for rusqlite::Result<T> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|source| Error::Sqlite {
            context: context.into(),
            source,
        })
    }
}
