//! A SQLite connection with cr-sqlite loaded, finalised when dropped.

use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Result, SqliteContext};
use crate::extension::extension_path;

/// A connection to a store file with cr-sqlite loaded into rusqlite's bundled SQLite.
///
/// cr-sqlite asks for `crsql_finalize()` before a connection closes; `Drop` does it so no caller
/// can forget.
#[derive(Debug)]
pub struct CrConnection {
    conn: Option<Connection>,
}

impl CrConnection {
    /// Opens (creating if needed) the database at `path` in WAL mode and loads cr-sqlite into it.
    pub fn open(path: &Path) -> Result<Self> {
        let where_ = path.display().to_string();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .context(format!("opening {where_}"))?;
        conn.busy_timeout(Duration::from_secs(10))
            .context(format!("setting busy timeout on {where_}"))?;
        // Deleted rows are overwritten with zeros, and a new file gives freed pages back to the
        // file system on `PRAGMA incremental_vacuum`: a retention purge must leave nothing to
        // recover. (auto_vacuum only takes on a file without tables; older files keep theirs.)
        conn.pragma_update(None, "secure_delete", "ON")
            .context(format!("enabling secure_delete on {where_}"))?;
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")
            .context(format!("setting auto_vacuum on {where_}"))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .context(format!("switching {where_} to WAL"))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .context(format!("setting synchronous on {where_}"))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .context(format!("enabling foreign keys on {where_}"))?;
        // Several connections write (the pipeline, the purge, sync, commands): a transaction
        // that reads before it writes must take the write lock at BEGIN, where the busy timeout
        // waits for it, rather than fail on upgrading when another writer got in between.
        let mut conn = conn;
        conn.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        Self::load_into(conn, &where_)
    }

    /// An in-memory store, for tools and tests that need cr-sqlite without a file.
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory().context("opening in-memory database")?;
        Self::load_into(conn, ":memory:")
    }

    fn load_into(conn: Connection, where_: &str) -> Result<Self> {
        let ext = extension_path()?;
        load_extension(&conn, &ext)
            .context(format!("loading cr-sqlite {} into {where_}", ext.display()))?;
        Ok(Self { conn: Some(conn) })
    }

    /// This store's cr-sqlite site id: 16 bytes, created with the database file.
    pub fn site_id(&self) -> Result<Vec<u8>> {
        self.query_row("SELECT crsql_site_id()", [], |r| r.get(0))
            .context("reading crsql_site_id()")
    }

    /// The store's current logical clock, advanced by every committed change to a CRR table.
    pub fn db_version(&self) -> Result<i64> {
        self.query_row("SELECT crsql_db_version()", [], |r| r.get(0))
            .context("reading crsql_db_version()")
    }

    /// Closes the connection after finalising cr-sqlite, reporting any error.
    pub fn close(mut self) -> Result<()> {
        self.finish()
    }

    fn finish(&mut self) -> Result<()> {
        if let Some(conn) = self.conn.take() {
            conn.query_row("SELECT crsql_finalize()", [], |_| Ok(()))
                .context("crsql_finalize()")?;
            conn.close().map_err(|(_, e)| e).context("closing store")?;
        }
        Ok(())
    }
}

#[allow(unsafe_code)]
fn load_extension(conn: &Connection, path: &Path) -> rusqlite::Result<()> {
    // SAFETY: the file is either the extension embedded at build time, verified by its sha256 when
    // written out, or one an administrator installed and named in ALPR_CRSQLITE_LIB. Extension
    // loading is switched off again at once so SQL cannot load anything else.
    unsafe {
        let _guard = rusqlite::LoadExtensionGuard::new(conn)?;
        conn.load_extension(path, Some("sqlite3_crsqlite_init"))
    }
}

impl Deref for CrConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // `conn` is only taken by `finish`, which consumes or drops `self`.
        self.conn.as_ref().expect("connection used after close")
    }
}

impl DerefMut for CrConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("connection used after close")
    }
}

impl Drop for CrConnection {
    fn drop(&mut self) {
        if let Err(e) = self.finish() {
            tracing::warn!("closing cr-sqlite store: {e}");
        }
    }
}
