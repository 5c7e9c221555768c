//! Lines of bounded length from a byte stream.
//!
//! A camera that sends a line without end must not make the appliance buffer without end: past
//! the limit the rest of that line is skipped and reported, and the next line is read as usual.

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// The longest line accepted: room for a read with a context image of a few megapixels.
pub const MAX_LINE_BYTES: usize = 8 * 1024 * 1024;

/// What the reader found next.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    /// A complete line, without its end.
    Complete(Vec<u8>),
    /// A line longer than the limit; this many bytes were skipped.
    TooLong(usize),
    /// The stream ended in the middle of a line of this many bytes.
    Truncated(usize),
}

/// Reads [`Line`]s from `R`, numbering them from 1.
#[derive(Debug)]
pub struct BoundedLines<R> {
    reader: R,
    max: usize,
    number: u64,
}

impl<R: AsyncBufRead + Unpin> BoundedLines<R> {
    pub fn new(reader: R, max: usize) -> Self {
        Self {
            reader,
            max,
            number: 0,
        }
    }

    /// The number of the line most recently returned.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// The next line, or `None` at a clean end of stream.
    pub async fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        let mut line = Vec::new();
        let mut skipped = 0usize;
        loop {
            let buf = self.reader.fill_buf().await?;
            if buf.is_empty() {
                return Ok(match (line.len() + skipped, skipped) {
                    (0, _) => None,
                    (n, _) => {
                        self.number += 1;
                        Some(Line::Truncated(n))
                    }
                });
            }
            let (chunk, found_end) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            if skipped > 0 || line.len() + chunk.len() > self.max {
                skipped += line.len() + chunk.len();
                line.clear();
            } else {
                line.extend_from_slice(chunk);
            }
            let consumed = found_end.unwrap_or(buf.len());
            self.reader.consume(consumed);
            if found_end.is_some() {
                self.number += 1;
                if skipped > 0 {
                    return Ok(Some(Line::TooLong(skipped)));
                }
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(Some(Line::Complete(line)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn all(input: &[u8], max: usize) -> Vec<Line> {
        let mut lines = BoundedLines::new(tokio::io::BufReader::with_capacity(4, input), max);
        let mut out = Vec::new();
        while let Some(l) = lines.next_line().await.expect("in-memory read") {
            out.push(l);
        }
        out
    }

    #[tokio::test]
    async fn long_lines_are_skipped_and_reading_goes_on() {
        let got = all(b"ok\r\n0123456789abcdef\nnext\npartial", 8).await;
        assert_eq!(
            got,
            vec![
                Line::Complete(b"ok".to_vec()),
                Line::TooLong(16),
                Line::Complete(b"next".to_vec()),
                Line::Truncated(7)
            ]
        );
    }

    #[tokio::test]
    async fn empty_input_has_no_lines() {
        assert!(all(b"", 8).await.is_empty());
    }
}
