//! Passing a source's images on: checked, counted, timestamped and offered to the consumer.

use std::fmt::Display;
use std::sync::Arc;

use chrono::Utc;

use super::image_check::{CheckedImage, check_image};
use super::stats::SourceStats;
use crate::Frame;

/// A source's end towards the consumer.
pub(crate) struct Emitter<S> {
    camera: String,
    /// The source, as shown in logs.
    origin: String,
    sink: S,
    stats: SourceStats,
}

impl<S: FnMut(Frame) -> bool> Emitter<S> {
    pub(crate) fn new(camera: String, origin: String, sink: S, stats: SourceStats) -> Self {
        Self {
            camera,
            origin,
            sink,
            stats,
        }
    }

    pub(crate) fn stats(&self) -> &SourceStats {
        &self.stats
    }

    pub(crate) fn camera(&self) -> &str {
        &self.camera
    }

    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// Checks `data` is an image and passes it on; else counts it skipped, `what` naming it.
    pub(crate) fn offer(&mut self, data: Vec<u8>, what: &dyn Display) {
        if let Some(image) = self.check(&data, what) {
            self.deliver(data, image);
        }
    }

    /// The image's size, or `None` (and it is counted skipped) when `data` is not one.
    pub(crate) fn check(&self, data: &[u8], what: &dyn Display) -> Option<CheckedImage> {
        match check_image(data) {
            Ok(image) => Some(image),
            Err(why) => {
                self.skip(format!("{what}: {why}"));
                None
            }
        }
    }

    /// Passes on an image already checked.
    pub(crate) fn deliver(&mut self, data: Vec<u8>, image: CheckedImage) {
        self.stats
            .frame(data.len(), Some([image.width, image.height]));
        let frame = Frame {
            camera: self.camera.clone(),
            captured_at: Utc::now(),
            data: Arc::from(data),
        };
        if !(self.sink)(frame) {
            self.stats.dropped();
        }
    }

    /// Something that is not an image was passed over.
    pub(crate) fn skip(&self, why: String) {
        let n = self.stats.skipped(&why);
        // A camera sending rubbish at 30 a second must not fill the journal: the first few, then
        // one in a hundred; the count and the last reason are in the stats.
        if n <= 3 || n.is_multiple_of(100) {
            tracing::warn!(camera = %self.camera, source = %self.origin, skipped = n, "skipped: {why}");
        }
    }
}
