//! Rows of `crsql_changes`: reading them out of one store and merging them into another.

use rusqlite::types::{Value, ValueRef};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, SqliteContext};

/// A column value as SQLite stores it; what travels in a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", content = "v", rename_all = "lowercase")]
pub enum SqlValue {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// One row of `crsql_changes`: a column of one row at one version, from one site.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub table: String,
    /// The row's primary key, packed by cr-sqlite.
    pub pk: Vec<u8>,
    /// Column name, or `-1` for a row's sentinel (creation and deletion).
    pub cid: String,
    pub val: SqlValue,
    pub col_version: i64,
    /// The source store's clock when it recorded this change.
    pub db_version: i64,
    /// The site that made the change first.
    pub site_id: Vec<u8>,
    /// Causal length: odd while the row exists, even once deleted.
    pub cl: i64,
    pub seq: i64,
}

impl From<ValueRef<'_>> for SqlValue {
    fn from(v: ValueRef<'_>) -> Self {
        match v {
            ValueRef::Null => SqlValue::Null,
            ValueRef::Integer(i) => SqlValue::Integer(i),
            ValueRef::Real(f) => SqlValue::Real(f),
            ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
        }
    }
}

impl From<&SqlValue> for Value {
    fn from(v: &SqlValue) -> Self {
        match v {
            SqlValue::Null => Value::Null,
            SqlValue::Integer(i) => Value::Integer(*i),
            SqlValue::Real(f) => Value::Real(*f),
            SqlValue::Text(t) => Value::Text(t.clone()),
            SqlValue::Blob(b) => Value::Blob(b.clone()),
        }
    }
}

/// Changes recorded in `conn` after `since` (its own `db_version`), oldest first, at most `limit`
/// rows, leaving out those that originated at `exclude_site` (the peer they would go to already
/// has them).
pub fn changes_since(
    conn: &Connection,
    since: i64,
    exclude_site: Option<&[u8]>,
    limit: usize,
) -> Result<Vec<Change>> {
    changes_between(conn, since, i64::MAX, exclude_site, limit)
}

/// Every change `conn` recorded at exactly `db_version`, leaving out `exclude_site`'s.
pub fn changes_at(
    conn: &Connection,
    db_version: i64,
    exclude_site: Option<&[u8]>,
) -> Result<Vec<Change>> {
    changes_between(conn, db_version - 1, db_version, exclude_site, usize::MAX)
}

fn changes_between(
    conn: &Connection,
    after: i64,
    through: i64,
    exclude_site: Option<&[u8]>,
    limit: usize,
) -> Result<Vec<Change>> {
    let mut stmt = conn
        .prepare_cached(
            r#"SELECT "table", pk, cid, val, col_version, db_version, site_id, cl, seq
               FROM crsql_changes
               WHERE db_version > ?1 AND db_version <= ?4 AND (?2 IS NULL OR site_id IS NOT ?2)
               ORDER BY db_version, seq
               LIMIT ?3"#,
        )
        .context("preparing crsql_changes query")?;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let rows = stmt
        .query_map(params![after, exclude_site, limit, through], |r| {
            Ok(Change {
                table: r.get(0)?,
                pk: r.get(1)?,
                cid: r.get(2)?,
                val: SqlValue::from(r.get_ref(3)?),
                col_version: r.get(4)?,
                db_version: r.get(5)?,
                site_id: r.get(6)?,
                cl: r.get(7)?,
                seq: r.get(8)?,
            })
        })
        .context("reading crsql_changes")?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .context("reading crsql_changes")
}

/// Merges `changes` into the store inside the caller's transaction (or autocommit), returning how
/// many were offered. cr-sqlite decides per column which side wins, so applying the same changes
/// twice changes nothing.
pub fn apply_changes(conn: &Connection, changes: &[Change]) -> Result<usize> {
    let mut stmt = conn
        .prepare_cached(
            r#"INSERT INTO crsql_changes ("table", pk, cid, val, col_version, db_version, site_id, cl, seq)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"#,
        )
        .context("preparing crsql_changes insert")?;
    for c in changes {
        if c.site_id.len() != 16 {
            return Err(Error::MalformedChange(format!(
                "site id of {} bytes on {} (expected 16)",
                c.site_id.len(),
                c.table
            )));
        }
        stmt.execute(params![
            c.table,
            c.pk,
            c.cid,
            Value::from(&c.val),
            c.col_version,
            c.db_version,
            c.site_id,
            c.cl,
            c.seq
        ])
        .context(format!("merging a change to {}.{}", c.table, c.cid))?;
    }
    Ok(changes.len())
}
