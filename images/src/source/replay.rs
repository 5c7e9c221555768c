//! A camera's recording replayed: a file of concatenated JPEGs (the `.mjpeg` many cameras
//! record), read in chunks as it plays, at a set rate, once or in a loop.

use tokio::io::AsyncReadExt as _;
use tokio_util::sync::CancellationToken;

use super::emit::Emitter;
use super::error::SourceError;
use super::jpeg_stream::{JpegSplitter, Piece};
use super::pace::Pacer;
use super::spec::PlaybackSpec;
use crate::Frame;

const CHUNK: usize = 256 << 10;

/// Plays the recording until it ends (or `shutdown`).
pub(crate) async fn run<S: FnMut(Frame) -> bool>(
    spec: &PlaybackSpec,
    emitter: &mut Emitter<S>,
    shutdown: &CancellationToken,
) -> Result<(), SourceError> {
    let origin = emitter.origin().to_string();
    let fail = |error| SourceError::File {
        origin: origin.clone(),
        path: spec.path.clone(),
        error,
    };
    let mut pacer = Pacer::new(spec.fps);
    let mut pass = 0u64;
    loop {
        pass += 1;
        let mut file = tokio::fs::File::open(&spec.path).await.map_err(fail)?;
        if pass == 1 {
            emitter.stats().connected();
        }
        let mut splitter = JpegSplitter::default();
        let mut chunk = vec![0u8; CHUNK];
        let mut count = Count::default();
        loop {
            let n = file.read(&mut chunk).await.map_err(fail)?;
            if n == 0 {
                break;
            }
            splitter.push(&chunk[..n]);
            while let Some(piece) = splitter.next_piece() {
                if !play(piece, &mut count, &mut pacer, emitter, shutdown).await {
                    return Ok(());
                }
            }
        }
        if let Some(piece) = splitter.finish()
            && !play(piece, &mut count, &mut pacer, emitter, shutdown).await
        {
            return Ok(());
        }
        if count.delivered == 0 {
            // Also what stops a loop over a recording with nothing to play from spinning.
            return Err(SourceError::Empty {
                origin: origin.clone(),
                reason: format!(
                    "no readable JPEG image in {} ({} damaged)",
                    spec.path.display(),
                    count.images
                ),
            });
        }
        if !spec.looping {
            return Ok(());
        }
    }
}

/// Images found in one pass, and how many of them were played.
#[derive(Debug, Default)]
struct Count {
    images: u64,
    delivered: u64,
}

/// Plays one piece of the recording; false when shut down meanwhile.
async fn play<S: FnMut(Frame) -> bool>(
    piece: Piece,
    count: &mut Count,
    pacer: &mut Pacer,
    emitter: &mut Emitter<S>,
    shutdown: &CancellationToken,
) -> bool {
    match piece {
        Piece::Image(data) => {
            count.images += 1;
            let what = format!("image {} of the recording", count.images);
            let Some(image) = emitter.check(&data, &what) else {
                return !shutdown.is_cancelled();
            };
            if !pacer.wait(shutdown).await {
                return false;
            }
            emitter.deliver(data, image);
            count.delivered += 1;
        }
        Piece::Skipped { at, len, why } => {
            emitter.skip(format!("{len} bytes at offset {at}: {why}"));
        }
    }
    !shutdown.is_cancelled()
}
