//! The body of a `multipart/x-mixed-replace` response, as IP cameras serve MJPEG: parts, each an
//! image, separated by a boundary line.
//!
//! Cameras are loose with the format, so the reader is lenient where it can be and resyncs where
//! it cannot: a part's `Content-Length` is used when given (so a frame is passed on as soon as it
//! has arrived, not when the next boundary does) but is checked against the boundary, and parts
//! without one end at the next boundary line. A boundary the header quotes, or gives with its
//! leading dashes, or does not give at all (learnt from the first `--` line) is accepted. Bytes
//! that belong to no part are passed over and reported, never taken for a frame.

use super::image_check::MAX_FRAME_BYTES;

/// Part headers longer than this are not headers.
const MAX_HEADER_BYTES: usize = 8 << 10;

/// A boundary longer than this is not one (RFC 2046 allows 70 characters).
const MAX_BOUNDARY: usize = 100;

/// One part of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The part's `Content-Type`, lower case, without parameters.
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// What the reader found next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Part(Part),
    /// Bytes passed over, and why.
    Skipped(String),
}

#[derive(Debug)]
enum State {
    /// Looking for a boundary line: at the start, after a part, or to resync.
    Boundary,
    Headers,
    Body {
        head: PartHead,
        /// Where to resume looking for the boundary (the body before it has none).
        scanned: usize,
    },
}

#[derive(Debug, Default)]
struct PartHead {
    content_type: Option<String>,
    content_length: Option<usize>,
}

/// Takes the body in chunks of any size and gives back its parts.
#[derive(Debug)]
pub struct MultipartReader {
    /// The lines that separate parts (`--boundary`, and the boundary as given when it already
    /// starts with dashes); empty until learnt when the response named none.
    delimiters: Vec<Vec<u8>>,
    buf: Vec<u8>,
    state: State,
    /// Bytes outside any part, passed over since the last report.
    stray: usize,
    max_part: usize,
}

impl MultipartReader {
    /// A reader for the boundary the response's `Content-Type` named, if any.
    pub fn new(boundary: Option<&str>) -> Self {
        Self::with_limit(boundary, MAX_FRAME_BYTES)
    }

    /// The same, giving up on a part longer than `max_part` bytes.
    pub fn with_limit(boundary: Option<&str>, max_part: usize) -> Self {
        let delimiters = match boundary.map(str::trim).filter(|b| !b.is_empty()) {
            None => Vec::new(),
            Some(b) => {
                let mut d = vec![format!("--{b}").into_bytes()];
                if b.starts_with("--") {
                    d.push(b.as_bytes().to_vec());
                }
                d
            }
        };
        Self {
            delimiters,
            buf: Vec::new(),
            state: State::Boundary,
            stray: 0,
            max_part: max_part.max(1),
        }
    }

    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next part or skipped stretch; `None` when more bytes are needed.
    pub fn next_event(&mut self) -> Option<Event> {
        loop {
            match &mut self.state {
                State::Boundary => match self.find_boundary_line() {
                    Found::Line {
                        start,
                        end,
                        closing,
                    } => {
                        self.stray += count_stray(&self.buf[..start]);
                        self.buf.drain(..end);
                        if !closing {
                            self.state = State::Headers;
                        }
                        if let Some(e) = self.report_stray("outside any part") {
                            return Some(e);
                        }
                    }
                    Found::NotYet { keep_from } => {
                        self.stray += count_stray(&self.buf[..keep_from]);
                        self.buf.drain(..keep_from);
                        if self.stray > self.max_part {
                            return self.report_stray("without a boundary line");
                        }
                        return None;
                    }
                },
                State::Headers => match self.read_headers() {
                    Headers::Done(head) => self.state = State::Body { head, scanned: 0 },
                    Headers::NeedMore => return None,
                    Headers::TooLong => {
                        self.state = State::Boundary;
                        return Some(Event::Skipped(format!(
                            "part headers longer than {MAX_HEADER_BYTES} bytes"
                        )));
                    }
                },
                State::Body { head, scanned } => {
                    let length = head.content_length.filter(|&n| n <= self.max_part);
                    let from = *scanned;
                    let end = match length {
                        // The length is trusted only as far as it does not run over a boundary
                        // (some cameras send a wrong one).
                        Some(n) if self.buf.len() >= n => {
                            Some(self.find_next_boundary(0, n).unwrap_or(n))
                        }
                        Some(_) => None,
                        None => self.find_next_boundary(from, self.buf.len()),
                    };
                    let Some(end) = end else {
                        if self.buf.len() > self.max_part {
                            let n = self.buf.len();
                            self.buf.clear();
                            self.state = State::Boundary;
                            return Some(Event::Skipped(format!(
                                "a part of over {} bytes ({n} so far) without a boundary",
                                self.max_part
                            )));
                        }
                        // A line break this close to the end may start a boundary line not yet
                        // whole: look again from there.
                        let resume = self.buf.len().saturating_sub(self.longest_delimiter() + 1);
                        if let State::Body { scanned, .. } = &mut self.state {
                            *scanned = resume;
                        }
                        return None;
                    };
                    let mut body: Vec<u8> = self.buf.drain(..end).collect();
                    if length.is_none_or(|n| end < n) && body.ends_with(b"\r") {
                        // The CR of the CRLF before the boundary line belongs to the boundary.
                        body.pop();
                    }
                    let content_type = match std::mem::replace(&mut self.state, State::Boundary) {
                        State::Body { head, .. } => head.content_type,
                        _ => None,
                    };
                    return Some(Event::Part(Part { content_type, body }));
                }
            }
        }
    }

    fn longest_delimiter(&self) -> usize {
        self.delimiters
            .iter()
            .map(Vec::len)
            .max()
            .unwrap_or(MAX_BOUNDARY + 2)
    }

    fn report_stray(&mut self, where_: &str) -> Option<Event> {
        if self.stray == 0 {
            return None;
        }
        let n = std::mem::take(&mut self.stray);
        Some(Event::Skipped(format!("{n} bytes {where_}")))
    }

    /// A whole boundary line in the buffer, or how much of the buffer cannot start one.
    ///
    /// Outside a part the boundary is looked for anywhere, not only at a line's start: after
    /// stray bytes a camera may not have put the line break the boundary should follow.
    fn find_boundary_line(&mut self) -> Found {
        if self.delimiters.is_empty() && !self.learn_boundary() {
            // Keep the last line if it could still become a boundary line.
            let start = self
                .buf
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let last = &self.buf[start..];
            let could_be =
                last.len() <= MAX_BOUNDARY + 4 && (last.starts_with(b"--") || last.len() < 2);
            return Found::NotYet {
                keep_from: if could_be { start } else { self.buf.len() },
            };
        }
        let mut from = 0;
        loop {
            let Some((start, len)) = self.find_delimiter(from) else {
                // Keep enough of the tail to hold a boundary cut by the chunk's end.
                return Found::NotYet {
                    keep_from: self
                        .buf
                        .len()
                        .saturating_sub(self.longest_delimiter().saturating_sub(1)),
                };
            };
            let after = &self.buf[start + len..];
            let Some(nl) = after.iter().position(|&b| b == b'\n') else {
                // The line is not whole yet: wait if the rest can still be `--` and a line break.
                if after.len() <= 4
                    && after
                        .iter()
                        .all(|&b| matches!(b, b'-' | b'\r' | b' ' | b'\t'))
                {
                    return Found::NotYet { keep_from: start };
                }
                from = start + 1;
                continue;
            };
            let end = start + len + nl + 1;
            if let Some(closing) = self.delimiter_line(self.buf[start..end].trim_ascii()) {
                return Found::Line {
                    start,
                    end,
                    closing,
                };
            }
            from = start + 1;
        }
    }

    /// The earliest delimiter in `buf[from..]` (the longer when two start at the same place).
    fn find_delimiter(&self, from: usize) -> Option<(usize, usize)> {
        self.delimiters
            .iter()
            .filter_map(|d| Some((from + find(self.buf.get(from..)?, d)?, d.len())))
            .min_by_key(|&(at, len)| (at, std::cmp::Reverse(len)))
    }

    /// Takes the first whole line that looks like a boundary as the boundary, when the response
    /// named none.
    fn learn_boundary(&mut self) -> bool {
        let mut start = 0;
        while let Some(nl) = self.buf[start..].iter().position(|&b| b == b'\n') {
            let line = self.buf[start..start + nl].trim_ascii();
            if looks_like_boundary(line) {
                self.delimiters.push(line.to_vec());
                return true;
            }
            start += nl + 1;
        }
        false
    }

    /// Whether `line` (trimmed) is a boundary line, and if so whether it is the closing one.
    fn delimiter_line(&self, line: &[u8]) -> Option<bool> {
        if self.delimiters.iter().any(|d| line == d.as_slice()) {
            return Some(false);
        }
        let open = line.strip_suffix(b"--")?;
        self.delimiters
            .iter()
            .any(|d| open == d.as_slice())
            .then_some(true)
    }

    /// Where, in `buf[from..limit]`, the next boundary line starts, counting the line break
    /// before it as the boundary's.
    fn find_next_boundary(&self, from: usize, limit: usize) -> Option<usize> {
        let mut i = from;
        while let Some(p) = self.buf.get(i..limit)?.iter().position(|&b| b == b'\n') {
            let nl = i + p;
            let rest = &self.buf[nl + 1..];
            if self.delimiters.iter().any(|d| {
                rest.starts_with(d) && {
                    let after = &rest[d.len()..];
                    after.is_empty()
                        || matches!(after[0], b'\r' | b'\n' | b' ' | b'\t')
                        || after.starts_with(b"--")
                }
            }) {
                return Some(nl);
            }
            i = nl + 1;
        }
        None
    }

    fn read_headers(&mut self) -> Headers {
        let mut head = PartHead::default();
        let mut at = 0;
        loop {
            if self.buf[at..].starts_with(&[0xFF, 0xD8]) {
                // An image straight after the boundary line, with no blank line: the body.
                self.buf.drain(..at);
                return Headers::Done(head);
            }
            let Some(nl) = self.buf[at..].iter().position(|&b| b == b'\n') else {
                return if self.buf.len() > MAX_HEADER_BYTES {
                    self.buf.clear();
                    Headers::TooLong
                } else {
                    Headers::NeedMore
                };
            };
            let line = self.buf[at..at + nl].trim_ascii();
            at += nl + 1;
            if at > MAX_HEADER_BYTES {
                self.buf.drain(..at);
                return Headers::TooLong;
            }
            if line.is_empty() {
                self.buf.drain(..at);
                return Headers::Done(head);
            }
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let name = String::from_utf8_lossy(&line[..colon]).to_ascii_lowercase();
            let value = String::from_utf8_lossy(&line[colon + 1..])
                .trim()
                .to_string();
            match name.trim() {
                "content-type" => {
                    let t = value.split(';').next().unwrap_or_default().trim();
                    head.content_type = Some(t.to_ascii_lowercase());
                }
                "content-length" => head.content_length = value.parse().ok(),
                _ => {}
            }
        }
    }
}

enum Found {
    Line {
        start: usize,
        end: usize,
        closing: bool,
    },
    NotYet {
        keep_from: usize,
    },
}

enum Headers {
    Done(PartHead),
    NeedMore,
    TooLong,
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Bytes that are not the blank lines allowed between parts.
fn count_stray(bytes: &[u8]) -> usize {
    bytes.iter().filter(|b| !b.is_ascii_whitespace()).count()
}

/// A line (trimmed) that can be a boundary line, when the response named no boundary.
fn looks_like_boundary(line: &[u8]) -> bool {
    line.len() > 2
        && line.len() <= MAX_BOUNDARY + 2
        && line.starts_with(b"--")
        && line.iter().all(|b| b.is_ascii_graphic())
}

/// The boundary named in a `Content-Type` header value, unquoted.
pub fn boundary_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(reader: &mut MultipartReader, stream: &[u8], chunk: usize) -> Vec<Event> {
        let mut out = Vec::new();
        for c in stream.chunks(chunk.max(1)) {
            reader.push(c);
            while let Some(e) = reader.next_event() {
                out.push(e);
            }
        }
        out
    }

    fn part(ct: &str, body: &[u8]) -> Event {
        Event::Part(Part {
            content_type: Some(ct.into()),
            body: body.to_vec(),
        })
    }

    /// A body with bytes that look like line breaks and dashes, as JPEG data does.
    fn body(n: u8) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, n, b'\r', b'\n', b'-', b'-', n, b'\n'];
        b.extend(std::iter::repeat_n(n, 50));
        b
    }

    fn stream(boundary: &str, with_length: bool, bodies: &[Vec<u8>]) -> Vec<u8> {
        let mut s = Vec::new();
        for b in bodies {
            s.extend_from_slice(format!("--{boundary}\r\nContent-Type: image/jpeg\r\n").as_bytes());
            if with_length {
                s.extend_from_slice(format!("Content-Length: {}\r\n", b.len()).as_bytes());
            }
            s.extend_from_slice(b"\r\n");
            s.extend_from_slice(b);
            s.extend_from_slice(b"\r\n");
        }
        s
    }

    #[test]
    fn parts_with_and_without_lengths_in_any_chunking() {
        let bodies: Vec<Vec<u8>> = (1..=3).map(body).collect();
        for with_length in [true, false] {
            let s = stream("frame", with_length, &bodies);
            for chunk in [1, 5, 64, s.len()] {
                let mut r = MultipartReader::new(Some("frame"));
                let events = read_all(&mut r, &s, chunk);
                // Without lengths the last part ends only when a boundary follows it.
                let expected: Vec<Event> = bodies
                    .iter()
                    .take(if with_length { 3 } else { 2 })
                    .map(|b| part("image/jpeg", b))
                    .collect();
                assert_eq!(events, expected, "lengths {with_length}, chunk {chunk}");
            }
        }
    }

    #[test]
    fn a_part_with_a_length_is_given_before_the_next_boundary_arrives() {
        let b = body(7);
        let mut r = MultipartReader::new(Some("x"));
        r.push(format!("--x\r\nContent-Length: {}\r\n\r\n", b.len()).as_bytes());
        r.push(&b);
        assert_eq!(
            r.next_event(),
            Some(Event::Part(Part {
                content_type: None,
                body: b
            }))
        );
    }

    #[test]
    fn a_wrong_length_is_corrected_by_the_boundary() {
        let (a, b) = (body(1), body(2));
        let mut s = Vec::new();
        // Too long: would swallow the next part's boundary.
        s.extend_from_slice(format!("--b\r\nContent-Length: {}\r\n\r\n", a.len() + 40).as_bytes());
        s.extend_from_slice(&a);
        s.extend_from_slice(b"\r\n--b\r\nContent-Type: image/jpeg\r\n\r\n");
        s.extend_from_slice(&b);
        s.extend_from_slice(b"\r\n--b\r\n");
        let mut r = MultipartReader::new(Some("b"));
        let events = read_all(&mut r, &s, 1000);
        assert_eq!(
            events,
            [
                Event::Part(Part {
                    content_type: None,
                    body: a
                }),
                part("image/jpeg", &b)
            ]
        );
    }

    #[test]
    fn quoted_dashed_or_missing_boundaries_are_found() {
        let bodies = vec![body(1), body(2), body(3)];
        // The header's boundary already has the dashes the body lines use.
        let s = stream("myboundary", true, &bodies);
        let mut r = MultipartReader::new(Some("--myboundary"));
        assert_eq!(read_all(&mut r, &s, 17).len(), 3);
        // None named: learnt from the first line.
        let mut r = MultipartReader::new(None);
        assert_eq!(read_all(&mut r, &s, 17).len(), 3);
        assert_eq!(
            boundary_of("multipart/x-mixed-replace; boundary=\"my b\""),
            Some("my b".into())
        );
        assert_eq!(
            boundary_of("multipart/x-mixed-replace;Boundary=--x"),
            Some("--x".into())
        );
        assert_eq!(boundary_of("multipart/x-mixed-replace"), None);
    }

    #[test]
    fn garbage_is_passed_over_and_reported_then_parts_resume() {
        let mut r = MultipartReader::with_limit(Some("b"), 1000);
        let mut s = vec![0x42; 3000];
        s.extend(stream("b", true, &[body(5)]));
        let events = read_all(&mut r, &s, 256);
        assert!(
            matches!(&events[0], Event::Skipped(why) if why.contains("without a boundary")),
            "{events:?}"
        );
        assert_eq!(
            events.last(),
            Some(&part("image/jpeg", &body(5))),
            "{events:?}"
        );
    }

    #[test]
    fn an_endless_part_is_given_up_on() {
        let mut r = MultipartReader::with_limit(Some("b"), 100);
        let mut s = b"--b\r\n\r\n".to_vec();
        s.extend(vec![0x11; 500]);
        let events = read_all(&mut r, &s, 64);
        assert!(
            matches!(&events[0], Event::Skipped(why) if why.contains("over 100 bytes")),
            "{events:?}"
        );
    }

    #[test]
    fn an_image_straight_after_the_boundary_line_is_the_body() {
        let b = body(9);
        let mut s = b"--b\r\n".to_vec();
        s.extend_from_slice(&b);
        s.extend_from_slice(b"\r\n--b\r\n");
        let mut r = MultipartReader::new(Some("b"));
        assert_eq!(
            read_all(&mut r, &s, 4),
            [Event::Part(Part {
                content_type: None,
                body: b
            })]
        );
    }
}
