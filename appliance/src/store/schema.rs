//! The store's schema, as migrations applied in order.
//!
//! Tables that sync are CRRs: a non-null primary key, no other UNIQUE constraint, no foreign keys
//! (a merge may bring a child before its parent), and a default on every NOT NULL column so
//! cr-sqlite can create a row from a single column's change. Keys are random 16-byte UUIDv7s, so
//! many cars can write at once and the keys still sort by time.

use rusqlite::Connection;

/// Tables replicated through cr-sqlite.
pub const REPLICATED_TABLES: &[&str] = &[
    "reads",
    "hits",
    "dispositions",
    "hotlists",
    "hotlist_versions",
    "hotlist_entries",
    "users",
    "audit_events",
    "searches",
    "legal_holds",
    "held_reads",
    "release_requests",
    "audit_memos",
    "canvasses",
    "canvass_reads",
];

const V1: &str = r#"
CREATE TABLE reads (
    id BLOB PRIMARY KEY NOT NULL,
    car_id TEXT NOT NULL DEFAULT '',
    camera TEXT NOT NULL DEFAULT '',
    plate TEXT NOT NULL DEFAULT '',
    state TEXT,
    confidence REAL NOT NULL DEFAULT 0,
    -- other readings, JSON [{"plate": ..., "confidence": ...}], most likely first
    alternatives TEXT NOT NULL DEFAULT '[]',
    captured_at_ms INTEGER NOT NULL DEFAULT 0,
    lat REAL,
    lon REAL,
    -- fix | interpolated | gap-too-long | last-fix | stale | none
    fix_quality TEXT NOT NULL DEFAULT 'none',
    fix_age_ms INTEGER,
    hdop REAL,
    plate_image_sha256 TEXT,
    plate_image_format TEXT,
    context_image_sha256 TEXT,
    context_image_format TEXT,
    stored_at_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX reads_by_time ON reads (captured_at_ms);
CREATE INDEX reads_by_plate ON reads (plate);

CREATE TABLE hits (
    id BLOB PRIMARY KEY NOT NULL,
    read_id BLOB NOT NULL DEFAULT x'',
    entry_id BLOB NOT NULL DEFAULT x'',
    list_id TEXT NOT NULL DEFAULT '',
    listed_plate TEXT NOT NULL DEFAULT '',
    read_plate TEXT NOT NULL DEFAULT '',
    -- exact | confusion | wildcard, after "alternative " when one of the read's other readings matched
    match_kind TEXT NOT NULL DEFAULT 'exact',
    state_mismatch INTEGER NOT NULL DEFAULT 0,
    priority TEXT NOT NULL DEFAULT 'normal',
    raised_at_ms INTEGER NOT NULL DEFAULT 0,
    car_id TEXT NOT NULL DEFAULT ''
);
CREATE INDEX hits_by_read ON hits (read_id);

CREATE TABLE dispositions (
    id BLOB PRIMARY KEY NOT NULL,
    hit_id BLOB NOT NULL DEFAULT x'',
    -- a verification step (plate-characters, state, vehicle, dispatch-confirmed) or 'disposition'
    step TEXT NOT NULL DEFAULT '',
    outcome TEXT NOT NULL DEFAULT '',
    action_taken TEXT,
    notes TEXT,
    user_id TEXT NOT NULL DEFAULT '',
    at_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX dispositions_by_hit ON dispositions (hit_id);

CREATE TABLE hotlists (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    -- general (state/NCIC, replaced whole) | agency (BOLOs and partial plates entered by members)
    kind TEXT NOT NULL DEFAULT 'general',
    source TEXT NOT NULL DEFAULT '',
    current_version INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE hotlist_versions (
    id BLOB PRIMARY KEY NOT NULL,
    list_id TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0,
    loaded_at_ms INTEGER NOT NULL DEFAULT 0,
    entry_count INTEGER NOT NULL DEFAULT 0,
    source_sha256 TEXT NOT NULL DEFAULT '',
    loaded_by TEXT NOT NULL DEFAULT ''
);

CREATE TABLE hotlist_entries (
    id BLOB PRIMARY KEY NOT NULL,
    list_id TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 0,
    plate TEXT NOT NULL DEFAULT '',
    state TEXT,
    plate_type TEXT,
    vehicle_year INTEGER,
    make TEXT,
    model TEXT,
    color TEXT,
    reason TEXT NOT NULL DEFAULT '',
    priority TEXT NOT NULL DEFAULT 'normal',
    ncic_number TEXT,
    ori TEXT,
    oca TEXT,
    case_number TEXT,
    synopsis TEXT,
    instructions TEXT,
    entered_by TEXT,
    requested_by TEXT,
    approved_by TEXT,
    approved_at_ms INTEGER,
    effective_at_ms INTEGER,
    expires_at_ms INTEGER
);
CREATE INDEX hotlist_entries_by_plate ON hotlist_entries (plate);
CREATE INDEX hotlist_entries_by_list ON hotlist_entries (list_id, version);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT 'operator',
    password_hash TEXT NOT NULL DEFAULT '',
    training_expires_ms INTEGER,
    active INTEGER NOT NULL DEFAULT 1,
    created_at_ms INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE audit_events (
    id BLOB PRIMARY KEY NOT NULL,
    at_ms INTEGER NOT NULL DEFAULT 0,
    car_id TEXT NOT NULL DEFAULT '',
    user_id TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL DEFAULT '',
    object_kind TEXT NOT NULL DEFAULT '',
    object_id TEXT NOT NULL DEFAULT '',
    detail TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL DEFAULT '',
    hash TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_by_time ON audit_events (at_ms);

CREATE TABLE searches (
    id BLOB PRIMARY KEY NOT NULL,
    at_ms INTEGER NOT NULL DEFAULT 0,
    car_id TEXT NOT NULL DEFAULT '',
    user_id TEXT NOT NULL DEFAULT '',
    case_number TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    crime_type TEXT NOT NULL DEFAULT '',
    query TEXT NOT NULL DEFAULT '',
    result_count INTEGER NOT NULL DEFAULT 0
);

-- This store's own settings (car id, ...); never replicated.
CREATE TABLE local_settings (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

SELECT crsql_as_crr('reads');
SELECT crsql_as_crr('hits');
SELECT crsql_as_crr('dispositions');
SELECT crsql_as_crr('hotlists');
SELECT crsql_as_crr('hotlist_versions');
SELECT crsql_as_crr('hotlist_entries');
SELECT crsql_as_crr('users');
SELECT crsql_as_crr('audit_events');
SELECT crsql_as_crr('searches');
"#;

/// Every migration, oldest first; `PRAGMA user_version` counts how many a store has had.
///
/// (rusqlite_migration does this too, but pins an older rusqlite than the one cr-sqlite was
/// measured with here, and two SQLite builds cannot link into one program.)
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5];

/// The NCIC plate year (LIY) and a list's own fields (Genetec's custom fields, as JSON pairs).
const V2: &str = r#"
SELECT crsql_begin_alter('hotlist_entries');
ALTER TABLE hotlist_entries ADD COLUMN plate_year INTEGER;
ALTER TABLE hotlist_entries ADD COLUMN extra TEXT NOT NULL DEFAULT '[]';
SELECT crsql_commit_alter('hotlist_entries');
"#;

/// The policy's records: members' credentials, the audit chain, legal holds, release requests,
/// the monthly audit memoranda; and, never replicated, login failures, this store's audit-chain
/// head and the counts kept of purged reads for the yearly report.
const V3: &str = r#"
SELECT crsql_begin_alter('users');
ALTER TABLE users ADD COLUMN sworn INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN ncic_expires_ms INTEGER;
SELECT crsql_commit_alter('users');

SELECT crsql_begin_alter('audit_events');
-- one chain per store (its cr-sqlite site id, hex), numbered from 1
ALTER TABLE audit_events ADD COLUMN chain TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
SELECT crsql_commit_alter('audit_events');
CREATE INDEX audit_events_by_chain ON audit_events (chain, seq);

CREATE INDEX searches_by_time ON searches (at_ms);

CREATE TABLE legal_holds (
    id BLOB PRIMARY KEY NOT NULL,
    -- warrant | preservation-request | disclosure-order | evidence (the policy's hold kinds)
    kind TEXT NOT NULL DEFAULT '',
    case_number TEXT NOT NULL DEFAULT '',
    -- the warrant's or request's own number
    reference TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL DEFAULT 0,
    released_by TEXT,
    released_at_ms INTEGER
);

CREATE TABLE held_reads (
    id BLOB PRIMARY KEY NOT NULL,
    hold_id BLOB NOT NULL DEFAULT x'',
    read_id BLOB NOT NULL DEFAULT x''
);
CREATE INDEX held_reads_by_read ON held_reads (read_id);
CREATE INDEX held_reads_by_hold ON held_reads (hold_id);

CREATE TABLE release_requests (
    id BLOB PRIMARY KEY NOT NULL,
    at_ms INTEGER NOT NULL DEFAULT 0,
    recorded_by TEXT NOT NULL DEFAULT '',
    agency TEXT NOT NULL DEFAULT '',
    -- law-enforcement | prosecutorial | other
    agency_kind TEXT NOT NULL DEFAULT '',
    requester TEXT NOT NULL DEFAULT '',
    purpose TEXT NOT NULL DEFAULT '',
    case_number TEXT NOT NULL DEFAULT '',
    -- the reads asked for, as a search query (JSON)
    query TEXT NOT NULL DEFAULT '{}',
    -- pending | approved | denied | fulfilled
    status TEXT NOT NULL DEFAULT 'pending',
    decided_by TEXT,
    decided_at_ms INTEGER,
    decision_note TEXT,
    fulfilled_by TEXT,
    fulfilled_at_ms INTEGER,
    -- what went out: read ids and the export's manifest hash (JSON)
    released TEXT
);

CREATE TABLE audit_memos (
    id BLOB PRIMARY KEY NOT NULL,
    month TEXT NOT NULL DEFAULT '',
    seed INTEGER NOT NULL DEFAULT 0,
    created_by TEXT NOT NULL DEFAULT '',
    created_at_ms INTEGER NOT NULL DEFAULT 0,
    markdown TEXT NOT NULL DEFAULT ''
);

CREATE TABLE login_state (
    user_id TEXT PRIMARY KEY NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until_ms INTEGER
);

CREATE TABLE audit_head (
    chain TEXT PRIMARY KEY NOT NULL,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);

-- Reads, hits and dispositions a purge removed, counted by day, car and what, so the yearly report
-- still has them. Plates are never kept here.
CREATE TABLE purged_counts (
    day TEXT NOT NULL,
    car_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (day, car_id, metric)
);

SELECT crsql_as_crr('legal_holds');
SELECT crsql_as_crr('held_reads');
SELECT crsql_as_crr('release_requests');
SELECT crsql_as_crr('audit_memos');
"#;

/// General lists (state/NCIC, millions of plates, one writer: headquarters) leave the CRRs: a
/// car gets them as a versioned snapshot plus the changes of each later version, never as
/// millions of `crsql_changes` and their tombstones. Each entry carries a hash of its content,
/// so a version's changes are "remove these hashes, add these entries".
const V4: &str = r#"
CREATE TABLE general_lists (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    loaded_at_ms INTEGER NOT NULL,
    loaded_by TEXT NOT NULL,
    source_sha256 TEXT NOT NULL,
    -- the changes of every version after this one are in general_changes
    changes_kept_after INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE general_entries (
    id BLOB PRIMARY KEY NOT NULL,
    list_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    content_sha256 BLOB NOT NULL,
    plate TEXT NOT NULL,
    state TEXT,
    plate_type TEXT,
    plate_year INTEGER,
    make TEXT,
    model TEXT,
    vehicle_year INTEGER,
    color TEXT,
    reason TEXT NOT NULL DEFAULT '',
    priority TEXT NOT NULL DEFAULT 'normal',
    ncic_number TEXT,
    ori TEXT,
    oca TEXT,
    instructions TEXT,
    effective_at_ms INTEGER,
    expires_at_ms INTEGER,
    extra TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX general_entries_by_list ON general_entries (list_id, content_sha256);
CREATE INDEX general_entries_by_plate ON general_entries (list_id, plate);

-- What each version of a general list removed (by content hash) and added (the entry, as
-- postcard bytes), kept for the recent versions so a car behind gets only the difference.
CREATE TABLE general_changes (
    list_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    content_sha256 BLOB NOT NULL,
    entry BLOB,
    PRIMARY KEY (list_id, version, seq)
);

INSERT INTO general_lists (id, name, current_version, loaded_at_ms, loaded_by, source_sha256,
        changes_kept_after)
    SELECT l.id, l.name, l.current_version, coalesce(v.loaded_at_ms, 0),
        coalesce(v.loaded_by, ''), coalesce(v.source_sha256, ''), l.current_version
    FROM hotlists l
    LEFT JOIN hotlist_versions v ON v.list_id = l.id AND v.version = l.current_version
    WHERE l.kind = 'general';
INSERT INTO general_entries (id, list_id, version, content_sha256, plate, state, plate_type,
        plate_year, make, model, vehicle_year, color, reason, priority, ncic_number, ori, oca,
        instructions, effective_at_ms, expires_at_ms, extra)
    SELECT e.id, e.list_id, e.version, e.id, e.plate, e.state, e.plate_type, e.plate_year,
        e.make, e.model, e.vehicle_year, e.color, e.reason, e.priority, e.ncic_number, e.ori,
        e.oca, e.instructions, e.effective_at_ms, e.expires_at_ms, e.extra
    FROM hotlist_entries e JOIN hotlists l ON l.id = e.list_id WHERE l.kind = 'general';
DELETE FROM hotlist_entries WHERE list_id IN (SELECT id FROM hotlists WHERE kind = 'general');
DELETE FROM hotlist_versions WHERE list_id IN (SELECT id FROM hotlists WHERE kind = 'general');
DELETE FROM hotlists WHERE kind = 'general';
"#;

/// Canvass mode: a crime-scene canvass a car runs under a case number (one open at a time per
/// car), and the reads captured while it was open, tagged as the car stores them. Both sync to
/// headquarters like holds do.
const V5: &str = r#"
CREATE TABLE canvasses (
    id BLOB PRIMARY KEY NOT NULL,
    case_number TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    -- the car that ran it: only its own store tags reads into it
    car_id TEXT NOT NULL DEFAULT '',
    started_by TEXT NOT NULL DEFAULT '',
    started_at_ms INTEGER NOT NULL DEFAULT 0,
    ended_by TEXT,
    ended_at_ms INTEGER
);
CREATE INDEX canvasses_by_car ON canvasses (car_id, ended_at_ms);

CREATE TABLE canvass_reads (
    id BLOB PRIMARY KEY NOT NULL,
    canvass_id BLOB NOT NULL DEFAULT x'',
    read_id BLOB NOT NULL DEFAULT x''
);
CREATE INDEX canvass_reads_by_canvass ON canvass_reads (canvass_id);
CREATE INDEX canvass_reads_by_read ON canvass_reads (read_id);

SELECT crsql_as_crr('canvasses');
SELECT crsql_as_crr('canvass_reads');
"#;

/// Brings a store to the current schema, each migration in its own transaction. A store from a
/// newer build is refused rather than written to.
pub fn migrate(conn: &mut Connection) -> Result<(), MigrationError> {
    let applied: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if applied > known {
        return Err(MigrationError::TooNew { applied, known });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied.max(0) as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .map_err(|source| MigrationError::Step {
                step: i + 1,
                source,
            })?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "the store is at schema version {applied}, newer than this program's {known}: refusing to touch it"
    )]
    TooNew { applied: i64, known: i64 },
    #[error("schema migration {step} failed: {source}")]
    Step {
        step: usize,
        #[source]
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}
