use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Subcommand;
use tokio::io::AsyncWriteExt;

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
}

pub async fn run(cmd: CameraCommand) -> anyhow::Result<()> {
    let CameraCommand::Send { feed, to, speed } = cmd;
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
