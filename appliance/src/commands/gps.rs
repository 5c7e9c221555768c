use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use alpr_gps::{
    Fix, FixMode, GpsHandle, GpsSource, GpsdConfig, NmeaDecoder, SentenceStats, SerialConfig,
};
use anyhow::Context as _;
use clap::{ArgGroup, Args};
use serde::Serialize;
use tokio::sync::mpsc;

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("source").required(true).args(["serial", "gpsd", "nmea_file"])))]
pub struct GpsArgs {
    /// A serial receiver (USB puck): /dev/ttyUSB0, /dev/ttyACM0, ...
    #[arg(long, value_name = "DEV")]
    serial: Option<PathBuf>,
    /// The baud rate; detected when not given.
    #[arg(long, requires = "serial", value_name = "N")]
    baud: Option<u32>,
    /// A running gpsd.
    #[arg(long, value_name = "HOST:PORT")]
    gpsd: Option<String>,
    /// A recorded NMEA log.
    #[arg(long, value_name = "FILE")]
    nmea_file: Option<PathBuf>,
    /// One JSON object per fix per line.
    #[arg(long)]
    json: bool,
    /// Stop after this many fixes (live sources run until Ctrl-C otherwise).
    #[arg(long, value_name = "N")]
    count: Option<u64>,
    /// Stop after this many seconds (live sources).
    #[arg(long, value_name = "S")]
    seconds: Option<f64>,
}

/// The `--json` line: fields the receiver did not give are absent.
#[derive(Debug, Serialize)]
struct FixLine {
    time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lon: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    alt_m: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    speed_mps: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    track_deg: Option<f64>,
    mode: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    hdop: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sats: Option<u32>,
}

impl From<&Fix> for FixLine {
    fn from(f: &Fix) -> Self {
        FixLine {
            time: f.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            lat: f.lat,
            lon: f.lon,
            alt_m: f.alt_m,
            speed_mps: f.speed_mps,
            track_deg: f.track_deg,
            mode: f.mode.as_number(),
            hdop: f.hdop,
            sats: f.sats,
        }
    }
}

fn text_line(f: &Fix) -> String {
    let mut s = format!(
        "{} ",
        f.time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    );
    match (f.mode, f.position()) {
        (FixMode::None, _) | (_, None) => s.push_str("no fix"),
        (mode, Some((lat, lon))) => {
            s.push_str(&format!(
                "{} {lat:.6},{lon:.6}",
                if mode == FixMode::ThreeD { "3D" } else { "2D" }
            ));
            if let Some(a) = f.alt_m {
                s.push_str(&format!(" alt {a:.1} m"));
            }
            if let Some(v) = f.speed_mps {
                s.push_str(&format!(" {v:.1} m/s"));
            }
            if let Some(t) = f.track_deg {
                s.push_str(&format!(" track {t:.1}"));
            }
        }
    }
    if let Some(h) = f.hdop {
        s.push_str(&format!(" hdop {h:.1}"));
    }
    if let Some(n) = f.sats {
        s.push_str(&format!(" sats {n}"));
    }
    s
}

pub async fn run(args: GpsArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let mut print = |f: &Fix| -> std::io::Result<()> {
        if args.json {
            writeln!(out, "{}", serde_json::to_string(&FixLine::from(f))?)
        } else {
            writeln!(out, "{}", text_line(f))
        }
    };
    if let Some(path) = &args.nmea_file {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let mut decoder = NmeaDecoder::default();
        let mut fixes = Vec::new();
        decoder.push(&bytes, &mut fixes);
        decoder.finish(&mut fixes);
        for f in fixes
            .iter()
            .take(args.count.map_or(usize::MAX, |c| c as usize))
        {
            if let Err(e) = print(f) {
                return stdout_closed(e);
            }
        }
        summary(args.json, decoder.stats(), None, None);
        return Ok(());
    }
    let source = match (&args.serial, &args.gpsd) {
        (Some(dev), _) => GpsSource::Serial(SerialConfig {
            baud: args.baud,
            ..SerialConfig::new(dev)
        }),
        (None, Some(addr)) => GpsSource::Gpsd(GpsdConfig::new(addr.clone())),
        (None, None) => anyhow::bail!("give --serial, --gpsd or --nmea-file"),
    };
    let (tx, mut rx) = mpsc::channel(64);
    let handle = GpsHandle::spawn(source, tx).context("starting the GPS reader")?;
    let deadline = args
        .seconds
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64);
    let timeout = async {
        match deadline {
            Some(d) => tokio::time::sleep(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::pin!(timeout);
    let mut printed = 0u64;
    loop {
        tokio::select! {
            fix = rx.recv() => match fix {
                Some(f) => {
                    if let Err(e) = print(&f) {
                        drop(rx);
                        handle.stop();
                        return stdout_closed(e);
                    }
                    printed += 1;
                    if args.count.is_some_and(|c| printed >= c) {
                        break;
                    }
                }
                None => break,
            },
            () = &mut timeout => break,
            () = super::shutdown_signal() => break,
        }
    }
    drop(rx);
    let status = tokio::task::spawn_blocking(move || handle.stop())
        .await
        .context("stopping the GPS reader")?;
    summary(
        args.json,
        &status.sentences,
        status.clock_offset_ms,
        status.baud,
    );
    Ok(())
}

/// A reader that stopped reading (`alpr gps | head`) ends the run quietly; other errors are errors.
fn stdout_closed(e: std::io::Error) -> anyhow::Result<()> {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Ok(())
    } else {
        Err(e).context("writing fixes")
    }
}

/// The closing counts: on standard error with `--json`, so standard output stays one fix a line.
fn summary(json: bool, s: &SentenceStats, clock_offset_ms: Option<i64>, baud: Option<u32>) {
    let reasons: Vec<String> = s.reasons.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut line = format!(
        "sentences read={} rejected={}{} fixes={} noise_bytes={}",
        s.read,
        s.rejected,
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join(" "))
        },
        s.fixes,
        s.noise_bytes
    );
    if s.week_rollovers_corrected > 0 {
        line.push_str(&format!(
            " week_rollovers_corrected={}",
            s.week_rollovers_corrected
        ));
    }
    if let Some(b) = baud {
        line.push_str(&format!(" baud={b}"));
    }
    if let Some(o) = clock_offset_ms {
        line.push_str(&format!(" clock_offset_ms={o}"));
    }
    if json {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
}
