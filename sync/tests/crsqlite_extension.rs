//! The embedded cr-sqlite extension, loaded into real database files.

use alpr_sync::{CrConnection, apply_changes, changes_since, pull};

fn crr_table(conn: &CrConnection) {
    conn.execute_batch(
        "CREATE TABLE t (id BLOB PRIMARY KEY NOT NULL, plate TEXT NOT NULL DEFAULT '', n INTEGER);
         SELECT crsql_as_crr('t');",
    )
    .expect("table made a CRR");
}

/// Regression: with today's rustc the optimised build of cr-sqlite 0.16.3 answered the one-argument
/// `crsql_as_crr('t')` with "out of memory": the default schema name `"main"` went to C without a
/// NUL, and the bytes after it in the optimised binary were not UTF-8. Our patch terminates it.
#[test]
fn crsql_as_crr_with_one_argument_works_in_the_optimised_build() {
    let conn = CrConnection::open_in_memory().expect("cr-sqlite loads");
    conn.execute_batch("CREATE TABLE a (id INTEGER PRIMARY KEY NOT NULL, v TEXT)")
        .expect("table");
    let r: rusqlite::Result<String> = conn.query_row("SELECT crsql_as_crr('a')", [], |r| r.get(0));
    assert_eq!(r.expect("crsql_as_crr('a') succeeds"), "OK");
    // The same unterminated default was in crsql_commit_alter.
    conn.execute_batch("SELECT crsql_begin_alter('a'); ALTER TABLE a ADD COLUMN w TEXT; SELECT crsql_commit_alter('a');")
        .expect("one-argument alter succeeds");
    conn.execute("INSERT INTO a (id, v, w) VALUES (1, 'x', 'y')", [])
        .expect("insert");
    let changes: i64 = conn
        .query_row("SELECT count(*) FROM crsql_changes", [], |r| r.get(0))
        .expect("changes");
    assert_eq!(changes, 2);
}

#[test]
fn the_extension_is_built_optimised() {
    // A debug build of the Rust part carries its debug assertions' panic locations and is several
    // times larger; the release build of 0.16.3 is about 1.6 MB.
    let path = alpr_sync::extension_path().expect("extension written out");
    let len = std::fs::metadata(&path).expect("extension file").len();
    assert!(
        len < 3_000_000,
        "{} is {len} bytes: not the optimised build",
        path.display()
    );
}

#[test]
fn each_new_store_file_gets_its_own_site_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = CrConnection::open(&dir.path().join("a.db")).expect("a");
    let b = CrConnection::open(&dir.path().join("b.db")).expect("b");
    let (sa, sb) = (a.site_id().expect("site a"), b.site_id().expect("site b"));
    assert_eq!(sa.len(), 16);
    assert_ne!(sa, sb);
    drop(a);
    let again = CrConnection::open(&dir.path().join("a.db")).expect("reopen a");
    assert_eq!(
        again.site_id().expect("site a again"),
        sa,
        "the site id lives in the file"
    );
}

#[test]
fn pull_resumes_from_its_watermark_and_reapplying_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let a = CrConnection::open(&dir.path().join("a.db")).expect("a");
    let mut b = CrConnection::open(&dir.path().join("b.db")).expect("b");
    crr_table(&a);
    crr_table(&b);
    for i in 0..10u8 {
        a.execute(
            "INSERT INTO t (id, plate, n) VALUES (?1, ?2, ?3)",
            rusqlite::params![vec![i; 16], format!("P{i}"), i],
        )
        .expect("insert");
    }
    // Small batches: every batch commits whole versions, so the pull ends with everything.
    let first = pull(&a, &mut b, 3).expect("pull");
    assert_eq!(first.changes, 20);
    assert_eq!(first.through_db_version, a.db_version().expect("version"));
    assert_eq!(
        pull(&a, &mut b, 3).expect("second pull").changes,
        0,
        "nothing new, nothing sent"
    );

    let all = changes_since(&a, 0, None, usize::MAX).expect("changes");
    let before: i64 = b
        .query_row("SELECT crsql_db_version()", [], |r| r.get(0))
        .expect("version");
    apply_changes(&b, &all).expect("apply again");
    let after: i64 = b
        .query_row("SELECT crsql_db_version()", [], |r| r.get(0))
        .expect("version");
    assert_eq!(before, after, "re-applied changes are a no-op");
    let n: i64 = b
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 10);
}

#[test]
fn a_change_with_a_bad_site_id_is_refused_and_nothing_is_applied() {
    let a = CrConnection::open_in_memory().expect("a");
    let mut b = CrConnection::open_in_memory().expect("b");
    crr_table(&a);
    crr_table(&b);
    a.execute("INSERT INTO t (id, plate) VALUES (x'01', 'X')", [])
        .expect("insert");
    let mut changes = changes_since(&a, 0, None, usize::MAX).expect("changes");
    changes[1].site_id.truncate(3);
    let tx = b.transaction().expect("tx");
    let err = apply_changes(&tx, &changes).expect_err("refused");
    assert!(err.to_string().contains("site id of 3 bytes"), "{err}");
    drop(tx);
    let n: i64 = b
        .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 0);
}
