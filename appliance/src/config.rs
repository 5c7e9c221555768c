//! The appliance's configuration: `/etc/alpr/alpr.toml` (see `appliance/alpr.example.toml`),
//! then the environment and the command line over it, then checked as a whole.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::hotlist::ConfusionTable;
use crate::hotlist::plate::DEFAULT_CONFUSIONS;

/// Where the appliance looks for its configuration when none is named.
pub const DEFAULT_PATH: &str = "/etc/alpr/alpr.toml";

/// Why a configuration was refused; each names the file or the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("reading {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{key}: {message}")]
    Invalid { key: &'static str, message: String },
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// This car's id; recorded in the store when it is created on first boot.
    pub car_id: Option<String>,
    /// The store and images (the encrypted data partition in the car).
    pub data_dir: Option<PathBuf>,
    /// The agency's ALPR policy: an id from `policies/` (built in) or a policy file.
    pub policy: Option<String>,
    #[serde(default)]
    pub cameras: CamerasConfig,
    #[serde(default)]
    pub gps: GpsConfig,
    #[serde(default)]
    pub hotlists: HotlistsConfig,
    #[serde(default)]
    pub lifecycle: LifecycleConfig,
    /// The link to headquarters; without it the car keeps everything and syncs nothing.
    pub sync: Option<SyncConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// Headquarters' address, `host:port`.
    pub hq: String,
    /// The name headquarters' certificate carries (what `alpr hq init --hostname` was given).
    pub server_name: String,
    /// The folder `alpr hq enroll` wrote for this car: ca.pem, car.pem, car-key.pem.
    pub tls_dir: PathBuf,
    /// Seconds between attempts; a session that ends (link lost) is retried after this.
    #[serde(default = "default_sync_interval")]
    pub interval_s: u64,
    /// Seconds a request may take before the session gives up.
    #[serde(default = "default_sync_timeout")]
    pub timeout_s: u64,
}

fn default_sync_interval() -> u64 {
    30
}

fn default_sync_timeout() -> u64 {
    20
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CamerasConfig {
    /// Where smart cameras connect.
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Ordinary cameras, whose frames go to the recogniser.
    #[serde(default)]
    pub frames: Vec<FrameCameraConfig>,
    /// An ordinary camera's pass (its frames of one passing plate, voted into one read) ends
    /// when no frame has read the plate for this long.
    #[serde(default = "default_pass_quiet")]
    pub pass_quiet_ms: u64,
    /// A pass still in view is voted after this long: the longest a hit's alert waits.
    #[serde(default = "default_pass_longest")]
    pub pass_longest_ms: u64,
}

impl CamerasConfig {
    pub fn pass_limits(&self) -> alpr_images::passes::PassLimits {
        alpr_images::passes::PassLimits {
            quiet: Duration::from_millis(self.pass_quiet_ms),
            longest: Duration::from_millis(self.pass_longest_ms),
        }
    }
}

fn default_pass_quiet() -> u64 {
    millis(alpr_images::passes::PassLimits::default().quiet)
}

fn default_pass_longest() -> u64 {
    millis(alpr_images::passes::PassLimits::default().longest)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// An ordinary camera: `{ name = "front", source = "http://..." }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameCameraConfig {
    /// The camera's name, as its reads are labelled.
    pub name: String,
    /// Where its frames come from: `v4l2:/dev/video0`, `http://[user:password@]host/path`,
    /// `dir:/path?fps=10&loop=true` or `replay:/path/file.mjpeg?fps=10`.
    pub source: String,
}

impl FrameCameraConfig {
    pub fn spec(
        &self,
    ) -> Result<alpr_images::source::FrameSourceSpec, alpr_images::source::SourceError> {
        self.source.parse()
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 5077))
}

impl Default for CamerasConfig {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            frames: Vec::new(),
            pass_quiet_ms: default_pass_quiet(),
            pass_longest_ms: default_pass_longest(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GpsConfig {
    /// A serial receiver (`/dev/ttyUSB0`, ...).
    pub serial: Option<PathBuf>,
    /// Its baud rate; detected when not given.
    pub baud: Option<u32>,
    /// A gpsd, `host:port`.
    pub gpsd: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HotlistsConfig {
    /// Characters OCR confuses, as classes.
    #[serde(default = "default_confusions")]
    pub confusions: String,
    /// Seconds between looks for a new list version or approval.
    #[serde(default = "default_check")]
    pub check_interval_s: u64,
}

fn default_confusions() -> String {
    DEFAULT_CONFUSIONS.to_string()
}

fn default_check() -> u64 {
    15
}

impl Default for HotlistsConfig {
    fn default() -> Self {
        Self {
            confusions: default_confusions(),
            check_interval_s: default_check(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleConfig {
    /// Seconds between ignition off and the shutdown (sync may finish a batch meanwhile).
    #[serde(default = "default_delay")]
    pub shutdown_delay_s: u64,
    /// Seconds the shutdown may take to store the reads in flight; keep it under systemd's
    /// `TimeoutStopSec`.
    #[serde(default = "default_drain")]
    pub drain_timeout_s: u64,
    /// Ignition sense, when wired.
    pub ignition: Option<IgnitionConfig>,
}

fn default_drain() -> u64 {
    30
}

fn default_delay() -> u64 {
    60
}

impl Default for LifecycleConfig {
    fn default() -> Self {
        Self {
            shutdown_delay_s: default_delay(),
            drain_timeout_s: default_drain(),
            ignition: None,
        }
    }
}

/// A line the technician wired to the ignition, read as a file holding `0` or `1` (a sysfs
/// GPIO `value` file, or any file a board's driver keeps).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnitionConfig {
    pub path: PathBuf,
    /// The line reads 0 while the engine runs.
    #[serde(default)]
    pub active_low: bool,
    /// How often to read it, in milliseconds.
    #[serde(default = "default_poll")]
    pub poll_ms: u64,
}

fn default_poll() -> u64 {
    500
}

impl Config {
    /// Reads a configuration file. Unknown keys are refused (a misspelt key must not be
    /// silently ignored in a car).
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    /// Checks the whole, after the environment and command line have been laid over it.
    pub fn validate(&self) -> Result<(), ConfigError> {
        match &self.car_id {
            None => {
                return Err(invalid(
                    "car_id",
                    "not given (file, ALPR_CAR_ID or --car-id)",
                ));
            }
            Some(id)
                if id.is_empty()
                    || !id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) =>
            {
                return Err(invalid(
                    "car_id",
                    format!("{id:?}: letters, digits, '-', '_' and '.' only"),
                ));
            }
            Some(_) => {}
        }
        if self.data_dir.is_none() {
            return Err(invalid(
                "data_dir",
                "not given (file, ALPR_DATA_DIR or --data-dir)",
            ));
        }
        match &self.policy {
            None => {
                return Err(invalid(
                    "policy",
                    "not given (file, ALPR_POLICY or --policy): the agency's ALPR policy, \
                     e.g. clinton",
                ));
            }
            Some(p) => {
                crate::policy::Policy::load(p).map_err(|e| invalid("policy", e.to_string()))?;
            }
        }
        if self.gps.serial.is_some() && self.gps.gpsd.is_some() {
            return Err(invalid("gps", "serial and gpsd are both set: choose one"));
        }
        if let Some(b) = self.gps.baud {
            if self.gps.serial.is_none() {
                return Err(invalid("gps.baud", "set without gps.serial"));
            }
            if !alpr_gps::BAUD_RATES.contains(&b) {
                return Err(invalid(
                    "gps.baud",
                    format!("{b}: one of {:?}", alpr_gps::BAUD_RATES),
                ));
            }
        }
        ConfusionTable::parse(&self.hotlists.confusions)
            .map_err(|e| invalid("hotlists.confusions", e))?;
        if !(1..=3600).contains(&self.hotlists.check_interval_s) {
            return Err(invalid(
                "hotlists.check_interval_s",
                format!("{}: 1 to 3600", self.hotlists.check_interval_s),
            ));
        }
        if !(10..=1800).contains(&self.lifecycle.shutdown_delay_s) {
            return Err(invalid(
                "lifecycle.shutdown_delay_s",
                format!("{}: 10 s to 30 min", self.lifecycle.shutdown_delay_s),
            ));
        }
        if !(1..=600).contains(&self.lifecycle.drain_timeout_s) {
            return Err(invalid(
                "lifecycle.drain_timeout_s",
                format!("{}: 1 to 600", self.lifecycle.drain_timeout_s),
            ));
        }
        if let Some(sync) = &self.sync {
            if !sync.hq.contains(':') {
                return Err(invalid("sync.hq", format!("{:?}: host:port", sync.hq)));
            }
            if rustls_pki_types::ServerName::try_from(sync.server_name.clone()).is_err() {
                return Err(invalid(
                    "sync.server_name",
                    format!("{:?} is not a host name or address", sync.server_name),
                ));
            }
            if !(1..=86_400).contains(&sync.interval_s) {
                return Err(invalid(
                    "sync.interval_s",
                    format!("{}: 1 to 86400", sync.interval_s),
                ));
            }
            if !(1..=600).contains(&sync.timeout_s) {
                return Err(invalid(
                    "sync.timeout_s",
                    format!("{}: 1 to 600", sync.timeout_s),
                ));
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for camera in &self.cameras.frames {
            let name_ok = !camera.name.is_empty()
                && camera
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !name_ok {
                return Err(invalid(
                    "cameras.frames",
                    format!("{:?}: letters, digits, '-', '_' and '.' only", camera.name),
                ));
            }
            if !names.insert(camera.name.as_str()) {
                return Err(invalid(
                    "cameras.frames",
                    format!("{:?} is named twice", camera.name),
                ));
            }
            camera
                .spec()
                .map_err(|e| invalid("cameras.frames", format!("{}: {e}", camera.name)))?;
        }
        let cameras = &self.cameras;
        if !(100..=10_000).contains(&cameras.pass_quiet_ms) {
            return Err(invalid(
                "cameras.pass_quiet_ms",
                format!("{}: 100 to 10000", cameras.pass_quiet_ms),
            ));
        }
        if !(cameras.pass_quiet_ms..=30_000).contains(&cameras.pass_longest_ms) {
            return Err(invalid(
                "cameras.pass_longest_ms",
                format!(
                    "{}: from cameras.pass_quiet_ms ({}) to 30000",
                    cameras.pass_longest_ms, cameras.pass_quiet_ms
                ),
            ));
        }
        if let Some(i) = &self.lifecycle.ignition
            && !(50..=10_000).contains(&i.poll_ms)
        {
            return Err(invalid(
                "lifecycle.ignition.poll_ms",
                format!("{}: 50 to 10000", i.poll_ms),
            ));
        }
        Ok(())
    }

    pub fn confusions(&self) -> ConfusionTable {
        ConfusionTable::parse(&self.hotlists.confusions).unwrap_or_default()
    }

    pub fn shutdown_delay(&self) -> Duration {
        Duration::from_secs(self.lifecycle.shutdown_delay_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("alpr.toml");
        std::fs::write(&path, text).expect("write");
        let c = Config::load(&path)?;
        c.validate()?;
        Ok(c)
    }

    #[test]
    fn the_shipped_example_is_valid() {
        let c = load(include_str!("../alpr.example.toml")).expect("example loads");
        assert_eq!(c.lifecycle.shutdown_delay_s, 60);
        assert!(c.lifecycle.ignition.is_some());
    }

    #[test]
    fn the_image_configuration_is_valid_once_the_car_is_named() {
        // The image leaves the car id to each car's alpr.env.
        let image = include_str!("../../yocto/meta-alpr/recipes-alpr/alpr/files/alpr.toml");
        let c = load(&format!("car_id = \"CAR-0042\"\n{image}")).expect("image config loads");
        assert_eq!(c.policy.as_deref(), Some("clinton"));
    }

    #[test]
    fn faults_name_their_key() {
        let base = "car_id = \"CAR-1\"\ndata_dir = \"/var/lib/alpr\"\npolicy = \"clinton\"\n";
        for (extra, key) in [
            ("[gps]\nbaud = 9600\n", "gps.baud"),
            (
                "[gps]\nserial = \"/dev/ttyUSB0\"\nbaud = 1234\n",
                "gps.baud",
            ),
            ("[gps]\nserial = \"/dev/x\"\ngpsd = \"h:1\"\n", "gps"),
            (
                "[lifecycle]\nshutdown_delay_s = 5\n",
                "lifecycle.shutdown_delay_s",
            ),
            (
                "[hotlists]\nconfusions = \"0O,O1\"\n",
                "hotlists.confusions",
            ),
        ] {
            let err = load(&format!("{base}{extra}")).expect_err(extra);
            assert!(err.to_string().starts_with(key), "{err}");
        }
        let err = load("car_id = \"CAR 1\"\ndata_dir = \"/d\"\n").expect_err("space");
        assert!(err.to_string().starts_with("car_id"), "{err}");
        let err = load("car_id = \"CAR-1\"\ndata_dir = \"/d\"\n").expect_err("no policy");
        assert!(err.to_string().starts_with("policy"), "{err}");
        let err = load(&base.replace("clinton", "gotham")).expect_err("unknown");
        assert!(err.to_string().contains("gotham"), "{err}");
        let err = load(&format!("{base}[lifecycle]\nshutdown_delay = 60\n")).expect_err("typo");
        assert!(err.to_string().contains("shutdown_delay"), "{err}");
        let err = load(&format!("{base}[cameras]\nlisten = \"nowhere\"\n")).expect_err("addr");
        assert!(err.to_string().contains("alpr.toml"), "{err}");
    }

    #[test]
    fn frame_cameras_are_checked_by_name_and_source() {
        let base = "car_id = \"CAR-1\"\ndata_dir = \"/d\"\npolicy = \"clinton\"\n[cameras]\n";
        let c = load(&format!(
            "{base}frames = [{{ name = \"front\", source = \"http://u:pw@10.0.0.9/mjpg/video.mjpg\" }},\n\
             {{ name = \"rear\", source = \"v4l2:/dev/video0\" }}]\n"
        ))
        .expect("two frame cameras");
        assert_eq!(c.cameras.frames.len(), 2);
        assert!(load(base).expect("none").cameras.frames.is_empty());
        for (frames, says) in [
            ("[{ name = \"front\", source = \"rtsp://cam\" }]", "front"),
            (
                "[{ name = \"a\", source = \"dir:/x\" }, { name = \"a\", source = \"dir:/y\" }]",
                "twice",
            ),
            (
                "[{ name = \"front door\", source = \"dir:/x\" }]",
                "letters",
            ),
        ] {
            let err = load(&format!("{base}frames = {frames}\n")).expect_err(frames);
            assert!(err.to_string().starts_with("cameras.frames"), "{err}");
            assert!(err.to_string().contains(says), "{err}");
        }
        let err = load(&format!(
            "{base}frames = [{{ name = \"a\", src = \"dir:/x\" }}]\n"
        ))
        .expect_err("unknown key");
        assert!(err.to_string().contains("src"), "{err}");
    }

    #[test]
    fn pass_limits_default_to_the_pipelines_and_are_checked() {
        let base = "car_id = \"CAR-1\"\ndata_dir = \"/d\"\npolicy = \"clinton\"\n[cameras]\n";
        let limits = load(base).expect("defaults").cameras.pass_limits();
        assert_eq!(limits, alpr_images::passes::PassLimits::default());
        let c = load(&format!(
            "{base}pass_quiet_ms = 1500\npass_longest_ms = 4000\n"
        ))
        .expect("set");
        assert_eq!(c.cameras.pass_limits().quiet, Duration::from_millis(1500));
        assert_eq!(c.cameras.pass_limits().longest, Duration::from_millis(4000));
        for (keys, says) in [
            ("pass_quiet_ms = 0", "cameras.pass_quiet_ms"),
            ("pass_quiet_ms = 20000", "cameras.pass_quiet_ms"),
            ("pass_longest_ms = 500", "cameras.pass_longest_ms"),
            (
                "pass_quiet_ms = 3000\npass_longest_ms = 2000",
                "cameras.pass_longest_ms",
            ),
            ("pass_longest_ms = 60000", "cameras.pass_longest_ms"),
        ] {
            let err = load(&format!("{base}{keys}\n")).expect_err(keys);
            assert!(err.to_string().starts_with(says), "{keys}: {err}");
        }
    }
}
