//! A GPS receiver on a serial port (USB pucks appear as `/dev/ttyUSB*` or `/dev/ttyACM*`).
//!
//! Runs on its own thread so a silent or unplugged receiver never holds up the appliance: it
//! detects the baud rate from valid sentences, reads, and when the device goes away it keeps
//! trying to open it again until told to stop.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use serialport::{ClearBuffer, SerialPort, TTYPort};
use tokio::sync::mpsc;

use crate::epoch::{DEFAULT_DATE_FLOOR, NmeaDecoder};
use crate::fix::Fix;
use crate::framing::SentenceFramer;
use crate::status::GpsStatus;

/// Baud rates receivers use, most common first.
pub const BAUD_RATES: [u32; 6] = [4800, 9600, 38400, 115200, 19200, 57600];

/// How to reach a serial receiver.
#[derive(Debug, Clone)]
pub struct SerialConfig {
    pub path: PathBuf,
    /// `None` detects it.
    pub baud: Option<u32>,
    /// Pause between attempts to open a missing device.
    pub reconnect_every: Duration,
    /// How long to listen at each baud rate while detecting (receivers talk at least once a second).
    pub detect_window: Duration,
    pub date_floor: NaiveDate,
}

impl SerialConfig {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            baud: None,
            reconnect_every: Duration::from_secs(1),
            detect_window: Duration::from_millis(1500),
            date_floor: DEFAULT_DATE_FLOOR,
        }
    }
}

/// Reads fixes into `tx` until `stop` is set or `tx` closes. Blocking: run it on its own thread.
pub fn run_serial(
    config: SerialConfig,
    tx: mpsc::Sender<Fix>,
    status: Arc<GpsStatus>,
    stop: Arc<AtomicBool>,
) {
    let device = config.path.display().to_string();
    let mut decoder = NmeaDecoder::new(config.date_floor);
    let mut last_baud = config.baud;
    let mut was_connected = false;
    let mut last_error = String::new();
    while !stop.load(Ordering::Relaxed) {
        let mut port = match open(&config, last_baud.unwrap_or(BAUD_RATES[0])) {
            Ok(p) => p,
            Err(e) => {
                let e = format!("opening {device}: {e}");
                if e != last_error {
                    tracing::warn!("{e}; trying again every {:?}", config.reconnect_every);
                    last_error = e.clone();
                }
                status.update(|s| {
                    s.connected = false;
                    s.last_error = Some(e);
                });
                sleep_unless_stopped(config.reconnect_every, &stop);
                continue;
            }
        };
        let baud = match config.baud {
            Some(b) => Some(b),
            None => detect_baud(&mut port, last_baud, config.detect_window, &stop),
        };
        let Some(baud) = baud else {
            let e = format!("{device}: no NMEA at any of {BAUD_RATES:?} baud");
            if e != last_error {
                tracing::warn!("{e}");
                last_error = e.clone();
            }
            status.update(|s| s.last_error = Some(e));
            sleep_unless_stopped(config.reconnect_every, &stop);
            continue;
        };
        last_baud = Some(baud);
        last_error.clear();
        tracing::info!(%device, baud, "GPS receiver connected");
        status.update(|s| {
            if was_connected {
                s.reconnects += 1;
            }
            s.connected = true;
            s.baud = Some(baud);
            s.last_error = None;
        });
        was_connected = true;
        match read_until_lost(&mut port, &mut decoder, &tx, &status, &stop) {
            Lost::Stopped => return,
            Lost::Device(e) => {
                tracing::warn!(%device, "GPS receiver lost: {e}");
                status.update(|s| {
                    s.connected = false;
                    s.last_error = Some(format!("{device}: {e}"));
                });
                // A partial epoch from before the loss must not merge with what comes after.
                decoder = NmeaDecoder::new(config.date_floor);
                sleep_unless_stopped(config.reconnect_every, &stop);
            }
        }
    }
}

enum Lost {
    Stopped,
    Device(String),
}

fn open(config: &SerialConfig, baud: u32) -> serialport::Result<TTYPort> {
    serialport::new(config.path.to_string_lossy(), baud)
        .timeout(Duration::from_millis(200))
        .open_native()
}

/// Listens at each rate in turn (the last good one first) for two sentences with valid checksums.
fn detect_baud(
    port: &mut TTYPort,
    last: Option<u32>,
    window: Duration,
    stop: &AtomicBool,
) -> Option<u32> {
    let order = last
        .into_iter()
        .chain(BAUD_RATES.into_iter().filter(|b| Some(*b) != last));
    for baud in order {
        if stop.load(Ordering::Relaxed) || port.set_baud_rate(baud).is_err() {
            return None;
        }
        let _ = port.clear(ClearBuffer::Input);
        let mut framer = SentenceFramer::new();
        let mut valid = 0;
        let started = Instant::now();
        let mut buf = [0u8; 512];
        while started.elapsed() < window && valid < 2 {
            match port.read(&mut buf) {
                Ok(0) => return None,
                Ok(n) => framer.push(
                    &buf[..n],
                    |s| valid += usize::from(crate::sentence::parse(s).is_ok()),
                    |_| {},
                ),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => return None,
            }
        }
        if valid >= 2 {
            return Some(baud);
        }
    }
    None
}

fn read_until_lost(
    port: &mut TTYPort,
    decoder: &mut NmeaDecoder,
    tx: &mpsc::Sender<Fix>,
    status: &GpsStatus,
    stop: &AtomicBool,
) -> Lost {
    let mut buf = [0u8; 4096];
    let mut fixes = Vec::new();
    loop {
        if stop.load(Ordering::Relaxed) {
            return Lost::Stopped;
        }
        match port.read(&mut buf) {
            // A tty whose other end went away reads 0 bytes or fails: the puck was unplugged.
            Ok(0) => return Lost::Device("end of file".into()),
            Ok(n) => {
                decoder.push(&buf[..n], &mut fixes);
                let received = Utc::now();
                status.update(|s| s.sentences = decoder.stats().clone());
                for fix in fixes.drain(..) {
                    status.fix(&fix, received);
                    if tx.blocking_send(fix).is_err() {
                        return Lost::Stopped;
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => return Lost::Device(e.to_string()),
        }
    }
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let until = Instant::now() + d;
    while Instant::now() < until && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(
            Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())),
        );
    }
}
