//! A V4L2 capture device (a USB or CSI camera on the car's computer), through the `v4l` crate.
//!
//! Capture blocks, so the whole source runs on one blocking thread: open, set the format,
//! stream from mapped buffers, and when the device fails or is unplugged, wait the backoff
//! and open it again. MJPEG is taken as the camera sends it; a camera that only offers YUYV
//! has its frames encoded as JPEG here.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use v4l::buffer::Type;
use v4l::capability::Flags;
use v4l::io::traits::CaptureStream as _;
use v4l::prelude::{Device, MmapStream};
use v4l::video::Capture as _;
use v4l::{Format, FourCC};

use super::emit::Emitter;
use super::error::SourceError;
use super::reconnect::{Backoff, record_failure, wait_blocking};
use super::spec::V4l2Spec;
use super::yuyv::yuyv_to_jpeg;
use crate::Frame;

/// How long one wait for a frame lasts before the thread looks at the shutdown token again.
const POLL: Duration = Duration::from_millis(500);

/// A device that gives no frame for this long is opened again.
const QUIET_TIMEOUT: Duration = Duration::from_secs(10);

/// Buffers the driver fills in turn.
const BUFFERS: u32 = 4;

/// What the camera is asked to send, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Mjpeg,
    Yuyv,
}

/// Captures until `shutdown`, on the calling (blocking) thread.
pub(crate) fn run<S: FnMut(Frame) -> bool>(
    spec: &V4l2Spec,
    emitter: &mut Emitter<S>,
    shutdown: &CancellationToken,
) {
    let mut backoff = Backoff::default();
    loop {
        let before = emitter.stats().frames();
        // The v4l crate panics if stopping a stream fails other than by the device going
        // away; that must cost one session, not the appliance.
        let result =
            std::panic::catch_unwind(AssertUnwindSafe(|| session(spec, &mut *emitter, shutdown)))
                .unwrap_or_else(|panic| {
                    let what = panic
                        .downcast_ref::<String>()
                        .map(String::as_str)
                        .or_else(|| panic.downcast_ref::<&str>().copied())
                        .unwrap_or("a panic");
                    Err(device_error(
                        emitter.origin(),
                        spec,
                        format!("the driver failed: {what}"),
                    ))
                });
        let error = match result {
            Ok(()) => return,
            Err(e) => e,
        };
        let delivered = emitter.stats().frames() > before;
        let delay = record_failure(
            &mut backoff,
            &error,
            delivered,
            emitter.stats(),
            emitter.camera(),
        );
        if !wait_blocking(delay, shutdown) {
            return;
        }
    }
}

fn device_error(origin: &str, spec: &V4l2Spec, reason: String) -> SourceError {
    SourceError::Device {
        origin: origin.to_string(),
        device: spec.device.clone(),
        reason,
    }
}

/// One opening of the device, until it fails or `shutdown`.
fn session<S: FnMut(Frame) -> bool>(
    spec: &V4l2Spec,
    emitter: &mut Emitter<S>,
    shutdown: &CancellationToken,
) -> Result<(), SourceError> {
    let origin = emitter.origin().to_string();
    let fail = |reason: String| device_error(&origin, spec, reason);
    let device = Device::with_path(&spec.device).map_err(|e| fail(open_failure(&e)))?;
    let caps = device
        .query_caps()
        .map_err(|e| fail(format!("not a V4L2 device: {e}")))?;
    if !caps
        .capabilities
        .contains(Flags::VIDEO_CAPTURE | Flags::STREAMING)
    {
        return Err(fail(format!(
            "{} ({}) cannot stream video capture (a UVC camera's second node is metadata: \
             try the other /dev/video)",
            caps.card, caps.driver
        )));
    }
    let offered = device
        .enum_formats()
        .map_err(|e| fail(format!("listing its formats: {e}")))?;
    let fourccs: Vec<FourCC> = offered.iter().map(|d| d.fourcc).collect();
    let (encoding, fourcc) = [
        (Encoding::Mjpeg, FourCC::new(b"MJPG")),
        (Encoding::Mjpeg, FourCC::new(b"JPEG")),
        (Encoding::Yuyv, FourCC::new(b"YUYV")),
    ]
    .into_iter()
    .find(|(_, f)| fourccs.contains(f))
    .ok_or_else(|| {
        let names: Vec<String> = fourccs.iter().map(ToString::to_string).collect();
        fail(format!(
            "offers neither MJPEG nor YUYV (it offers {})",
            names.join(", ")
        ))
    })?;
    let current = device
        .format()
        .map_err(|e| fail(format!("reading its format: {e}")))?;
    let (width, height) = match (spec.width, spec.height) {
        (Some(w), Some(h)) => (w, h),
        _ => (current.width, current.height),
    };
    let format = device
        .set_format(&Format::new(width, height, fourcc))
        .map_err(|e| fail(format!("setting {width}x{height} {fourcc}: {e}")))?;
    if format.fourcc != fourcc {
        return Err(fail(format!(
            "asked for {fourcc}, the driver chose {}",
            format.fourcc
        )));
    }
    if let Some(fps) = spec.fps
        && let Err(e) = device.set_params(&v4l::video::capture::Parameters::with_fps(fps))
    {
        tracing::warn!(
            camera = %emitter.camera(),
            "{origin}: setting {fps} fps: {e}"
        );
    }
    let mut stream = MmapStream::with_buffers(&device, Type::VideoCapture, BUFFERS)
        .map_err(|e| fail(format!("mapping capture buffers: {e}")))?;
    stream.set_timeout(POLL);
    emitter.stats().connected();
    tracing::info!(
        camera = %emitter.camera(),
        source = %origin,
        card = %caps.card,
        "capturing {}x{} {fourcc}",
        format.width,
        format.height
    );

    let mut last_frame = Instant::now();
    let mut n = 0u64;
    while !shutdown.is_cancelled() {
        let (buffer, meta) = match stream.next() {
            Ok(got) => got,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                if last_frame.elapsed() > QUIET_TIMEOUT {
                    return Err(fail(format!("no frame for {QUIET_TIMEOUT:?}")));
                }
                continue;
            }
            Err(e) => return Err(fail(capture_failure(&e))),
        };
        last_frame = Instant::now();
        n += 1;
        // The buffer is as long as the largest frame; the driver says how much it filled.
        let used = (meta.bytesused as usize).min(buffer.len());
        let data = &buffer[..used];
        match encoding {
            Encoding::Mjpeg => emitter.offer(data.to_vec(), &format_args!("frame {n}")),
            Encoding::Yuyv => {
                match yuyv_to_jpeg(data, format.width, format.height, format.stride) {
                    Ok(jpeg) => emitter.offer(jpeg, &format_args!("frame {n}")),
                    Err(why) => emitter.skip(format!("frame {n}: {why}")),
                }
            }
        }
    }
    Ok(())
}

fn open_failure(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such device (is the camera plugged in?)".into(),
        std::io::ErrorKind::PermissionDenied => {
            "permission denied (the appliance's user needs the video group)".into()
        }
        _ => format!("opening: {e}"),
    }
}

fn capture_failure(e: &std::io::Error) -> String {
    // ENODEV: the camera was unplugged (or its USB link reset).
    if e.raw_os_error() == Some(19) {
        "the camera went away (unplugged?)".into()
    } else {
        format!("capturing: {e}")
    }
}
