//! Physical lines off the reader, numbered, counted against the size limit and checked for
//! encoding, one at a time so that a list of millions of lines never sits in memory.

use std::io::{BufRead, ErrorKind, Read};

use super::ImportError;

/// Real hot-list lines are well under 1 KiB; longer ones are garbage, and capping them keeps a
/// file without newlines from being buffered whole on an appliance with little memory.
pub(super) const MAX_LINE_BYTES: usize = 64 * 1024;
const PROGRESS_EVERY: u64 = 64 * 1024;
const BOM: &[u8] = b"\xEF\xBB\xBF";

pub(super) struct LineSource<'p, R> {
    reader: R,
    buf: Vec<u8>,
    too_long: bool,
    line: u64,
    bytes: u64,
    limit: u64,
    progress: &'p mut dyn FnMut(u64),
    next_progress: u64,
    ended: bool,
}

impl<R> std::fmt::Debug for LineSource<'_, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineSource")
            .field("line", &self.line)
            .field("bytes", &self.bytes)
            .field("limit", &self.limit)
            .finish_non_exhaustive()
    }
}

impl<'p, R: BufRead> LineSource<'p, R> {
    pub(super) fn new(reader: R, limit: u64, progress: &'p mut dyn FnMut(u64)) -> Self {
        LineSource {
            reader,
            buf: Vec::with_capacity(256),
            too_long: false,
            line: 0,
            bytes: 0,
            limit,
            progress,
            next_progress: PROGRESS_EVERY,
            ended: false,
        }
    }

    /// The number of the current line (1-based), or of lines read once at the end.
    pub(super) fn line(&self) -> u64 {
        self.line
    }

    pub(super) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The current line without its line end (nor, on line 1, a byte-order mark).
    pub(super) fn raw(&self) -> &[u8] {
        &self.buf
    }

    /// Moves to the next physical line; false at the end of the input.
    pub(super) fn advance(&mut self) -> Result<bool, ImportError> {
        self.buf.clear();
        if self.ended {
            return Ok(false);
        }
        let room = self.limit.saturating_sub(self.bytes).saturating_add(1);
        let cap = room.min(MAX_LINE_BYTES as u64 + 1);
        let read = (&mut self.reader)
            .take(cap)
            .read_until(b'\n', &mut self.buf)
            .map_err(|source| ImportError::Io {
                line: self.line + 1,
                source,
            })?;
        if read == 0 {
            self.ended = true;
            (self.progress)(self.bytes);
            return Ok(false);
        }
        self.line += 1;
        self.count(read)?;
        self.too_long = self.buf.last() != Some(&b'\n') && read as u64 == cap;
        if self.too_long {
            self.skip_rest_of_line()?;
        }
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
        }
        if self.line == 1 && self.buf.starts_with(BOM) {
            self.buf.drain(..BOM.len());
        }
        Ok(true)
    }

    /// Skips lines that hold nothing but white space; returns the next other line's number.
    pub(super) fn next_nonblank(&mut self) -> Result<Option<u64>, ImportError> {
        while self.advance()? {
            if !self.buf.iter().all(u8::is_ascii_whitespace) {
                return Ok(Some(self.line));
            }
        }
        Ok(None)
    }

    /// The current line as text, or why it cannot be read as text.
    pub(super) fn text(&self) -> Result<&str, String> {
        if self.too_long {
            return Err(format!("longer than {MAX_LINE_BYTES} bytes"));
        }
        let text = std::str::from_utf8(&self.buf).map_err(|e| {
            let at = e.valid_up_to();
            format!(
                "not UTF-8 (byte 0x{:02X} at column {})",
                self.buf.get(at).copied().unwrap_or_default(),
                column(&self.buf, at)
            )
        })?;
        match text.find('\0') {
            Some(at) => Err(format!("NUL byte at column {}", column(&self.buf, at))),
            None => Ok(text),
        }
    }

    fn count(&mut self, read: usize) -> Result<(), ImportError> {
        self.bytes += read as u64;
        if self.bytes > self.limit {
            return Err(ImportError::TooLarge {
                bytes: self.bytes,
                limit: self.limit,
            });
        }
        if self.bytes >= self.next_progress {
            (self.progress)(self.bytes);
            self.next_progress = self.bytes + PROGRESS_EVERY;
        }
        Ok(())
    }

    fn skip_rest_of_line(&mut self) -> Result<(), ImportError> {
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(chunk) => chunk,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(source) => {
                    return Err(ImportError::Io {
                        line: self.line,
                        source,
                    });
                }
            };
            let (used, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(end) => (end + 1, true),
                None => (chunk.len(), chunk.is_empty()),
            };
            self.reader.consume(used);
            self.count(used)?;
            if done {
                return Ok(());
            }
        }
    }
}

/// 1-based character column of byte `at`, which follows only valid UTF-8.
fn column(bytes: &[u8], at: usize) -> usize {
    let before = bytes.get(..at).unwrap_or(bytes);
    std::str::from_utf8(before).map_or(at, |s| s.chars().count()) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(u64, Result<String, String>)> {
        let mut progress = |_| {};
        let mut source = LineSource::new(input, u64::MAX, &mut progress);
        let mut out = Vec::new();
        while source.advance().expect("no I/O error") {
            out.push((source.line(), source.text().map(str::to_string)));
        }
        out
    }

    #[test]
    fn lines_are_numbered_and_checked() {
        let got = lines(b"\xEF\xBB\xBFone\r\n\ncaf\xC3\xA9 \xE9t\xE9\nnul\0here\nlast");
        assert_eq!(
            got,
            vec![
                (1, Ok("one".into())),
                (2, Ok(String::new())),
                (3, Err("not UTF-8 (byte 0xE9 at column 6)".into())),
                (4, Err("NUL byte at column 4".into())),
                (5, Ok("last".into())),
            ]
        );
    }

    #[test]
    fn an_overlong_line_is_skipped_whole() {
        let mut input = vec![b'x'; MAX_LINE_BYTES + 10];
        input.extend_from_slice(b"\nnext\n");
        let got = lines(&input);
        assert_eq!(
            got,
            vec![
                (1, Err(format!("longer than {MAX_LINE_BYTES} bytes"))),
                (2, Ok("next".into())),
            ]
        );
    }

    #[test]
    fn the_limit_stops_reading_mid_stream() {
        let mut calls = Vec::new();
        let mut progress = |b| calls.push(b);
        let input = vec![b'x'; 300_000];
        let mut source = LineSource::new(&input[..], 200_000, &mut progress);
        let err = source.advance().expect_err("over the limit");
        // A slice hands over all it has at once, so the count overshoots to its whole length.
        assert!(
            matches!(
                err,
                ImportError::TooLarge {
                    bytes: 300_000,
                    limit: 200_000
                }
            ),
            "{err:?}"
        );
        assert_eq!(calls, vec![65_537]);
    }
}
