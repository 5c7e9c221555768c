//! Frame sources: ordinary cameras, and recordings of them, as a stream of [`Frame`]s.
//!
//! A source is named by a [`FrameSourceSpec`] (`v4l2:/dev/video0`, `http://cam/mjpg/video.mjpg`,
//! `dir:/path`, `replay:/path/file.mjpeg`) and played by [`run`], which offers each image to a
//! sink that says whether it took it (the pipeline's frame queue drops a frame when the
//! recogniser is behind). What a source does is counted in its [`SourceStats`].
//!
//! Live sources (V4L2, HTTP) never give up: when the camera is unplugged, the stream ends or goes
//! quiet, they try again after a backoff (0.5 s doubling to 10 s, from the start again once a
//! frame arrives) until shut down. Recorded sources (a directory, a replay) end, or loop.
//! Nothing a camera sends is trusted: a part or file that is not a whole JPEG or PNG is skipped,
//! counted and named in the last error, and never reaches the consumer.

mod directory;
mod emit;
mod error;
mod http;
mod image_check;
mod jpeg_stream;
mod multipart;
mod pace;
mod reconnect;
mod replay;
mod spec;
mod stats;
#[cfg(target_os = "linux")]
mod v4l2;
mod yuyv;

use tokio_util::sync::CancellationToken;

pub use error::SourceError;
pub(crate) use image_check::has_jpeg_end;
pub use image_check::{CheckedImage, MAX_FRAME_BYTES, check_image};
pub use jpeg_stream::{JpegSplitter, Piece};
pub use multipart::{Event as MultipartEvent, MultipartReader, Part, boundary_of};
pub use reconnect::Backoff;
pub use spec::{DEFAULT_PLAYBACK_FPS, FrameSourceSpec, HttpSpec, MAX_FPS, PlaybackSpec, V4l2Spec};
pub use stats::{FPS_WINDOW, SourceStats, SourceStatsSnapshot};
pub use yuyv::yuyv_to_jpeg;

use crate::Frame;
use emit::Emitter;

/// Plays `spec` as camera `camera`, offering each frame to `sink` (which returns false when it
/// did not take it), until `shutdown`, or until a recorded source ends.
///
/// A live source returns only on shutdown; its failures are retried and recorded in `stats`.
/// A recorded source returns an error when it cannot be read or holds no image.
pub async fn run<S>(
    spec: FrameSourceSpec,
    camera: String,
    sink: S,
    stats: SourceStats,
    shutdown: CancellationToken,
) -> Result<(), SourceError>
where
    S: FnMut(Frame) -> bool + Send + 'static,
{
    let mut emitter = Emitter::new(camera, spec.to_string(), sink, stats.clone());
    let result = match &spec {
        FrameSourceSpec::Http(h) => {
            http::run(h, &mut emitter, &shutdown).await;
            Ok(())
        }
        FrameSourceSpec::Directory(p) => directory::run(p, &mut emitter, &shutdown).await,
        FrameSourceSpec::Replay(p) => replay::run(p, &mut emitter, &shutdown).await,
        FrameSourceSpec::V4l2(v) => run_v4l2(v.clone(), emitter, shutdown.clone()).await,
    };
    stats.ended();
    if let Err(e) = &result {
        stats.error(&e.to_string());
    }
    result
}

#[cfg(target_os = "linux")]
async fn run_v4l2<S>(
    spec: V4l2Spec,
    mut emitter: Emitter<S>,
    shutdown: CancellationToken,
) -> Result<(), SourceError>
where
    S: FnMut(Frame) -> bool + Send + 'static,
{
    let origin = emitter.origin().to_string();
    let device = spec.device.clone();
    tokio::task::spawn_blocking(move || v4l2::run(&spec, &mut emitter, &shutdown))
        .await
        .map_err(|e| SourceError::Device {
            origin,
            device,
            reason: format!("the capture thread failed: {e}"),
        })
}

#[cfg(not(target_os = "linux"))]
async fn run_v4l2<S>(
    spec: V4l2Spec,
    emitter: Emitter<S>,
    _shutdown: CancellationToken,
) -> Result<(), SourceError>
where
    S: FnMut(Frame) -> bool + Send + 'static,
{
    Err(SourceError::Device {
        origin: emitter.origin().to_string(),
        device: spec.device,
        reason: "V4L2 cameras need Linux".into(),
    })
}
