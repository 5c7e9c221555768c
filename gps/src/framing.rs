//! NMEA sentences out of a raw byte stream.
//!
//! A serial port delivers bytes in arbitrary chunks: a sentence may be split across reads, binary
//! protocol frames (u-blox UBX, SiRF) may sit between sentences, and a receiver with the wrong baud
//! rate sends noise with no newline for as long as it runs. Sentences start at `$` or `!`, end at
//! CR or LF, hold printable ASCII only and are at most [`MAX_SENTENCE`] bytes; everything else is
//! counted as skipped and dropped, so memory stays bounded whatever arrives.

/// The longest sentence kept, from `$` to the checksum. NMEA 0183 allows 82 characters with the
/// line ending; gpsd takes up to 102 with it and rejects longer ones (u-blox's 112-byte `$PUBX,00`
/// among them). The same limit here keeps this decoder's fixes the same as gpsd's.
pub const MAX_SENTENCE: usize = 100;

/// Why bytes were skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skipped {
    /// Bytes outside any sentence (binary frames, noise).
    Noise(usize),
    /// A sentence cut short: by a non-printable byte, a new `$`, or the end of the stream.
    Truncated,
    /// A sentence longer than [`MAX_SENTENCE`].
    TooLong,
}

/// Splits bytes into sentences, keeping at most one partial sentence between calls.
#[derive(Debug)]
pub struct SentenceFramer {
    partial: Vec<u8>,
    in_sentence: bool,
    too_long: bool,
    noise: usize,
    /// Inside a `#` comment line (logs recorded for gpsfake carry them).
    in_comment: bool,
    /// The last byte was a line ending (or nothing has arrived yet).
    at_line_start: bool,
}

impl Default for SentenceFramer {
    fn default() -> Self {
        Self {
            partial: Vec::new(),
            in_sentence: false,
            too_long: false,
            noise: 0,
            in_comment: false,
            at_line_start: true,
        }
    }
}

impl SentenceFramer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a chunk; calls `sentence` for each complete sentence (without line ending) and
    /// `skipped` for each thing dropped.
    pub fn push(
        &mut self,
        bytes: &[u8],
        mut sentence: impl FnMut(&str),
        mut skipped: impl FnMut(Skipped),
    ) {
        for &b in bytes {
            if self.in_comment {
                if b == b'\n' || b == b'\r' {
                    self.in_comment = false;
                    self.at_line_start = true;
                }
                continue;
            }
            let line_start = std::mem::replace(&mut self.at_line_start, b == b'\n' || b == b'\r');
            if b == b'#' && line_start && !self.in_sentence {
                self.in_comment = true;
                continue;
            }
            match b {
                b'$' | b'!' => {
                    self.flush_noise(&mut skipped);
                    if self.in_sentence && !self.partial.is_empty() {
                        skipped(if self.too_long {
                            Skipped::TooLong
                        } else {
                            Skipped::Truncated
                        });
                    }
                    self.start(b);
                }
                b'\r' | b'\n' => {
                    if self.in_sentence {
                        self.finish(&mut sentence, &mut skipped);
                    }
                }
                0x20..=0x7e if self.in_sentence => {
                    if self.partial.len() < MAX_SENTENCE {
                        self.partial.push(b);
                    } else {
                        self.too_long = true;
                    }
                }
                _ => {
                    if self.in_sentence {
                        skipped(if self.too_long {
                            Skipped::TooLong
                        } else {
                            Skipped::Truncated
                        });
                        self.in_sentence = false;
                        self.partial.clear();
                    }
                    self.noise += 1;
                }
            }
        }
    }

    /// Ends the stream: a partial sentence is reported as truncated.
    pub fn finish_stream(&mut self, mut skipped: impl FnMut(Skipped)) {
        self.flush_noise(&mut skipped);
        if self.in_sentence && self.partial.len() > 1 {
            skipped(Skipped::Truncated);
        }
        self.in_sentence = false;
        self.partial.clear();
    }

    fn start(&mut self, b: u8) {
        self.partial.clear();
        self.partial.push(b);
        self.in_sentence = true;
        self.too_long = false;
    }

    fn finish(&mut self, sentence: &mut impl FnMut(&str), skipped: &mut impl FnMut(Skipped)) {
        self.in_sentence = false;
        if self.too_long {
            skipped(Skipped::TooLong);
        } else if self.partial.len() > 1 {
            // Only printable ASCII was kept, so this is valid UTF-8.
            if let Ok(s) = std::str::from_utf8(&self.partial) {
                sentence(s);
            }
        }
        self.partial.clear();
    }

    fn flush_noise(&mut self, skipped: &mut impl FnMut(Skipped)) {
        if self.noise > 0 {
            skipped(Skipped::Noise(self.noise));
            self.noise = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&[u8]]) -> (Vec<String>, Vec<Skipped>) {
        let mut f = SentenceFramer::new();
        let (mut out, mut skipped) = (Vec::new(), Vec::new());
        for c in chunks {
            f.push(c, |s| out.push(s.to_string()), |k| skipped.push(k));
        }
        f.finish_stream(|k| skipped.push(k));
        (out, skipped)
    }

    #[test]
    fn sentences_split_across_reads_are_joined() {
        let (out, skipped) = split(&[b"$GPGGA,1,2", b",3*00\r", b"\n$GPRMC,4*00\r\n"]);
        assert_eq!(out, ["$GPGGA,1,2,3*00", "$GPRMC,4*00"]);
        assert!(skipped.is_empty());
    }

    #[test]
    fn binary_frames_and_cut_sentences_are_skipped() {
        let (out, skipped) = split(&[
            b"\xb5\x62\x01\x07\x00$GPGGA,cut",
            b"\x00\xff$GPRMC,ok*00\n$GPVTG,end",
        ]);
        assert_eq!(out, ["$GPRMC,ok*00"]);
        assert_eq!(
            skipped,
            [
                Skipped::Noise(5),
                Skipped::Truncated,
                Skipped::Noise(2),
                Skipped::Truncated
            ]
        );
    }

    #[test]
    fn comment_lines_are_not_noise() {
        let (out, skipped) = split(&[b"# recorded by the project\r\n$GPRMC,x*00\r\n# another\n"]);
        assert_eq!(out, ["$GPRMC,x*00"]);
        assert!(skipped.is_empty(), "{skipped:?}");
    }

    #[test]
    fn ten_megabytes_without_a_newline_stay_bounded() {
        let mut f = SentenceFramer::new();
        let chunk = [b'A'; 65536];
        let mut kept = 0;
        f.push(b"$GPGGA,", |_| kept += 1, |_| {});
        for _ in 0..160 {
            f.push(&chunk, |_| kept += 1, |_| {});
            assert!(f.partial.len() <= MAX_SENTENCE);
        }
        let mut skipped = Vec::new();
        f.push(b"\n$GPRMC,x*00\n", |_| kept += 1, |k| skipped.push(k));
        assert_eq!(kept, 1);
        assert_eq!(skipped, [Skipped::TooLong]);
    }
}
