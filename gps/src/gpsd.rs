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
        .set_read_timeout(Some(Duration::from_millis(100)))
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
    let send = |fix: Option<Fix>| -> bool {
        match fix {
            Some(fix) => {
                status.fix(&fix, Utc::now());
                tx.blocking_send(fix).is_ok()
            }
            None => true,
        }
    };
    loop {
        if stop.load(Ordering::Relaxed) {
            send(reports.flush());
            return Ok(());
        }
        let read = read_line(&mut reader, &mut line);
        let fix = match read {
            Ok(LineRead::Line) => {
                let fix = reports.take(&line, Instant::now());
                line.clear();
                fix
            }
            Ok(LineRead::Pending) => reports.flush_if_settled(Instant::now()),
            Ok(LineRead::TooLong) => {
                tracing::warn!("skipped a gpsd report longer than {MAX_LINE} bytes");
                continue;
            }
            Ok(LineRead::Eof) => {
                send(reports.flush());
                return Err("gpsd closed the connection".into());
            }
            Err(e) => {
                send(reports.flush());
                return Err(format!("reading: {e}"));
            }
        };
        if !send(fix) {
            return Ok(());
        }
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

/// How long an epoch's report is held for a more complete one: gpsd reports an epoch more than
/// once while it has not learned the receiver's cycle (each report adding what the next
/// sentence brought), and all of them arrive within one burst of sentences.
const SETTLE: Duration = Duration::from_millis(400);

/// Turns TPV reports into fixes, one per epoch, with DOP and satellites from the latest SKY.
#[derive(Debug, Default)]
pub(crate) struct Reports {
    hdop: Option<f64>,
    sats_used: Option<u32>,
    /// The latest report of the current epoch, not yet passed on, and when it came.
    pending: Option<(Fix, Instant)>,
    /// The time of the last epoch passed on: later reports of it are dropped.
    emitted: Option<DateTime<Utc>>,
}

impl Reports {
    /// Takes one report line; returns the fix of an epoch it completes, if any.
    pub(crate) fn take(&mut self, line: &[u8], now: Instant) -> Option<Fix> {
        match serde_json::from_slice::<ResponseData>(line) {
            Ok(ResponseData::Sky(sky)) => {
                self.sky(&sky);
                None
            }
            Ok(ResponseData::Tpv(tpv)) => {
                let fix = self.tpv(&tpv)?;
                if self.emitted == Some(fix.time) {
                    return None;
                }
                // The last report of an epoch is the most complete: hold it until the next epoch
                // begins or the burst is over.
                let done = match &self.pending {
                    Some((held, _)) if held.time != fix.time => self.flush(),
                    _ => None,
                };
                self.pending = Some((fix, now));
                done
            }
            // DEVICE, PPS, GST, and classes gpsd_proto does not know (ERROR, TOFF, ...).
            _ => None,
        }
    }

    /// The held epoch, once no report has come for it for a while.
    pub(crate) fn flush_if_settled(&mut self, now: Instant) -> Option<Fix> {
        match &self.pending {
            Some((_, at)) if now.duration_since(*at) >= SETTLE => self.flush(),
            _ => None,
        }
    }

    /// The held epoch, now.
    pub(crate) fn flush(&mut self) -> Option<Fix> {
        let (fix, _) = self.pending.take()?;
        self.emitted = Some(fix.time);
        Some(fix)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tpv(time: &str, mode: u8, alt: Option<f64>) -> Vec<u8> {
        let alt = alt.map_or(String::new(), |a| format!(",\"altMSL\":{a}"));
        format!(
            "{{\"class\":\"TPV\",\"mode\":{mode},\"time\":\"{time}\",\"lat\":41.5,\"lon\":-91.5{alt}}}"
        )
        .into_bytes()
    }

    #[test]
    fn the_last_report_of_an_epoch_is_the_one_passed_on() {
        let mut r = Reports::default();
        let t0 = Instant::now();
        let e0 = "2026-03-14T12:00:00.000Z";
        let e1 = "2026-03-14T12:00:01.000Z";
        // The first epoch, reported at RMC (2D, no altitude) and again at GGA (3D).
        assert_eq!(r.take(&tpv(e0, 2, None), t0), None);
        assert_eq!(r.take(&tpv(e0, 3, Some(210.5)), t0), None);
        let first = r.take(&tpv(e1, 3, Some(210.9)), t0).expect("epoch 0 done");
        assert_eq!((first.mode, first.alt_m), (FixMode::ThreeD, Some(210.5)));
        // Nothing more arrives: the held epoch goes out once the burst is over.
        assert_eq!(r.flush_if_settled(t0 + SETTLE / 2), None);
        let second = r.flush_if_settled(t0 + SETTLE).expect("settled");
        assert_eq!(second.alt_m, Some(210.9));
        // A late, repeated report of an epoch already passed on is dropped.
        assert_eq!(r.take(&tpv(e1, 3, Some(210.9)), t0 + SETTLE), None);
        assert_eq!(r.flush(), None);
    }

    #[test]
    fn reports_without_a_time_are_not_epochs() {
        let mut r = Reports::default();
        let now = Instant::now();
        assert_eq!(r.take(br#"{"class":"TPV","mode":1}"#, now), None);
        assert_eq!(r.take(b"not json", now), None);
        assert_eq!(r.flush(), None);
    }
}
