//! The TCP listener smart cameras connect to.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::BufReader;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::lines::{BoundedLines, Line, MAX_LINE_BYTES};
use super::protocol::parse_read_event;
use super::stats::CameraStats;
use crate::observation::{Ack, PlateObservation};

/// Accepts camera connections until `shutdown`, passing each read on to `tx`.
///
/// A full `tx` makes the connection wait (and TCP makes the camera wait) rather than drop a read.
pub async fn serve(
    listener: TcpListener,
    tx: mpsc::Sender<PlateObservation>,
    stats: Arc<CameraStats>,
    shutdown: CancellationToken,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    stats.connected();
                    tracing::info!(%peer, "smart camera connected");
                    let (tx, stats, shutdown) = (tx.clone(), stats.clone(), shutdown.clone());
                    connections.spawn(async move {
                        tokio::select! {
                            () = shutdown.cancelled() => {}
                            () = handle(stream, peer, tx, stats.clone()) => {}
                        }
                        stats.disconnected();
                    });
                }
                // Running out of descriptors or a reset before accept: log it and keep listening.
                Err(e) => {
                    tracing::warn!("accepting a camera connection: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn handle(
    stream: TcpStream,
    peer: SocketAddr,
    tx: mpsc::Sender<PlateObservation>,
    stats: Arc<CameraStats>,
) {
    let (reader, mut writer) = stream.into_split();
    // Receipts go back on the same connection as the reads are stored, one line each.
    let (ack_tx, mut ack_rx) = mpsc::unbounded_channel::<String>();
    let acks = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Some(id) = ack_rx.recv().await {
            let line = format!("{}\n", serde_json::json!({ "ack": id }));
            if writer.write_all(line.as_bytes()).await.is_err() {
                break;
            }
        }
    });
    let mut lines = BoundedLines::new(BufReader::new(reader), MAX_LINE_BYTES);
    loop {
        let line = match lines.next_line().await {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => {
                tracing::warn!(%peer, "camera connection failed: {e}");
                break;
            }
        };
        stats.line();
        let n = lines.number();
        let bytes = match line {
            Line::Complete(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => continue,
            Line::Complete(bytes) => bytes,
            Line::TooLong(len) => {
                stats.rejected("too-long");
                tracing::warn!(%peer, line = n, "skipped a line of {len} bytes: longer than {MAX_LINE_BYTES}");
                continue;
            }
            Line::Truncated(len) => {
                stats.rejected("truncated");
                tracing::warn!(%peer, line = n, "connection closed in the middle of a line ({len} bytes discarded)");
                break;
            }
        };
        match parse_read_event(&bytes) {
            Ok(mut parsed) => {
                if let Some(id) = parsed.id.take() {
                    parsed.observation.ack = Some(Ack::new(id, ack_tx.clone()));
                }
                for w in &parsed.warnings {
                    tracing::warn!(%peer, line = n, "{w}");
                }
                stats.read(&parsed.observation.camera);
                if tx.send(parsed.observation).await.is_err() {
                    // The pipeline has shut down; the camera will resend what it did not get acknowledged.
                    break;
                }
            }
            Err(e) => {
                stats.rejected(e.kind);
                tracing::warn!(%peer, line = n, "rejected camera line: {e}");
            }
        }
    }
    // Receipts for reads still in the pipeline are sent as they are stored, while the camera
    // keeps its end open.
    drop(ack_tx);
    let _ = acks.await;
    tracing::info!(%peer, "smart camera disconnected");
}
