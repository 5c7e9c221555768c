//! Cutting a stream of concatenated JPEGs (a camera's `.mjpeg` recording) into images.
//!
//! An image is found by walking its marker segments rather than by looking for the next
//! end-of-image marker: a segment's length is skipped whole, so the thumbnail a camera puts in
//! its EXIF segment (a JPEG with its own start and end markers) does not cut the image in two.
//! After a start-of-scan the entropy-coded data is scanned for the next marker (a 0xFF not
//! followed by a stuffed 0x00 or a restart marker).

use super::image_check::MAX_FRAME_BYTES;

const SOI: [u8; 3] = [0xFF, 0xD8, 0xFF];

/// What comes out of the stream next.
#[derive(Debug, PartialEq, Eq)]
pub enum Piece {
    /// A JPEG from its start marker to its end marker.
    Image(Vec<u8>),
    /// Bytes that are not part of any image (between images, or a damaged one): where they
    /// began in the stream, how many, and why they were passed over.
    Skipped { at: u64, len: u64, why: String },
}

/// Takes the stream in chunks of any size and gives back its images.
#[derive(Debug)]
pub struct JpegSplitter {
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    offset: u64,
    /// Bytes passed over that are not yet reported: where they began, how many, and why the
    /// first of them was.
    passed_over: Option<(u64, u64, String)>,
    max_image: usize,
}

impl Default for JpegSplitter {
    fn default() -> Self {
        Self::new(MAX_FRAME_BYTES)
    }
}

impl JpegSplitter {
    /// A splitter that gives up on an image longer than `max_image` bytes and looks for the next.
    pub fn new(max_image: usize) -> Self {
        Self {
            buf: Vec::new(),
            offset: 0,
            passed_over: None,
            max_image: max_image.max(4),
        }
    }

    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next image or skipped stretch; `None` when more bytes are needed to tell.
    pub fn next_piece(&mut self) -> Option<Piece> {
        loop {
            match find(&self.buf, &SOI) {
                Some(0) => {}
                Some(p) => {
                    self.pass_over(p, "not JPEG data");
                    continue;
                }
                None => {
                    // Keep what could be the start of a marker cut by the chunk's end.
                    let keep = self.buf.len().min(SOI.len() - 1);
                    self.pass_over(self.buf.len() - keep, "not JPEG data");
                    return None;
                }
            }
            if let Some(piece) = self.report_passed_over() {
                return Some(piece);
            }
            match jpeg_length(&self.buf) {
                Scan::Complete(len) => return Some(Piece::Image(self.take(len))),
                Scan::NeedMore if self.buf.len() <= self.max_image => return None,
                Scan::NeedMore => {
                    let why = format!("an image longer than {} bytes", self.max_image);
                    self.pass_over(1, &why);
                }
                Scan::Invalid(why) => {
                    self.pass_over(1, &why);
                }
            }
        }
    }

    /// The stream ended: what is left is reported as skipped (an image cut short).
    pub fn finish(&mut self) -> Option<Piece> {
        if !self.buf.is_empty() {
            let why = if self.buf.starts_with(&SOI) {
                "an image cut short at the end"
            } else {
                "not JPEG data"
            };
            self.pass_over(self.buf.len(), why);
        }
        self.report_passed_over()
    }

    fn take(&mut self, len: usize) -> Vec<u8> {
        let rest = self.buf.split_off(len);
        self.offset += len as u64;
        std::mem::replace(&mut self.buf, rest)
    }

    fn pass_over(&mut self, len: usize, why: &str) {
        if len == 0 {
            return;
        }
        let at = self.offset;
        self.take(len);
        match &mut self.passed_over {
            Some((_, n, _)) => *n += len as u64,
            None => self.passed_over = Some((at, len as u64, why.to_string())),
        }
    }

    fn report_passed_over(&mut self) -> Option<Piece> {
        let (at, len, why) = self.passed_over.take()?;
        Some(Piece::Skipped { at, len, why })
    }
}

enum Scan {
    Complete(usize),
    NeedMore,
    Invalid(String),
}

/// The length of the JPEG at the start of `buf` (which starts with SOI).
fn jpeg_length(buf: &[u8]) -> Scan {
    let mut i = 2;
    loop {
        let (Some(&ff), Some(&m)) = (buf.get(i), buf.get(i + 1)) else {
            return Scan::NeedMore;
        };
        if ff != 0xFF {
            return Scan::Invalid(format!(
                "no marker where one belongs (byte {i} of an image)"
            ));
        }
        match m {
            // Fill bytes before a marker.
            0xFF => i += 1,
            0xD9 => return Scan::Complete(i + 2),
            0xD8 => return Scan::Invalid("an image starts inside another".into()),
            0x01 | 0xD0..=0xD7 => i += 2,
            _ => {
                let (Some(&hi), Some(&lo)) = (buf.get(i + 2), buf.get(i + 3)) else {
                    return Scan::NeedMore;
                };
                let len = usize::from(u16::from_be_bytes([hi, lo]));
                if len < 2 {
                    return Scan::Invalid(format!("a segment of length {len}"));
                }
                i += 2 + len;
                if m == 0xDA {
                    match next_marker_after_scan(buf, i) {
                        Some(at) => i = at,
                        None => return Scan::NeedMore,
                    }
                }
            }
        }
    }
}

/// Where the marker that ends the entropy-coded data starting at `from` is.
fn next_marker_after_scan(buf: &[u8], from: usize) -> Option<usize> {
    let mut j = from;
    loop {
        j += buf.get(j..)?.iter().position(|&b| b == 0xFF)?;
        match *buf.get(j + 1)? {
            0x00 | 0xD0..=0xD7 => j += 2,
            0xFF => j += 1,
            _ => return Some(j),
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(shade: u8) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(24, 16, image::Rgb([shade, 90, 200 - shade]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 75)
            .encode_image(&img)
            .expect("encode");
        out
    }

    fn split(stream: &[u8], chunk: usize) -> Vec<Piece> {
        let mut s = JpegSplitter::default();
        let mut out = Vec::new();
        for c in stream.chunks(chunk.max(1)) {
            s.push(c);
            while let Some(p) = s.next_piece() {
                out.push(p);
            }
        }
        out.extend(s.finish());
        out
    }

    #[test]
    fn concatenated_images_come_apart_whatever_the_chunking() {
        let images: Vec<Vec<u8>> = (0..3).map(|i| jpeg(40 * i)).collect();
        let stream = images.concat();
        for chunk in [1, 7, 100, 4096, stream.len()] {
            let pieces = split(&stream, chunk);
            let expected: Vec<Piece> = images.iter().cloned().map(Piece::Image).collect();
            assert_eq!(pieces, expected, "chunk {chunk}");
        }
    }

    #[test]
    fn an_embedded_thumbnail_does_not_cut_the_image() {
        // An APP1 segment holding a whole JPEG (as an EXIF thumbnail does).
        let outer = jpeg(10);
        let thumb = jpeg(200);
        let mut with_thumb = outer[..2].to_vec();
        let seg_len = u16::try_from(thumb.len() + 2).expect("small");
        with_thumb.extend_from_slice(&[0xFF, 0xE1]);
        with_thumb.extend_from_slice(&seg_len.to_be_bytes());
        with_thumb.extend_from_slice(&thumb);
        with_thumb.extend_from_slice(&outer[2..]);
        let pieces = split(&[with_thumb.clone(), outer.clone()].concat(), 64);
        assert_eq!(pieces, [Piece::Image(with_thumb), Piece::Image(outer)]);
    }

    #[test]
    fn garbage_between_and_a_cut_image_at_the_end_are_reported() {
        let a = jpeg(1);
        let b = jpeg(2);
        let mut stream = a.clone();
        stream.extend_from_slice(b"junk junk");
        stream.extend_from_slice(&b);
        stream.extend_from_slice(&a[..a.len() / 2]);
        let pieces = split(&stream, 50);
        assert_eq!(pieces.len(), 4, "{pieces:?}");
        assert_eq!(pieces[0], Piece::Image(a.clone()));
        assert!(
            matches!(&pieces[1], Piece::Skipped { at, len: 9, .. } if *at == a.len() as u64),
            "{:?}",
            pieces[1]
        );
        assert_eq!(pieces[2], Piece::Image(b));
        assert!(
            matches!(&pieces[3], Piece::Skipped { why, .. } if why.contains("cut short")),
            "{:?}",
            pieces[3]
        );
    }

    #[test]
    fn a_damaged_image_is_passed_over_and_the_next_found() {
        let good = jpeg(3);
        // A start marker followed by bytes that are not a segment.
        let mut stream = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x00, 1, 2, 3];
        stream.extend_from_slice(&good);
        let pieces = split(&stream, 3);
        assert!(
            matches!(&pieces[0], Piece::Skipped { at: 0, .. }),
            "{pieces:?}"
        );
        assert_eq!(pieces.last(), Some(&Piece::Image(good)));
    }

    #[test]
    fn an_endless_image_is_given_up_on_at_the_limit() {
        let mut s = JpegSplitter::new(1000);
        s.push(&[0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02]);
        s.push(&[0x11; 2000]);
        assert_eq!(
            s.next_piece(),
            None,
            "passed over until an image starts or the stream ends"
        );
        let piece = s.finish();
        assert!(
            matches!(&piece, Some(Piece::Skipped { why, .. }) if why.contains("longer than")),
            "{piece:?}"
        );
    }
}
