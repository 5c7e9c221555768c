//! Change exchange between stores that do not share a file: batches out of one store, checked
//! and merged into another, by stream, under each side's direction rules.
//!
//! A batch holds whole `db_version`s (a version is one transaction at its sender, so it is applied
//! whole or not at all), is bounded in bytes, and is merged in one transaction together with the
//! receiver's watermark. A batch that does not start at the receiver's watermark (a replay, or one
//! after a gap) is refused, so applying one twice changes nothing.

use rusqlite::{OptionalExtension, params};

use crate::changes::{Change, SqlValue, apply_changes};
use crate::connection::CrConnection;
use crate::error::{Error, Result, SqliteContext};
use crate::wire::{ChangeBatch, Cursor};

/// Which tables a side sends and accepts, by stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Streams in the order they are sent: each a name and its tables.
    pub streams: Vec<(String, Vec<String>)>,
    /// Tables whose rows this side sends.
    pub send: Vec<String>,
    /// Tables whose rows this side accepts; a batch with any other table is refused whole.
    pub receive: Vec<String>,
    /// Tables whose local deletes are never sent (a car's retention purge stays in the car).
    pub keep_deletes_local: Vec<String>,
}

/// Why an incoming batch was refused; nothing of it was applied.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error(
        "batch for stream {stream} starts at {got:?}, but this side stands at {expected:?}: \
         resend from there"
    )]
    OutOfOrder {
        stream: String,
        expected: Box<Resume>,
        got: Box<Resume>,
    },
    #[error("batch carries changes to {table}, which this side does not accept from its peer")]
    Direction { table: String },
    #[error("no stream {0:?} on this side")]
    UnknownStream(String),
    #[error(transparent)]
    Store(#[from] Error),
}

const STREAM_TABLE: &str = "CREATE TABLE IF NOT EXISTS alpr_sync_stream (
    peer_site_id BLOB NOT NULL,
    stream TEXT NOT NULL,
    db_version INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    -- of version part_version (after db_version), the changes up to cursor (JSON) are staged
    part_version INTEGER NOT NULL DEFAULT 0,
    cursor TEXT,
    PRIMARY KEY (peer_site_id, stream)
);
CREATE TABLE IF NOT EXISTS alpr_sync_staged (
    peer_site_id BLOB NOT NULL,
    stream TEXT NOT NULL,
    seq INTEGER NOT NULL,
    \"table\" TEXT NOT NULL,
    pk BLOB NOT NULL,
    cid TEXT NOT NULL,
    val ANY,
    col_version INTEGER NOT NULL,
    db_version INTEGER NOT NULL,
    site_id BLOB NOT NULL,
    cl INTEGER NOT NULL,
    PRIMARY KEY (peer_site_id, stream, db_version, seq, \"table\", pk, cid)
)";

/// Where a receiver stands with a sender on a stream: every version through `after` merged,
/// and of version `version` (when not 0) the changes up to `cursor` kept aside, waiting for the
/// rest. (A change can move to a later version when its column is written again; the parts
/// kept aside are still good changes and are merged with whatever completes the stream.)
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Resume {
    pub after: i64,
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub cursor: Option<Cursor>,
}

impl Resume {
    /// From the start of the version after `after`.
    pub fn after(after: i64) -> Self {
        Resume {
            after,
            version: 0,
            cursor: None,
        }
    }
}

/// Where `store` stands with `peer` on `stream`.
pub fn stream_resume(store: &rusqlite::Connection, peer: &[u8], stream: &str) -> Result<Resume> {
    store
        .execute_batch(STREAM_TABLE)
        .context("creating alpr_sync_stream")?;
    store
        .query_row(
            "SELECT db_version, part_version, cursor FROM alpr_sync_stream
             WHERE peer_site_id = ?1 AND stream = ?2",
            params![peer, stream],
            |r| {
                let cursor: Option<String> = r.get(2)?;
                Ok(Resume {
                    after: r.get(0)?,
                    version: r.get(1)?,
                    cursor: cursor.and_then(|c| serde_json::from_str(&c).ok()),
                })
            },
        )
        .optional()
        .context("reading alpr_sync_stream")
        .map(|v| v.unwrap_or_default())
}

/// The sender `db_version` through which `store` holds `peer`'s changes on `stream`.
pub fn stream_watermark(store: &rusqlite::Connection, peer: &[u8], stream: &str) -> Result<i64> {
    stream_resume(store, peer, stream).map(|r| r.after)
}

fn approx_bytes(c: &Change) -> usize {
    let val = match &c.val {
        SqlValue::Text(t) => t.len(),
        SqlValue::Blob(b) => b.len(),
        _ => 8,
    };
    c.pk.len() + c.cid.len() + val + 48
}

/// The next batch of `stream` for the peer `to_site`, from where it stands (`from`): whole
/// versions, at most about `max_bytes`, leaving out the peer's own changes, tables this side does
/// not send, and local deletes of tables that keep them. A single version larger than
/// `max_bytes` goes in parts. `None` when nothing is newer.
pub fn outgoing(
    conn: &CrConnection,
    rules: &Rules,
    stream: &str,
    to_site: &[u8],
    from: Resume,
    max_bytes: usize,
) -> Result<Option<ChangeBatch>> {
    let Some((_, tables)) = rules.streams.iter().find(|(s, _)| s == stream) else {
        return Ok(None);
    };
    let tables: Vec<&String> = tables.iter().filter(|t| rules.send.contains(t)).collect();
    let tables_json = serde_json_tables(&tables);
    let mut stmt = conn
        .prepare_cached(
            r#"SELECT "table", pk, cid, val, col_version, db_version, site_id, cl, seq
               FROM crsql_changes
               WHERE db_version > ?1 AND site_id IS NOT ?2
                 AND "table" IN (SELECT value FROM json_each(?3))
               ORDER BY db_version, seq, "table", pk, cid"#,
        )
        .context("preparing the outgoing batch")?;
    let mut rows = stmt
        .query(params![from.after, to_site, tables_json])
        .context("reading crsql_changes")?;
    let mut changes: Vec<Change> = Vec::new();
    let mut bytes = 0usize;
    let mut first: Option<i64> = None;
    let mut current: Option<i64> = None;
    // The last version this batch holds whole (or completes).
    let mut complete: Option<i64> = None;
    let mut cut_in_first = false;
    // The last change of the first version this batch covers (sent or held back).
    let mut end: Option<Cursor> = None;
    while let Some(r) = rows.next().context("reading crsql_changes")? {
        let c = Change {
            table: r.get(0).context("table")?,
            pk: r.get(1).context("pk")?,
            cid: r.get(2).context("cid")?,
            val: SqlValue::from(r.get_ref(3).context("val")?),
            col_version: r.get(4).context("col_version")?,
            db_version: r.get(5).context("db_version")?,
            site_id: r.get(6).context("site_id")?,
            cl: r.get(7).context("cl")?,
            seq: r.get(8).context("seq")?,
        };
        if current != Some(c.db_version) {
            if let Some(v) = current {
                complete = Some(v);
                if bytes >= max_bytes {
                    break;
                }
            }
            current = Some(c.db_version);
            first.get_or_insert(c.db_version);
        } else if bytes >= max_bytes && complete.is_none() {
            // The first version alone is over the limit: send it in parts.
            cut_in_first = true;
            break;
        }
        if Some(c.db_version) == first {
            let key = Cursor {
                seq: c.seq,
                table: c.table.clone(),
                pk: c.pk.clone(),
                cid: c.cid.clone(),
            };
            if c.db_version == from.version && from.cursor.as_ref().is_some_and(|k| key <= *k) {
                continue; // the receiver holds it already
            }
            end = Some(key);
        }
        bytes += approx_bytes(&c);
        let local_delete =
            c.cid == "-1" && c.cl % 2 == 0 && rules.keep_deletes_local.contains(&c.table);
        if !local_delete {
            changes.push(c);
        }
    }
    drop(rows);
    let Some(first) = first else {
        return Ok(None);
    };
    if !cut_in_first && complete != current {
        // The rows ran out: the last version read is whole.
        complete = current;
    }
    let site = conn.site_id()?;
    let mut batch = if cut_in_first {
        ChangeBatch::new(stream, &site, from.after, from.after, &changes)
    } else {
        let through = complete.unwrap_or(first);
        ChangeBatch::new(stream, &site, from.after, through, &changes)
    };
    // Of the first version, the receiver already holds the changes up to this.
    let after_cursor = if first == from.version {
        from.cursor.clone()
    } else {
        None
    };
    if cut_in_first {
        batch.part = Some(crate::wire::Part {
            version: first,
            after: after_cursor,
            end,
            last: false,
        });
    } else if from.version != 0 {
        // Parts are kept aside at the receiver: this batch completes them.
        batch.part = Some(crate::wire::Part {
            version: first,
            after: after_cursor,
            end,
            last: true,
        });
    }
    Ok(Some(batch))
}

fn serde_json_tables(tables: &[&String]) -> String {
    let quoted: Vec<String> = tables
        .iter()
        .map(|t| format!("\"{}\"", t.replace(['\\', '"'], "")))
        .collect();
    format!("[{}]", quoted.join(","))
}

/// What an applied batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub changes: usize,
    /// The watermark for the batch's sender and stream now.
    pub through: i64,
    /// Where the receiver stands now (with a version part kept aside, its next seq).
    pub resume: Resume,
}

fn stage(
    tx: &rusqlite::Transaction<'_>,
    from: &[u8],
    stream: &str,
    changes: &[Change],
) -> Result<()> {
    let mut stmt = tx
        .prepare_cached(
            r#"INSERT OR REPLACE INTO alpr_sync_staged (peer_site_id, stream, seq, "table", pk,
                cid, val, col_version, db_version, site_id, cl)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"#,
        )
        .context("preparing to keep a part aside")?;
    for c in changes {
        stmt.execute(params![
            from,
            stream,
            c.seq,
            c.table,
            c.pk,
            c.cid,
            rusqlite::types::Value::from(&c.val),
            c.col_version,
            c.db_version,
            c.site_id,
            c.cl
        ])
        .context("keeping a part aside")?;
    }
    Ok(())
}

fn set_resume(tx: &rusqlite::Transaction<'_>, from: &[u8], stream: &str, r: &Resume) -> Result<()> {
    tx.execute(
        "INSERT INTO alpr_sync_stream (peer_site_id, stream, db_version, part_version, cursor,
            updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, CAST(unixepoch('subsec') * 1000 AS INTEGER))
         ON CONFLICT(peer_site_id, stream) DO UPDATE SET db_version = excluded.db_version,
            part_version = excluded.part_version, cursor = excluded.cursor,
            updated_at_ms = excluded.updated_at_ms",
        params![
            from,
            stream,
            r.after,
            r.version,
            r.cursor
                .as_ref()
                .map(|c| serde_json::to_string(c).unwrap_or_default())
        ],
    )
    .context("recording the watermark")?;
    Ok(())
}

/// Checks `batch` against this side's rules and where it stands with the sender, then merges it
/// and moves the watermark in one transaction. A part of a version too large for one batch is
/// kept aside until its last part arrives; the version is merged whole then. A refused batch
/// leaves the store as it was.
pub fn apply_incoming(
    conn: &mut CrConnection,
    rules: &Rules,
    batch: ChangeBatch,
) -> std::result::Result<Applied, ExchangeError> {
    if !rules.streams.iter().any(|(s, _)| *s == batch.stream) {
        return Err(ExchangeError::UnknownStream(batch.stream));
    }
    if let Some(t) = batch.tables.iter().find(|t| !rules.receive.contains(t)) {
        return Err(ExchangeError::Direction { table: t.clone() });
    }
    let (stream, from, after, through, part) = (
        batch.stream.clone(),
        batch.from_site.clone(),
        batch.after,
        batch.through,
        batch.part.clone(),
    );
    let tx = conn.transaction().context("starting the merge")?;
    let have = stream_resume(&tx, &from, &stream)?;
    let got = Resume {
        after,
        version: part.as_ref().map_or(0, |p| p.version),
        cursor: part.as_ref().and_then(|p| p.after.clone()),
    };
    // A part fits where the receiver stands in that version; a version begun from its start
    // fits too (the one whose parts are kept aside lost its remaining changes to later
    // versions, or the sender started again). Parts kept aside are merged with whatever
    // completes the stream: they are good changes either way.
    let fits = have.after == after
        && match &part {
            None => true,
            Some(p) if p.version == have.version => p.after == have.cursor,
            Some(p) => p.after.is_none(),
        };
    if !fits {
        return Err(ExchangeError::OutOfOrder {
            stream,
            expected: Box::new(have),
            got: Box::new(got),
        });
    }
    let changes = batch.into_changes();
    let n = changes.len();
    let resume = match part {
        Some(p) if !p.last => {
            stage(&tx, &from, &stream, &changes)?;
            Resume {
                after,
                version: p.version,
                cursor: p.end.clone(),
            }
        }
        _ => {
            {
                tx.execute(
                    r#"INSERT INTO crsql_changes ("table", pk, cid, val, col_version, db_version,
                        site_id, cl, seq)
                       SELECT "table", pk, cid, val, col_version, db_version, site_id, cl, seq
                       FROM alpr_sync_staged WHERE peer_site_id = ?1 AND stream = ?2
                       ORDER BY seq"#,
                    params![from, stream],
                )
                .context("merging a version kept aside")?;
            }
            tx.execute(
                "DELETE FROM alpr_sync_staged WHERE peer_site_id = ?1 AND stream = ?2",
                params![from, stream],
            )
            .context("clearing parts kept aside")?;
            apply_changes(&tx, &changes)?;
            Resume::after(through)
        }
    };
    set_resume(&tx, &from, &stream, &resume)?;
    tx.commit().context("committing the merge")?;
    Ok(Applied {
        changes: n,
        through: resume.after,
        resume,
    })
}

const ACKED_TABLE: &str = "CREATE TABLE IF NOT EXISTS alpr_sync_acked (
    stream TEXT PRIMARY KEY NOT NULL,
    peer_site_id BLOB NOT NULL,
    db_version INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
)";

/// Records that `peer` (headquarters) holds this store's changes on `stream` through
/// `db_version`, as it acknowledged: what a car may purge without losing it at headquarters.
pub fn record_acked(
    conn: &rusqlite::Connection,
    peer: &[u8],
    stream: &str,
    db_version: i64,
) -> Result<()> {
    conn.execute_batch(ACKED_TABLE)
        .context("creating alpr_sync_acked")?;
    conn.execute(
        "INSERT INTO alpr_sync_acked (stream, peer_site_id, db_version, updated_at_ms)
         VALUES (?1, ?2, ?3, CAST(unixepoch('subsec') * 1000 AS INTEGER))
         ON CONFLICT(stream) DO UPDATE SET peer_site_id = excluded.peer_site_id,
            db_version = max(db_version, excluded.db_version),
            updated_at_ms = excluded.updated_at_ms",
        params![stream, peer, db_version],
    )
    .context("recording what headquarters holds")?;
    Ok(())
}

/// Through which of this store's versions headquarters holds `stream` (0 when never told).
pub fn acked_through(conn: &rusqlite::Connection, stream: &str) -> Result<i64> {
    conn.execute_batch(ACKED_TABLE)
        .context("creating alpr_sync_acked")?;
    conn.query_row(
        "SELECT db_version FROM alpr_sync_acked WHERE stream = ?1",
        [stream],
        |r| r.get(0),
    )
    .optional()
    .context("reading alpr_sync_acked")
    .map(|v| v.unwrap_or(0))
}
