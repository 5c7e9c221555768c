//! One fix stream for the appliance, whatever the receiver.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use tokio::sync::mpsc;

use crate::fix::Fix;
use crate::gpsd::{GpsdConfig, run_gpsd};
use crate::serial::{SerialConfig, run_serial};
use crate::status::{GpsStatus, GpsStatusSnapshot};

/// Where the appliance takes its fixes from.
#[derive(Debug, Clone)]
pub enum GpsSource {
    Serial(SerialConfig),
    Gpsd(GpsdConfig),
}

impl GpsSource {
    pub fn describe(&self) -> String {
        match self {
            GpsSource::Serial(c) => format!("serial:{}", c.path.display()),
            GpsSource::Gpsd(c) => format!("gpsd:{}", c.addr),
        }
    }
}

/// A running GPS source: its thread, its status, and how to stop it.
#[derive(Debug)]
pub struct GpsHandle {
    status: Arc<GpsStatus>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl GpsHandle {
    /// Starts reading `source` on its own thread, sending each fix into `tx`.
    pub fn spawn(source: GpsSource, tx: mpsc::Sender<Fix>) -> std::io::Result<Self> {
        let status = Arc::new(GpsStatus::new(source.describe()));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (status.clone(), stop.clone());
        let thread =
            std::thread::Builder::new()
                .name("gps".into())
                .spawn(move || match source {
                    GpsSource::Serial(c) => run_serial(c, tx, s, st),
                    GpsSource::Gpsd(c) => run_gpsd(c, tx, s, st),
                })?;
        Ok(Self {
            status,
            stop,
            thread: Some(thread),
        })
    }

    pub fn status(&self) -> GpsStatusSnapshot {
        self.status.snapshot()
    }

    /// Stops the thread (within a read timeout) and waits for it.
    pub fn stop(mut self) -> GpsStatusSnapshot {
        self.halt();
        self.status.snapshot()
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for GpsHandle {
    fn drop(&mut self) {
        self.halt();
    }
}
