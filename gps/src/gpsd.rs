//! Fixes from a gpsd already running on the box, through its JSON protocol (`?WATCH`).
//!
//! gpsd closes the connection when it restarts; the client then connects again until told to
//! stop. A report of a class this client does not use (VERSION, DEVICE, ERROR, ...) is skipped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use gpsd_proto::{Mode, ResponseData, Sky, Tpv};
use tokio::sync::mpsc;

use crate::fix::{Fix, FixMode, FixSource};
use crate::sentence::decimal;
use crate::status::GpsStatus;

/// The longest report line accepted from gpsd (a SKY with a hundred satellites is a few KB).
const MAX_LINE: usize = 256 * 1024;

/// How to reach gpsd.
#[derive(Debug, Clone)]
pub struct GpsdConfig {
    /// `host:port`, gpsd's default port being 2947.
    pub addr: String,
    pub reconnect_every: Duration,
}

impl GpsdConfig {
    pub fn new(addr: impl Into<String>) -> Self {
        Self {
            addr: addr.into(),
            reconnect_every: Duration::from_secs(1),
        }
    }
}

/// Reads fixes into `tx` until `stop` is set or `tx` closes. Blocking: run it on its own thread.
pub fn run_gpsd(
    config: GpsdConfig,
    tx: mpsc::Sender<Fix>,
    status: Arc<GpsStatus>,
    stop: Arc<AtomicBool>,
) {
    let mut was_connected = false;
    let mut last_error = String::new();
    while !stop.load(Ordering::Relaxed) {
        let outcome = session(&config, &tx, &status, &stop, &mut was_connected);
        match outcome {
            Ok(()) => return,
            Err(e) => {
                let e = format!("gpsd at {}: {e}", config.addr);
                if e != last_error {
                    tracing::warn!("{e}; trying again every {:?}", config.reconnect_every);
                    last_error = e.clone();
                }
                status.update(|s| {
                    s.connected = false;
                    s.last_error = Some(e);
                });
                let until = Instant::now() + config.reconnect_every;
                while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
        }
    }
}

/// One connection: `Ok` when stopped, `Err` when the connection failed or ended.
fn session(
    config: &GpsdConfig,
    tx: &mpsc::Sender<Fix>,
    status: &GpsStatus,
    stop: &AtomicBool,
    was_connected: &mut bool,
) -> Result<(), String> {
    let addr = config
        .addr
        .to_socket_addrs()
        .map_err(|e| format!("resolving: {e}"))?
        .next()
        .ok_or("resolving: no address")?;
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3))
        .map_err(|e| format!("connecting: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(3)))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    // gpsd_proto's handshake unwraps replies it does not expect as UTF-8; a panic there must not
    // take the appliance down, so it counts as a failed connection.
    let handshake = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        gpsd_proto::handshake(&mut reader, &mut writer as &mut dyn Write)
    }));
    match handshake {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(format!("handshake: {e}")),
        Err(_) => return Err("handshake: gpsd sent a reply that is not UTF-8".into()),
    }
    reader
        .get_ref()
        .set_read_timeout(Some(Duration::from_millis(250)))
        .map_err(|e| e.to_string())?;
    tracing::info!(addr = %config.addr, "connected to gpsd");
    status.update(|s| {
        if *was_connected {
            s.reconnects += 1;
        }
        s.connected = true;
        s.last_error = None;
    });
    *was_connected = true;

    let mut reports = Reports::default();
    let mut line = Vec::new();
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        match read_line(&mut reader, &mut line) {
            Ok(LineRead::Line) => {}
            Ok(LineRead::Pending) => continue,
            Ok(LineRead::Eof) => return Err("gpsd closed the connection".into()),
            Ok(LineRead::TooLong) => {
                tracing::warn!("skipped a gpsd report longer than {MAX_LINE} bytes");
                continue;
            }
            Err(e) => return Err(format!("reading: {e}")),
        }
        let received = Utc::now();
        if let Some(fix) = reports.take(&line) {
            status.fix(&fix, received);
            if tx.blocking_send(fix).is_err() {
                return Ok(());
            }
        }
        line.clear();
    }
}

enum LineRead {
    Line,
    /// The read timed out with the line incomplete; call again.
    Pending,
    Eof,
    TooLong,
}

/// Reads up to a newline, keeping what a timeout interrupted in `line` for the next call.
fn read_line(reader: &mut BufReader<TcpStream>, line: &mut Vec<u8>) -> std::io::Result<LineRead> {
    let room = (MAX_LINE + 1).saturating_sub(line.len()) as u64;
    match reader.by_ref().take(room).read_until(b'\n', line) {
        Ok(0) if line.is_empty() => Ok(LineRead::Eof),
        Ok(_) if line.last() == Some(&b'\n') => Ok(LineRead::Line),
        Ok(_) if line.len() > MAX_LINE => {
            line.clear();
            // Skip the rest of the overlong line.
            let mut sink = Vec::new();
            reader.read_until(b'\n', &mut sink)?;
            Ok(LineRead::TooLong)
        }
        Ok(0) => Ok(LineRead::Eof),
        Ok(_) => Ok(LineRead::Pending),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            Ok(LineRead::Pending)
        }
        Err(e) => Err(e),
    }
}

/// Turns TPV reports into fixes, with DOP and satellites from the latest SKY.
#[derive(Debug, Default)]
pub(crate) struct Reports {
    hdop: Option<f64>,
    sats_used: Option<u32>,
    last_time: Option<DateTime<Utc>>,
}

impl Reports {
    /// The fix a report line completes, if any.
    pub(crate) fn take(&mut self, line: &[u8]) -> Option<Fix> {
        match serde_json::from_slice::<ResponseData>(line) {
            Ok(ResponseData::Sky(sky)) => {
                self.sky(&sky);
                None
            }
            Ok(ResponseData::Tpv(tpv)) => self.tpv(&tpv),
            // DEVICE, PPS, GST, and classes gpsd_proto does not know (ERROR, TOFF, ...).
            _ => None,
        }
    }

    fn sky(&mut self, sky: &Sky) {
        if let Some(h) = sky.hdop {
            self.hdop = Some(decimal(h));
        }
        if let Some(sats) = &sky.satellites {
            self.sats_used = Some(sats.iter().filter(|s| s.used).count() as u32);
        }
    }

    fn tpv(&mut self, tpv: &Tpv) -> Option<Fix> {
        let time = DateTime::parse_from_rfc3339(tpv.time.as_deref()?)
            .ok()?
            .to_utc();
        // gpsd may report an epoch more than once as sentences arrive; the first report stands.
        if self.last_time == Some(time) {
            return None;
        }
        self.last_time = Some(time);
        let mode = match tpv.mode {
            Mode::NoFix => FixMode::None,
            Mode::Fix2d => FixMode::TwoD,
            Mode::Fix3d => FixMode::ThreeD,
        };
        let positioned = mode != FixMode::None;
        let (lat, lon) = match (tpv.lat, tpv.lon) {
            (Some(lat), Some(lon)) if positioned => (Some(lat), Some(lon)),
            _ => (None, None),
        };
        let mode = if lat.is_some() { mode } else { FixMode::None };
        Some(Fix {
            time,
            lat,
            lon,
            alt_m: tpv
                .alt_msl
                .or(tpv.alt)
                .map(decimal)
                .filter(|_| mode == FixMode::ThreeD),
            speed_mps: tpv.speed.map(decimal).filter(|_| lat.is_some()),
            track_deg: tpv.track.map(decimal).filter(|_| lat.is_some()),
            mode,
            hdop: self.hdop,
            sats: self.sats_used,
            source: FixSource::Gpsd,
        })
    }
}
