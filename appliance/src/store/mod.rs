//! The local store: one SQLite database with cr-sqlite, and the image files beside it.
//!
//! Layout of a data directory: `alpr.db` (WAL) and `images/` (files named by sha256). Rows that
//! sync carry only an image's hash and format.

mod accounts;
mod agency;
mod audit;
mod canvass;
mod dispositions;
mod export;
mod general;
mod hotlists;
mod oversight;
mod reads;
mod release;
mod retention;
mod schema;
mod search;

use std::path::{Path, PathBuf};

use alpr_images::{ImageStore, ImageStoreError};
use alpr_sync::CrConnection;
use rusqlite::OptionalExtension;

use crate::policy::Policy;

pub use accounts::{LoginError, Member, NewMember, Session};
pub use agency::{AgencyEntry, AgencyEntryInput, LookbackMatch, ROLES};
pub use audit::{AuditFilter, AuditRecord, AuditVerification, BrokenRecord};
pub use canvass::Canvass;
pub use dispositions::{
    ACTIONS, DISPOSITIONS, ENFORCEMENT_ACTIONS, HitAlert, HitSummary, StepStatus,
};
pub use export::ExportReport;
pub use general::{
    KEEP_VERSIONS, ListHead, ListUpdate, content_hash, decode_update, encode_update,
    general_version, sync_general_lists,
};
pub use hotlists::{DeltaOutcome, ListSummary};
pub use oversight::{AnnualFigures, AuditSample, default_seed, month_bounds};
pub use reads::StoredRead;
pub use release::{AGENCY_KINDS, ReleaseRequest, ReleaseRequestInput};
pub use retention::{Hold, HoldInput, PurgeReport};
pub use schema::REPLICATED_TABLES;
pub use search::{Area, ReadQuery, SEARCH_LIMIT, SearchOutcome, SearchPurpose, SearchRecord};

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Sync(#[from] alpr_sync::Error),
    #[error("{context}: {source}")]
    Sqlite {
        context: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("migrating {path}: {source}")]
    Migration {
        path: PathBuf,
        #[source]
        source: schema::MigrationError,
    },
    #[error(transparent)]
    Images(#[from] ImageStoreError),
    #[error("{0}")]
    Invalid(String),
    /// A member may not do this, or is not logged in.
    #[error("refused: {0}")]
    Refused(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

pub(crate) trait Context<T> {
    fn context(self, context: impl Into<String>) -> StoreResult<T>;
}

impl<T> Context<T> for rusqlite::Result<T> {
    fn context(self, context: impl Into<String>) -> StoreResult<T> {
        self.map_err(|source| StoreError::Sqlite {
            context: context.into(),
            source,
        })
    }
}

/// The database file inside a data directory.
pub const DB_FILE: &str = "alpr.db";

/// An open store.
#[derive(Debug)]
pub struct Store {
    conn: CrConnection,
    images: ImageStore,
    car_id: String,
    path: PathBuf,
    /// This store's audit chain: its cr-sqlite site id in hex.
    audit_chain: String,
    /// The policy the store was created under, once a member has logged in or a job has named it.
    policy: Option<std::sync::Arc<Policy>>,
}

impl Store {
    /// Opens the store in `data_dir`, creating it (and with it this store's cr-sqlite site id) on
    /// first use, and migrating it to the current schema. `car_id` names the car (or `HQ`) on first
    /// use; later opens keep the recorded one.
    pub fn open(data_dir: &Path, car_id: &str) -> StoreResult<Self> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            StoreError::Invalid(format!(
                "creating data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join(DB_FILE);
        let mut conn = CrConnection::open(&path)?;
        schema::migrate(&mut conn).map_err(|source| StoreError::Migration {
            path: path.clone(),
            source,
        })?;
        let images = ImageStore::open(data_dir.join("images"))?;
        let recorded: Option<String> = conn
            .query_row(
                "SELECT value FROM local_settings WHERE key = 'car_id'",
                [],
                |r| r.get(0),
            )
            .optional()
            .context("reading car id")?;
        let car_id = match recorded {
            Some(id) => id,
            None => {
                conn.execute(
                    "INSERT INTO local_settings (key, value) VALUES ('car_id', ?1)",
                    [car_id],
                )
                .context("recording car id")?;
                car_id.to_string()
            }
        };
        let audit_chain = hex::encode(conn.site_id()?);
        Ok(Self {
            conn,
            images,
            car_id,
            path,
            audit_chain,
            policy: None,
        })
    }

    pub fn car_id(&self) -> &str {
        &self.car_id
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn images(&self) -> &ImageStore {
        &self.images
    }

    /// The cr-sqlite connection, for sync.
    pub fn connection(&self) -> &CrConnection {
        &self.conn
    }

    pub fn connection_mut(&mut self) -> &mut CrConnection {
        &mut self.conn
    }

    /// Rows in a table, for summaries and diagnostics.
    pub fn count(&self, table: &str) -> StoreResult<u64> {
        if !REPLICATED_TABLES.contains(&table) {
            return Err(StoreError::Invalid(format!("no table {table:?} to count")));
        }
        self.conn
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
                r.get::<_, i64>(0)
            })
            .context(format!("counting {table}"))
            .map(|n| n.max(0) as u64)
    }

    /// SQLite's `quick_check`: `ok`, or what is damaged.
    pub fn integrity(&self) -> StoreResult<String> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA quick_check")
            .context("preparing integrity check")?;
        let lines = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .context("checking integrity")?
            .collect::<rusqlite::Result<Vec<_>>>()
            .context("checking integrity")?;
        Ok(lines.join("; "))
    }

    /// Finalises cr-sqlite and closes the database.
    pub fn close(self) -> StoreResult<()> {
        Ok(self.conn.close()?)
    }
}

pub(crate) fn ms(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_millis()
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
