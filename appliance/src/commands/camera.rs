use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use alpr_images::source::{FrameSourceSpec, SourceStats, SourceStatsSnapshot};
use anyhow::Context as _;
use clap::Subcommand;
use tokio::io::AsyncWriteExt;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Subcommand)]
pub enum CameraCommand {
    /// Play a recorded smart-camera feed (JSON lines) to an appliance's camera socket, as a camera
    /// would: one line per read, at the recorded pace. Lines are sent as they are, good or bad.
    Send {
        feed: PathBuf,
        #[arg(long, default_value = "127.0.0.1:5077")]
        to: SocketAddr,
        /// Recorded seconds per real second; 0 sends as fast as the appliance takes them.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
    },
    /// Open an ordinary camera (or a recording) and count its frames for a while: frames a
    /// second, frames skipped as not images, reconnects, the last error. Fails when no frame
    /// arrived.
    Frames {
        /// `v4l2:/dev/video0`, `http://[user:password@]host/mjpg/video.mjpg`, `dir:/path` or
        /// `replay:/path/file.mjpeg` (options: `?fps=10&loop=true`; V4L2: `width`, `height`).
        source: String,
        /// How long to count.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// One JSON object instead of the table.
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: CameraCommand) -> anyhow::Result<()> {
    match cmd {
        CameraCommand::Send { feed, to, speed } => send(feed, to, speed).await,
        CameraCommand::Frames {
            source,
            seconds,
            json,
        } => frames(&source, seconds, json).await,
    }
}

async fn send(feed: PathBuf, to: SocketAddr, speed: f64) -> anyhow::Result<()> {
    let text = tokio::fs::read(&feed)
        .await
        .with_context(|| format!("reading {}", feed.display()))?;
    let mut stream = tokio::net::TcpStream::connect(to)
        .await
        .with_context(|| format!("connecting to {to}"))?;
    let mut previous: Option<chrono::DateTime<chrono::Utc>> = None;
    let mut sent = 0usize;
    for line in text.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        if let Some(t) = recorded_time(line).filter(|_| speed > 0.0) {
            if let Some(p) = previous {
                let gap = (t - p).to_std().unwrap_or_default().as_secs_f64() / speed;
                tokio::time::sleep(Duration::from_secs_f64(gap.min(60.0))).await;
            }
            previous = Some(t);
        }
        stream
            .write_all(line)
            .await
            .with_context(|| format!("sending to {to}"))?;
        stream
            .write_all(b"\n")
            .await
            .with_context(|| format!("sending to {to}"))?;
        sent += 1;
    }
    stream
        .shutdown()
        .await
        .with_context(|| format!("closing the connection to {to}"))?;
    println!("sent {sent} lines to {to}");
    Ok(())
}

fn recorded_time(line: &[u8]) -> Option<chrono::DateTime<chrono::Utc>> {
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    chrono::DateTime::parse_from_rfc3339(v.get("time")?.as_str()?)
        .ok()
        .map(|t| t.to_utc())
}

/// What `alpr camera frames --json` prints.
#[derive(Debug, serde::Serialize)]
struct FramesReport {
    /// Seconds counted (less than asked when a recording ended first).
    seconds: f64,
    /// Frames over the whole count.
    average_fps: f64,
    /// The source ended before the time was up (a recording played out, or could not be read).
    ended: bool,
    #[serde(flatten)]
    stats: SourceStatsSnapshot,
}

async fn frames(source: &str, seconds: u64, json: bool) -> anyhow::Result<()> {
    let spec: FrameSourceSpec = source.parse()?;
    let described = spec.to_string();
    let stats = SourceStats::new(described.clone());
    let shutdown = CancellationToken::new();
    let mut task = tokio::spawn(alpr_images::source::run(
        spec,
        "technician".into(),
        |_| true,
        stats.clone(),
        shutdown.clone(),
    ));
    let started = std::time::Instant::now();
    let ended = tokio::select! {
        r = &mut task => Some(r),
        () = tokio::time::sleep(Duration::from_secs(seconds)) => None,
        () = super::shutdown_signal() => None,
    };
    shutdown.cancel();
    let ended_early = ended.is_some();
    let result = match ended {
        Some(r) => r,
        None => task.await,
    }
    .context("the frame source's task")?;
    let elapsed = started.elapsed().as_secs_f64();
    let s = stats.snapshot();
    let report = FramesReport {
        seconds: elapsed,
        average_fps: if elapsed > 0.0 {
            s.frames as f64 / elapsed
        } else {
            0.0
        },
        ended: ended_early,
        stats: s,
    };
    if json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_frames(&report);
    }
    result?;
    if report.stats.frames == 0 {
        anyhow::bail!(
            "no frame from {described} in {elapsed:.1} s{}",
            report
                .stats
                .last_error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

fn print_frames(r: &FramesReport) {
    let s = &r.stats;
    let size = s
        .last_frame_size
        .map(|[w, h]| format!(", {w}x{h}"))
        .unwrap_or_default();
    println!("source      {}", s.source);
    println!(
        "frames      {} in {:.1} s ({:.1} a second on average, {:.1} lately){size}",
        s.frames, r.seconds, r.average_fps, s.fps
    );
    if r.ended {
        println!(
            "ended       after {:.1} s, before the time was up",
            r.seconds
        );
    }
    println!("bytes       {}", s.bytes);
    println!("dropped     {}", s.dropped);
    println!("skipped     {} (not images)", s.skipped);
    println!(
        "reconnects  {} ({} failed attempts)",
        s.reconnects, s.failed_connects
    );
    println!("last error  {}", s.last_error.as_deref().unwrap_or("none"));
}
