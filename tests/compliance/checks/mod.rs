//! Checks shared by the agencies' compliance tests. Each takes a policy id, builds the fixture under
//! that policy's file and exercises the real store; every number it checks against comes from the
//! policy (`fx.policy`), never from the check's code.

pub mod access;
pub mod audit;
pub mod camera;
pub mod hits;
pub mod hotlists;
pub mod oversight;
pub mod release;
pub mod retention;
pub mod roles;
pub mod search;
pub mod transfer;

use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use alpr_appliance::hotlist::ConfusionTable;
use alpr_appliance::model::{Hit, ListedPlate, MatchedRead, Read, new_id};
use alpr_appliance::policy::{Permission, Policy};
use alpr_appliance::store::{AgencyEntryInput, SearchPurpose, Session, Store, StoreError};
use alpr_images::ImageBytes;
use alpr_tests::agency::{Agency, PASSWORD};
use alpr_tests::{jpeg_bytes, observation, unmatched};
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// A fresh store under one agency's policy, with the fixture's members logged in: `admin`
/// (administrator; a second one, `admin2`, is on record), `det` (investigator), `ofc` (operator),
/// `aud` (auditor) and `tech` (technician).
pub struct Fx {
    pub tmp: tempfile::TempDir,
    /// The store's data directory (`alpr.db`, `images/`).
    pub dir: PathBuf,
    pub store: Store,
    pub policy: Arc<Policy>,
    pub admin: Session,
    pub det: Session,
    pub ofc: Session,
    pub aud: Session,
    pub tech: Session,
}

/// Who does something, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Admin,
    Det,
    Ofc,
    Aud,
    Tech,
}

impl Fx {
    pub fn new(policy_id: &str) -> Self {
        Self::for_car(policy_id, "CAR-1")
    }

    pub fn for_car(policy_id: &str, car: &str) -> Self {
        let tmp = tempfile::tempdir().expect("tempdir");
        let Agency {
            dir,
            store,
            policy,
            admin,
            det,
            ofc,
            aud,
            tech,
        } = Agency::new(tmp.path(), policy_id, car);
        Fx {
            tmp,
            dir,
            store,
            policy,
            admin,
            det,
            ofc,
            aud,
            tech,
        }
    }

    pub fn session(&self, who: Who) -> &Session {
        match who {
            Who::Admin => &self.admin,
            Who::Det => &self.det,
            Who::Ofc => &self.ofc,
            Who::Aud => &self.aud,
            Who::Tech => &self.tech,
        }
    }

    /// A path under the test's temporary folder (not inside the store's data directory).
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// Logs a member in now, acknowledging the prohibited uses.
    pub fn login(&mut self, id: &str) -> Session {
        self.store
            .login(id, PASSWORD, true, Utc::now())
            .unwrap_or_else(|e| panic!("{id} logs in: {e}"))
    }

    /// Audit records with `action` (by `user` when given).
    pub fn audited(&self, action: &str, user: Option<&str>) -> i64 {
        self.scalar(
            "SELECT count(*) FROM audit_events WHERE action = ?1 AND (?2 IS NULL OR user_id = ?2)",
            rusqlite::params![action, user],
        )
    }

    /// Rows of a table, or of `table WHERE ...` (read straight from the database, so nothing is
    /// audited).
    pub fn rows(&self, table: &str) -> i64 {
        self.scalar(&format!("SELECT count(*) FROM {table}"), [])
    }

    pub fn scalar<P: rusqlite::Params>(&self, sql: &str, params: P) -> i64 {
        self.store
            .connection()
            .query_row(sql, params, |r| r.get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// The latest audit record with `action` by `user`: (object_id, detail, at).
    pub fn last_audit(&self, action: &str, user: &str) -> (String, String, DateTime<Utc>) {
        self.store
            .connection()
            .query_row(
                "SELECT object_id, detail, at_ms FROM audit_events
                 WHERE action = ?1 AND user_id = ?2 ORDER BY at_ms DESC, seq DESC LIMIT 1",
                [action, user],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        DateTime::from_timestamp_millis(r.get(2)?).unwrap_or_default(),
                    ))
                },
            )
            .unwrap_or_else(|e| panic!("no {action} audited for {user}: {e}"))
    }

    /// Checkpoints the WAL into the database file, then the bytes of `alpr.db` and its WAL.
    pub fn db_bytes(&self) -> Vec<u8> {
        self.store
            .connection()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
        let mut bytes = std::fs::read(self.dir.join("alpr.db")).expect("alpr.db");
        if let Ok(wal) = std::fs::read(self.dir.join("alpr.db-wal")) {
            bytes.extend(wal);
        }
        bytes
    }

    /// Stores reads (and their hits).
    pub fn insert(&mut self, reads: &[MatchedRead]) {
        self.store.insert_reads(reads).expect("reads stored");
    }

    /// A general (NCIC-style) list replaced whole with `entries`, as an import does.
    pub fn load_list(&mut self, list_id: &str, entries: &[ListedPlate]) -> i64 {
        self.store
            .replace_hotlist(
                list_id,
                list_id,
                entries,
                "sha256-of-the-test-file",
                "admin",
            )
            .expect("hot list loads")
    }

    /// The hits a read of `plate` (in `state`) would raise now, without storing it.
    pub fn would_hit(&self, plate: &str, state: Option<&str>) -> Vec<Hit> {
        let now = Utc::now();
        let (index, _) = self
            .store
            .load_hotlist_index(now, ConfusionTable::default())
            .expect("index loads");
        index.match_read(
            &Read {
                id: new_id(),
                observation: observation(plate, state, now),
                position: None,
            },
            now,
        )
    }

    /// A read of `plate` (in `state`) now, matched against the lists as the pipeline does and
    /// stored with its hits: (read id, hits).
    pub fn read_with_hits(&mut self, plate: &str, state: Option<&str>) -> (Uuid, Vec<Hit>) {
        let now = Utc::now();
        let (index, _) = self
            .store
            .load_hotlist_index(now, ConfusionTable::default())
            .expect("index loads");
        let read = Read {
            id: new_id(),
            observation: observation(plate, state, now),
            position: None,
        };
        let hits = index.match_read(&read, now);
        let id = read.id;
        self.insert(&[MatchedRead {
            read,
            hits: hits.clone(),
        }]);
        (id, hits)
    }

    /// One hit on a plate that a list holds (stored with its read): the hit's id.
    pub fn hit(&mut self, plate: &str, state: Option<&str>) -> Uuid {
        let (_, hits) = self.read_with_hits(plate, state);
        assert_eq!(hits.len(), 1, "one hit on {plate}: {hits:?}");
        hits[0].id
    }

    /// A search purpose that satisfies the policy: a case number, a reason long enough, a crime
    /// type from its list.
    pub fn purpose(&self) -> SearchPurpose {
        SearchPurpose {
            case_number: "25-00123".into(),
            reason: reason_of(self.policy.search.reason_min_chars.max(40)),
            crime_type: "burglary".into(),
        }
    }

    /// `admin2` logged in (a second administrator, for approvals of what `admin` entered).
    pub fn admin2(&mut self) -> Session {
        self.login("admin2")
    }
}

/// Loads an embedded policy.
pub fn policy(id: &str) -> Policy {
    Policy::load(id).unwrap_or_else(|e| panic!("policy {id}: {e}"))
}

/// A reason of exactly `n` characters (no spaces at its ends, which the store trims).
pub fn reason_of(n: usize) -> String {
    const TEXT: &str =
        "Robbery-suspect-vehicle-seen-leaving-the-bank-on-Main-Street-at-closing-time-";
    TEXT.chars().cycle().take(n).collect()
}

/// A read of `plate` captured `age` ago, with a plate crop and a context image whose bytes carry
/// the plate's text (so a file holding either can be found by searching for the plate).
pub fn read_aged(plate: &str, age: Duration, tag: u8) -> MatchedRead {
    let mut m = unmatched(plate, Utc::now() - age);
    let mut crop = jpeg_bytes(tag);
    crop.splice(4..4, format!("crop:{plate}").bytes());
    let mut context = jpeg_bytes(tag.wrapping_add(128));
    context.splice(4..4, format!("context:{plate}").bytes());
    m.read.observation.plate_crop = Some(ImageBytes(crop));
    m.read.observation.context_image = Some(ImageBytes(context));
    m
}

/// A read of `plate` `days` days (plus `hours` hours) ago.
pub fn read_days(plate: &str, days: i64, hours: i64, tag: u8) -> MatchedRead {
    read_aged(plate, Duration::days(days) + Duration::hours(hours), tag)
}

/// A hot-list record as an NCIC list carries it.
pub fn listed(plate: &str, state: Option<&str>) -> ListedPlate {
    ListedPlate {
        plate: plate.into(),
        state: state.map(Into::into),
        make: Some("FORD".into()),
        model: Some("F150".into()),
        color: Some("BLU".into()),
        reason: "STOLEN VEHICLE".into(),
        ncic_number: Some("V123456789".into()),
        ..Default::default()
    }
}

/// A BOLO or partial-plate entry with every record-keeping field.
pub fn entry_input(list_id: &str, plate: &str) -> AgencyEntryInput {
    AgencyEntryInput {
        list_id: list_id.into(),
        listed: ListedPlate {
            plate: plate.into(),
            reason: "SUSPECT VEHICLE, ARMED ROBBERY".into(),
            expires_at: Some(Utc::now() + Duration::days(30)),
            ..Default::default()
        },
        case_number: "25-00777".into(),
        synopsis: "armed robbery at the bank on Main St; witness saw part of the plate".into(),
        requested_by: "Det. Rivera".into(),
    }
}

/// The error's text, panicking (with the value) when the call succeeded.
pub fn err_text<T: Debug, E: std::fmt::Display>(r: Result<T, E>, what: &str) -> String {
    match r {
        Ok(v) => panic!("{what}: expected a refusal, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

/// Asserts the call was refused with a message naming `needle` (case-insensitive); returns it.
pub fn refused_naming<T: Debug>(r: Result<T, StoreError>, needle: &str) -> String {
    let text = err_text(r, needle);
    assert!(
        text.to_lowercase().contains(&needle.to_lowercase()),
        "the refusal {text:?} does not name {needle:?}"
    );
    text
}

/// Asserts the call was refused because `by` lacks `permission` (the store's own wording).
pub fn lacks<T: Debug>(r: Result<T, StoreError>, by: &Session, permission: Permission) {
    let e = match r {
        Ok(v) => panic!(
            "{} ({}) was let {}: {v:?}",
            by.user(),
            by.roles().join(","),
            permission.name()
        ),
        Err(e) => e,
    };
    assert!(matches!(e, StoreError::Refused(_)), "not a refusal: {e:?}");
    let text = e.to_string();
    assert!(
        text.contains(&format!("{} (", by.user()))
            && text.contains(&format!("may not {}", permission.name())),
        "the refusal {text:?} does not say {} may not {}",
        by.user(),
        permission.name()
    );
}

/// Whether any file under `dir` holds `needle`; the files that do.
pub fn files_holding(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if std::fs::read(&p)
                .expect("read file")
                .windows(needle.len())
                .any(|w| w == needle)
            {
                found.push(p);
            }
        }
    }
    found
}

pub fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Checks an export folder's `MANIFEST.sha256` line by line against the files it names, and that
/// every file of the folder is listed; returns the listed names.
pub fn verify_manifest(dir: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.sha256")).expect("MANIFEST.sha256");
    let mut names = Vec::new();
    for line in manifest.lines() {
        let (sha, name) = line.split_once("  ").expect("sha256sum format");
        let bytes = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            alpr_appliance::sha256_hex(&bytes),
            sha,
            "{name} does not match"
        );
        names.push(name.to_string());
    }
    let mut on_disk = Vec::new();
    for sub in ["", "images"] {
        for e in std::fs::read_dir(dir.join(sub)).expect("export folder") {
            let p = e.expect("entry").path();
            if p.is_file() && p.file_name().is_some_and(|n| n != "MANIFEST.sha256") {
                let rel = p.strip_prefix(dir).expect("inside").display().to_string();
                on_disk.push(rel);
            }
        }
    }
    on_disk.sort();
    let mut listed = names.clone();
    listed.sort();
    assert_eq!(listed, on_disk, "every exported file is in the manifest");
    names
}

/// The read ids in an export's `reads.json`.
pub fn exported_read_ids(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("reads.json")).expect("reads.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("reads.json is JSON");
    json["reads"]
        .as_array()
        .expect("reads")
        .iter()
        .map(|r| r["id"].as_str().expect("read id").to_string())
        .collect()
}
