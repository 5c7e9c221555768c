//! What a fleet technician needs to see in a minute: the running appliance writes its state to
//! `status.json` in the data directory every few seconds, and `alpr selftest` reads it with the
//! store and the machine, and says for each part pass, warn or fail, with a hint to act on.

use std::path::{Path, PathBuf};

use alpr_gps::{FixMode, GpsStatusSnapshot};
use alpr_images::smart_camera::CameraStatsSnapshot;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::Store;

/// The file `alpr run` keeps current in the data directory.
pub const STATUS_FILE: &str = "status.json";

/// How often `alpr run` rewrites it.
pub const STATUS_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// The GPS part of the status: the source's own state, and when a position was last had.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GpsState {
    /// Empty `source` when none is configured.
    #[serde(flatten)]
    pub receiver: GpsStatusSnapshot,
    pub last_position_at: Option<DateTime<Utc>>,
}

/// The running appliance, as it last wrote itself down.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApplianceStatus {
    pub car_id: String,
    pub pid: u32,
    pub started_at: DateTime<Utc>,
    pub written_at: DateTime<Utc>,
    pub camera_listen: String,
    pub cameras: CameraStatsSnapshot,
    /// Ordinary cameras by name: frames a second, drops, reconnects, the last error.
    #[serde(default)]
    pub frame_cameras: std::collections::BTreeMap<String, alpr_images::source::SourceStatsSnapshot>,
    pub gps: GpsState,
    pub reads_stored: u64,
    pub hits: u64,
    pub frames_dropped: u64,
    pub hotlist_entries: usize,
    /// The link to headquarters, when one is configured.
    #[serde(default)]
    pub sync: Option<SyncStatus>,
}

/// What the car's sync loop last did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SyncStatus {
    pub hq: String,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub changes_pushed: u64,
    pub changes_pulled: u64,
    /// When the car's certificate runs out.
    pub certificate_expires: Option<DateTime<Utc>>,
}

impl ApplianceStatus {
    /// Writes it whole or not at all (a reader never sees half a file).
    pub fn write(&self, data_dir: &Path) -> std::io::Result<()> {
        let tmp = data_dir.join(format!("{STATUS_FILE}.tmp"));
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, data_dir.join(STATUS_FILE))
    }

    pub fn read(data_dir: &Path) -> Result<Self, String> {
        let path = data_dir.join(STATUS_FILE);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

/// One line of the self-test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    pub name: String,
    pub status: Verdict,
    /// What was found.
    pub detail: String,
    /// What a technician can do about it (empty on a pass).
    pub hint: String,
}

fn check(name: &str, status: Verdict, detail: String, hint: &str) -> Check {
    Check {
        name: name.to_string(),
        status,
        detail,
        hint: hint.to_string(),
    }
}

/// Limits the checks apply.
#[derive(Debug, Clone)]
pub struct Thresholds {
    /// The status file older than this: the appliance is not running.
    pub status_max_age: chrono::Duration,
    /// A camera silent for longer than this while disconnected fails.
    pub camera_silence: chrono::Duration,
    /// No position for longer than this: the antenna hint.
    pub gps_no_fix: chrono::Duration,
    pub clock_offset_warn_ms: i64,
    pub free_space_warn_bytes: u64,
    pub hotlist_warn_age: chrono::Duration,
    pub hotlist_fail_age: chrono::Duration,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            status_max_age: chrono::Duration::seconds(10),
            camera_silence: chrono::Duration::seconds(60),
            gps_no_fix: chrono::Duration::minutes(2),
            clock_offset_warn_ms: 2_000,
            free_space_warn_bytes: 2 << 30,
            hotlist_warn_age: chrono::Duration::hours(26),
            hotlist_fail_age: chrono::Duration::days(3),
        }
    }
}

/// Every check, in the order a technician works through them.
pub fn selftest(data_dir: &Path, t: &Thresholds, now: DateTime<Utc>) -> Vec<Check> {
    selftest_with_audio(
        data_dir,
        t,
        now,
        &alpr_ui::audio::AlertSpeaker::open().status(),
    )
}

/// The same checks, with the audio output as `audio` says (a running screen asks its own
/// speaker rather than opening the device a second time).
pub fn selftest_with_audio(
    data_dir: &Path,
    t: &Thresholds,
    now: DateTime<Utc>,
    audio_status: &alpr_ui::audio::AudioStatus,
) -> Vec<Check> {
    let mut out = Vec::new();
    let status = ApplianceStatus::read(data_dir);
    match &status {
        Ok(s) if now - s.written_at <= t.status_max_age => out.push(check(
            "appliance",
            Verdict::Pass,
            format!(
                "running as {} since {} (pid {})",
                s.car_id, s.started_at, s.pid
            ),
            "",
        )),
        Ok(s) => out.push(check(
            "appliance",
            Verdict::Fail,
            format!("no status for {} s", (now - s.written_at).num_seconds()),
            "the appliance is not running or hangs: `systemctl status alpr`, `journalctl -u alpr`",
        )),
        Err(e) => out.push(check(
            "appliance",
            Verdict::Fail,
            format!("no status: {e}"),
            "the appliance has not run with this data directory: `systemctl start alpr`",
        )),
    }
    match &status {
        Ok(s) => {
            out.push(cameras(s, t, now));
            out.extend(gps(s, t, now));
        }
        Err(_) => {
            for name in ["cameras", "gps", "clock"] {
                out.push(check(
                    name,
                    Verdict::Fail,
                    "unknown: the appliance is not running".into(),
                    "start the appliance first",
                ));
            }
        }
    }
    out.extend(storage(data_dir, t, now));
    out.push(match &status {
        Ok(s) => sync(s, now),
        Err(_) => check(
            "sync",
            Verdict::Fail,
            "unknown: the appliance is not running".into(),
            "start the appliance first",
        ),
    });
    out.push(audio(audio_status));
    out
}

/// Whether a hit can be heard: an officer who is not looking at the screen relies on the tones.
fn audio(status: &alpr_ui::audio::AudioStatus) -> Check {
    use alpr_ui::audio::AudioStatus;
    match status {
        AudioStatus::Available { device } => check(
            "audio",
            Verdict::Pass,
            format!("alert tones play on {device}"),
            "",
        ),
        // Warn, not fail: the car still reads plates and shows hits, only silently.
        AudioStatus::Unavailable { reason } => check(
            "audio",
            Verdict::Warn,
            format!("no audio output: {reason}"),
            "hits will be silent: check the speaker's wiring and power, that `aplay -l` lists \
             the sound card, and that the ALSA default device (/etc/asound.conf) points to it; \
             if another program holds the device, stop it and run the self-test again",
        ),
    }
}

/// The link to headquarters: configured, last contact, last error, and the car certificate's
/// expiry (a car whose certificate ran out is refused by headquarters).
fn sync(s: &ApplianceStatus, now: DateTime<Utc>) -> Check {
    let Some(sync) = &s.sync else {
        return check(
            "sync",
            Verdict::Warn,
            "no headquarters link configured".into(),
            "add [sync] to /etc/alpr/alpr.toml with the folder `alpr hq enroll` wrote for this car",
        );
    };
    if let Some(exp) = sync.certificate_expires {
        if exp <= now {
            return check(
                "sync",
                Verdict::Fail,
                format!("the car's certificate expired {}", exp.format("%Y-%m-%d")),
                "headquarters refuses this car: enroll it again (`alpr hq enroll`) and install the new certificate",
            );
        }
        if exp - now < chrono::Duration::days(30) {
            return check(
                "sync",
                Verdict::Warn,
                format!("the car's certificate expires {}", exp.format("%Y-%m-%d")),
                "renew it before then: `alpr hq enroll` at headquarters",
            );
        }
    }
    let contact = sync
        .last_success
        .map(|t| format!("last contact {} s ago", (now - t).num_seconds()))
        .unwrap_or_else(|| "no contact yet".into());
    match (&sync.last_error, sync.last_success) {
        (Some(e), _) if e.contains("Revoked") || e.contains("certificate") => check(
            "sync",
            Verdict::Fail,
            format!("{contact}; refused: {e}"),
            "headquarters refuses this car's certificate: ask headquarters to enroll it again",
        ),
        (Some(e), Some(t)) if now - t < chrono::Duration::hours(12) => check(
            "sync",
            Verdict::Warn,
            format!("{contact}; last attempt failed: {e}"),
            "no link right now (dead zone?); the car keeps everything and resumes when one exists",
        ),
        (Some(e), _) => check(
            "sync",
            Verdict::Fail,
            format!("{contact}; {e}"),
            "check the modem, the APN and that headquarters' address in [sync] is right",
        ),
        (None, Some(_)) => check(
            "sync",
            Verdict::Pass,
            format!(
                "{contact} with {}; {} changes sent, {} received",
                sync.hq, sync.changes_pushed, sync.changes_pulled
            ),
            "",
        ),
        (None, None) => check(
            "sync",
            Verdict::Warn,
            "no attempt yet".into(),
            "the first sync runs within the configured interval",
        ),
    }
}

fn cameras(s: &ApplianceStatus, t: &Thresholds, now: DateTime<Utc>) -> Check {
    let c = &s.cameras;
    let last = c.cameras.values().map(|seen| seen.last_read_ms).max();
    let last = last.and_then(DateTime::from_timestamp_millis);
    let names: Vec<String> = c
        .cameras
        .iter()
        .map(|(name, seen)| {
            let age = DateTime::from_timestamp_millis(seen.last_read_ms)
                .map(|at| format!("{} s ago", (now - at).num_seconds()))
                .unwrap_or_default();
            format!("{name}: {} reads, last {age}", seen.reads)
        })
        .collect();
    let silent = last.is_none_or(|at| now - at > t.camera_silence);
    let detail = format!(
        "{} connected on {}; {}",
        c.open,
        s.camera_listen,
        if names.is_empty() {
            "no reads yet".to_string()
        } else {
            names.join("; ")
        }
    );
    if c.open == 0 && silent {
        check(
            "cameras",
            Verdict::Fail,
            detail,
            "no camera is connected: check each camera's power and network cable, and that it \
             sends to the address above",
        )
    } else if silent {
        check(
            "cameras",
            Verdict::Warn,
            detail,
            "connected but no plate read lately: check the camera's view, focus and exposure \
             (a dirty or fogged window reads nothing)",
        )
    } else {
        check("cameras", Verdict::Pass, detail, "")
    }
}

fn gps(s: &ApplianceStatus, t: &Thresholds, now: DateTime<Utc>) -> Vec<Check> {
    let g = &s.gps.receiver;
    let mut out = Vec::new();
    let baud = g.baud.map(|b| format!(" at {b} baud")).unwrap_or_default();
    let fix = g.last_fix.as_ref().map(|f| {
        let mode = match f.mode {
            FixMode::ThreeD => "3D",
            FixMode::TwoD => "2D",
            FixMode::None => "no fix",
        };
        format!(
            "{mode}, {} satellites, HDOP {}",
            f.sats.map_or("?".into(), |n| n.to_string()),
            f.hdop.map_or("?".into(), |h| h.to_string())
        )
    });
    let no_position_for = s.gps.last_position_at.map(|at| now - at);
    if g.source.is_empty() {
        out.push(check(
            "gps",
            Verdict::Fail,
            "no GPS configured".into(),
            "set [gps] serial or gpsd in /etc/alpr/alpr.toml: reads are stored without a position",
        ));
    } else if !g.connected {
        out.push(check(
            "gps",
            Verdict::Fail,
            format!(
                "{} not connected: {}",
                g.source,
                g.last_error.clone().unwrap_or_default()
            ),
            "check the GPS puck's USB cable and that the device name is right (`ls /dev/ttyUSB* \
             /dev/ttyACM*`); for gpsd, `systemctl status gpsd`",
        ));
    } else if no_position_for.is_none_or(|d| d > t.gps_no_fix) {
        out.push(check(
            "gps",
            Verdict::Fail,
            format!(
                "{}{baud} connected, no position for {}",
                g.source,
                no_position_for.map_or("ever".into(), |d| format!("{} s", d.num_seconds()))
            ),
            "the receiver talks but has no fix: check the antenna has open sky (not under a \
             metal roof or tinted glass) and its cable is seated",
        ));
    } else {
        out.push(check(
            "gps",
            Verdict::Pass,
            format!(
                "{}{baud}: {}",
                g.source,
                fix.unwrap_or_else(|| "fixing".into())
            ),
            "",
        ));
    }
    out.push(match g.clock_offset_ms {
        Some(ms) if ms.abs() > t.clock_offset_warn_ms => check(
            "clock",
            Verdict::Warn,
            format!("system clock is {ms} ms off GPS time"),
            "read times come from GPS, but logs and sync use the system clock: enable time sync \
             from GPS (chrony with the gpsd refclock)",
        ),
        Some(ms) => check("clock", Verdict::Pass, format!("{ms} ms from GPS time"), ""),
        None => check(
            "clock",
            Verdict::Warn,
            "not measured (no GPS time yet)".into(),
            "needs a GPS fix",
        ),
    });
    out
}

fn free_bytes(path: &Path) -> Option<u64> {
    let stat = nix::sys::statvfs::statvfs(path).ok()?;
    Some(stat.blocks_available() as u64 * stat.fragment_size() as u64)
}

fn storage(data_dir: &Path, t: &Thresholds, now: DateTime<Utc>) -> Vec<Check> {
    let mut out = Vec::new();
    match free_bytes(data_dir) {
        Some(b) if b < t.free_space_warn_bytes => out.push(check(
            "storage",
            Verdict::Warn,
            format!("{} MiB free in {}", b >> 20, data_dir.display()),
            "the data partition is filling: check the retention schedule runs",
        )),
        Some(b) => out.push(check(
            "storage",
            Verdict::Pass,
            format!("{} MiB free in {}", b >> 20, data_dir.display()),
            "",
        )),
        None => out.push(check(
            "storage",
            Verdict::Fail,
            format!("{} cannot be read", data_dir.display()),
            "the data partition is not mounted (or not unlocked)",
        )),
    }
    let db: PathBuf = data_dir.join(crate::store::DB_FILE);
    if !db.exists() {
        out.push(check(
            "database",
            Verdict::Fail,
            format!("no database at {}", db.display()),
            "the appliance creates it on first start: `systemctl start alpr`",
        ));
        return out;
    }
    match Store::open(data_dir, "selftest") {
        Ok(store) => {
            match store.integrity() {
                Ok(ok) if ok == "ok" => {
                    out.push(check("database", Verdict::Pass, "integrity ok".into(), ""))
                }
                Ok(problem) => out.push(check(
                    "database",
                    Verdict::Fail,
                    problem,
                    "the database is damaged: keep the box powered, export evidence, and call \
                     support before anything else",
                )),
                Err(e) => out.push(check(
                    "database",
                    Verdict::Fail,
                    e.to_string(),
                    "the database cannot be checked",
                )),
            }
            out.push(hotlists(&store, t, now));
            if let Some(c) = retention(&store, now) {
                out.push(c);
            }
            let _ = store.close();
        }
        Err(e) => out.push(check(
            "database",
            Verdict::Fail,
            e.to_string(),
            "the database cannot be opened",
        )),
    }
    out
}

/// Reads kept past the policy's retention because headquarters has not acknowledged them: the
/// car has been out of reach longer than the policy keeps reads.
fn retention(store: &Store, now: DateTime<Utc>) -> Option<Check> {
    let policy = store
        .recorded_policy()
        .ok()
        .flatten()
        .and_then(|id| crate::policy::Policy::load(&id).ok())?;
    let waiting = store
        .reads_awaiting_hq(policy.retention.max_days, now)
        .ok()?;
    Some(if waiting == 0 {
        check(
            "retention",
            Verdict::Pass,
            format!("reads kept at most {} days", policy.retention.max_days),
            "",
        )
    } else {
        check(
            "retention",
            Verdict::Warn,
            format!(
                "{waiting} reads are past the {} days the {} policy keeps them, waiting for headquarters to receive them",
                policy.retention.max_days, policy.agency.id
            ),
            "bring the car within reach of headquarters (the depot's network) so it can sync and purge them",
        )
    })
}

fn hotlists(store: &Store, t: &Thresholds, now: DateTime<Utc>) -> Check {
    let lists = match store.hotlist_summaries() {
        Ok(l) => l,
        Err(e) => return check("hotlists", Verdict::Fail, e.to_string(), ""),
    };
    // The agency's policy says how old a general list may get (Kentucky I.4: a day).
    let warn_age = store
        .recorded_policy()
        .ok()
        .flatten()
        .and_then(|id| crate::policy::Policy::load(&id).ok())
        .map(|p| chrono::Duration::hours(i64::from(p.hotlists.max_age_hours)))
        .unwrap_or(t.hotlist_warn_age);
    let general: Vec<_> = lists.iter().filter(|l| l.kind == "general").collect();
    let newest = general.iter().filter_map(|l| l.loaded_at).max();
    let detail = lists
        .iter()
        .map(|l| format!("{} v{} ({} entries)", l.id, l.version, l.entries))
        .collect::<Vec<_>>()
        .join(", ");
    match newest {
        None => check(
            "hotlists",
            Verdict::Fail,
            "no hot list loaded".into(),
            "reads are not matched against any list: sync with headquarters or `alpr hotlist \
             import`",
        ),
        Some(at) if now - at > t.hotlist_fail_age => check(
            "hotlists",
            Verdict::Fail,
            format!("newest list {} h old: {detail}", (now - at).num_hours()),
            "lists must be refreshed at least daily: check the headquarters link",
        ),
        Some(_) => match store.stale_hotlists(warn_age, now) {
            Ok(stale) if !stale.is_empty() => check(
                "hotlists",
                Verdict::Warn,
                format!(
                    "older than {} h: {}",
                    warn_age.num_hours(),
                    stale
                        .iter()
                        .map(|(id, age)| format!("{id} {} h old", age.num_hours()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "the daily list has not arrived: check the headquarters link",
            ),
            Ok(_) => check("hotlists", Verdict::Pass, detail, ""),
            Err(e) => check("hotlists", Verdict::Fail, e.to_string(), ""),
        },
    }
}

#[cfg(test)]
mod audio_check {
    use super::*;
    use alpr_ui::audio::AudioStatus;

    #[test]
    fn a_speaker_passes_with_its_name_and_none_warns_with_the_reason() {
        let c = audio(&AudioStatus::Available {
            device: "Default Audio Device (default), 48000 Hz, 2 channel(s)".into(),
        });
        assert_eq!(c.status, Verdict::Pass);
        assert!(c.detail.contains("Default Audio Device (default)"), "{c:?}");
        assert!(c.hint.is_empty());
        let c = audio(&AudioStatus::Unavailable {
            reason: "default: no such card".into(),
        });
        assert_eq!(c.status, Verdict::Warn);
        assert_eq!(c.detail, "no audio output: default: no such card");
        assert!(c.hint.contains("aplay -l"), "{c:?}");
    }

    #[test]
    fn the_selftest_has_an_audio_check_whatever_the_machine() {
        let dir = std::env::temp_dir().join(format!("alpr-audio-check-{}", std::process::id()));
        let checks = selftest(&dir, &Thresholds::default(), Utc::now());
        let _ = std::fs::remove_dir_all(&dir);
        let audio = checks
            .iter()
            .find(|c| c.name == "audio")
            .expect("an audio check");
        assert_ne!(audio.status, Verdict::Fail, "{audio:?}");
        assert!(!audio.detail.contains("in this build"), "{audio:?}");
    }
}
