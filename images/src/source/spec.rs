//! Where frames come from, as a technician writes it in `alpr.toml` or on the command line.
//!
//! ```text
//! v4l2:/dev/video0[?width=1280&height=720&fps=15]   a camera on the car's computer
//! /dev/video0                                      the same
//! http://[user:password@]cam/mjpg/video.mjpg       an IP camera's MJPEG stream
//! dir:/path/to/images[?fps=10&loop=true]           JPEG and PNG files, by name
//! replay:/path/to/recording.mjpeg[?fps=10&loop=true]  a camera's recording (concatenated JPEGs)
//! ```
//!
//! An `http://` source is the camera's URL whole, query and all: its query belongs to the camera
//! (many take their resolution and rate there), so it takes no options of ours.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use super::error::SourceError;

/// A frame source.
#[derive(Debug, Clone, PartialEq)]
pub enum FrameSourceSpec {
    /// A V4L2 capture device.
    V4l2(V4l2Spec),
    /// An MJPEG stream over HTTP (`multipart/x-mixed-replace`).
    Http(HttpSpec),
    /// A directory of JPEG and PNG files, played in name order.
    Directory(PlaybackSpec),
    /// A file of concatenated JPEGs, played in order.
    Replay(PlaybackSpec),
}

/// A V4L2 device and what to ask of it; the driver picks what it can nearest to that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V4l2Spec {
    pub device: PathBuf,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub fps: Option<u32>,
}

/// A recorded source and how to play it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaybackSpec {
    pub path: PathBuf,
    /// Frames a second; 0 plays as fast as the frames can be read.
    pub fps: f64,
    /// Start again from the first frame at the end.
    pub looping: bool,
}

/// The rate a recorded source plays at unless told.
pub const DEFAULT_PLAYBACK_FPS: f64 = 10.0;

/// The fastest rate a source may be asked for.
pub const MAX_FPS: f64 = 120.0;

/// An `http://` camera URL, taken apart. Shown (and logged) with its password hidden.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpSpec {
    /// The host as written (an IPv6 address in brackets).
    pub(crate) host: String,
    pub(crate) port: u16,
    pub(crate) path_and_query: String,
    pub(crate) user: Option<String>,
    pub(crate) password: Option<String>,
}

impl HttpSpec {
    /// The host to connect to (an IPv6 address without its brackets) and the port.
    pub(crate) fn connect_to(&self) -> (String, u16) {
        let host = self
            .host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(&self.host);
        (host.to_string(), self.port)
    }

    /// The value of the request's `Host` header.
    pub(crate) fn host_header(&self) -> String {
        if self.port == 80 {
            self.host.clone()
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Debug for HttpSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HttpSpec({self})")
    }
}

impl fmt::Display for HttpSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("http://")?;
        if let Some(user) = &self.user {
            write!(f, "{user}")?;
            if self.password.is_some() {
                f.write_str(":***")?;
            }
            f.write_str("@")?;
        }
        write!(f, "{}{}", self.host_header(), self.path_and_query)
    }
}

impl fmt::Display for FrameSourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameSourceSpec::V4l2(v) => {
                write!(f, "v4l2:{}", v.device.display())?;
                let mut options = Vec::new();
                if let Some(w) = v.width {
                    options.push(format!("width={w}"));
                }
                if let Some(h) = v.height {
                    options.push(format!("height={h}"));
                }
                if let Some(fps) = v.fps {
                    options.push(format!("fps={fps}"));
                }
                if !options.is_empty() {
                    write!(f, "?{}", options.join("&"))?;
                }
                Ok(())
            }
            FrameSourceSpec::Http(h) => write!(f, "{h}"),
            FrameSourceSpec::Directory(p) => write_playback(f, "dir", p),
            FrameSourceSpec::Replay(p) => write_playback(f, "replay", p),
        }
    }
}

fn write_playback(f: &mut fmt::Formatter<'_>, kind: &str, p: &PlaybackSpec) -> fmt::Result {
    write!(
        f,
        "{kind}:{}?fps={}&loop={}",
        p.path.display(),
        p.fps,
        p.looping
    )
}

impl FromStr for FrameSourceSpec {
    type Err = SourceError;

    fn from_str(s: &str) -> Result<Self, SourceError> {
        let bad = |reason: String| SourceError::Spec {
            spec: redact(s),
            reason,
        };
        let s = s.trim();
        let lower = s.to_ascii_lowercase();
        if lower.starts_with("http://") {
            return parse_http(&s["http://".len()..])
                .map(FrameSourceSpec::Http)
                .map_err(bad);
        }
        if lower.starts_with("https://") {
            return Err(bad(
                "https is not supported: use the camera's http:// stream on the car's camera \
                 network"
                    .into(),
            ));
        }
        let (kind, rest) = if s.starts_with("/dev/") {
            ("v4l2", s)
        } else {
            s.split_once(':').ok_or_else(|| {
                bad("expected v4l2:DEVICE, http://URL, dir:PATH or replay:FILE".into())
            })?
        };
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() {
            return Err(bad(format!("{kind}: no path")));
        }
        let options = parse_options(query).map_err(&bad)?;
        match kind {
            "v4l2" => {
                let device = match path.parse::<u32>() {
                    Ok(n) => PathBuf::from(format!("/dev/video{n}")),
                    Err(_) => PathBuf::from(path),
                };
                let mut spec = V4l2Spec {
                    device,
                    width: None,
                    height: None,
                    fps: None,
                };
                for (k, v) in options {
                    let n = || {
                        v.parse::<u32>()
                            .ok()
                            .filter(|n| (1..=16_384).contains(n))
                            .ok_or_else(|| bad(format!("{k}={v}: a whole number from 1")))
                    };
                    match k {
                        "width" => spec.width = Some(n()?),
                        "height" => spec.height = Some(n()?),
                        "fps" => {
                            let fps = n()?;
                            if f64::from(fps) > MAX_FPS {
                                return Err(bad(format!("fps={v}: at most {MAX_FPS}")));
                            }
                            spec.fps = Some(fps);
                        }
                        _ => return Err(bad(format!("{k}: v4l2 takes width, height and fps"))),
                    }
                }
                if spec.width.is_some() != spec.height.is_some() {
                    return Err(bad("width and height go together".into()));
                }
                Ok(FrameSourceSpec::V4l2(spec))
            }
            "dir" | "replay" => {
                let mut spec = PlaybackSpec {
                    path: PathBuf::from(path),
                    fps: DEFAULT_PLAYBACK_FPS,
                    looping: false,
                };
                for (k, v) in options {
                    match k {
                        "fps" => {
                            spec.fps = v
                                .parse::<f64>()
                                .ok()
                                .filter(|f| (0.0..=MAX_FPS).contains(f))
                                .ok_or_else(|| {
                                    bad(format!("fps={v}: 0 (as fast as read) to {MAX_FPS}"))
                                })?;
                        }
                        "loop" => {
                            spec.looping = match v {
                                "true" | "yes" | "1" | "" => true,
                                "false" | "no" | "0" => false,
                                _ => return Err(bad(format!("loop={v}: true or false"))),
                            };
                        }
                        _ => return Err(bad(format!("{k}: {kind} takes fps and loop"))),
                    }
                }
                Ok(if kind == "dir" {
                    FrameSourceSpec::Directory(spec)
                } else {
                    FrameSourceSpec::Replay(spec)
                })
            }
            other => Err(bad(format!(
                "{other}: expected v4l2:DEVICE, http://URL, dir:PATH or replay:FILE"
            ))),
        }
    }
}

impl<'de> serde::Deserialize<'de> for FrameSourceSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for FrameSourceSpec {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn parse_options(query: &str) -> Result<Vec<(&str, &str)>, String> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        if out.iter().any(|(seen, _)| *seen == k) {
            return Err(format!("{k} given twice"));
        }
        out.push((k, v));
    }
    Ok(out)
}

/// `rest` is the URL after `http://`.
fn parse_http(rest: &str) -> Result<HttpSpec, String> {
    let rest = rest.split('#').next().unwrap_or_default();
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(split);
    let path_and_query = match path_and_query {
        "" => "/".to_string(),
        p if p.starts_with('?') => format!("/{p}"),
        p => p.to_string(),
    };
    if path_and_query
        .parse::<hyper::http::uri::PathAndQuery>()
        .is_err()
    {
        return Err(format!(
            "{path_and_query:?} is not a valid URL path (spaces and some characters must be \
             %-encoded)"
        ));
    }
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (user, password) = match userinfo {
        None => (None, None),
        Some(u) => {
            let (user, password) = match u.split_once(':') {
                Some((user, pass)) => (user, Some(percent_decode(pass)?)),
                None => (u, None),
            };
            (Some(percent_decode(user)?), password)
        }
    };
    let (host, port) = if hostport.starts_with('[') {
        let close = hostport
            .find(']')
            .ok_or_else(|| format!("{hostport:?}: an IPv6 address without its closing ]"))?;
        let (host, after) = hostport.split_at(close + 1);
        match after.strip_prefix(':') {
            Some(p) => (host, Some(p)),
            None if after.is_empty() => (host, None),
            None => return Err(format!("{hostport:?}: not host:port")),
        }
    } else {
        match hostport.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    let port = match port {
        None => 80,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|&p| p > 0)
            .ok_or_else(|| format!("port {p:?}: a number from 1 to 65535"))?,
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':' | '[' | ']'));
    if !host_ok {
        return Err(format!("{host:?} is not a host name or address"));
    }
    Ok(HttpSpec {
        host: host.to_ascii_lowercase(),
        port,
        path_and_query,
        user,
        password,
    })
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("a % in the user or password not followed by two hex digits")?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the user or password is not UTF-8 once decoded".into())
}

/// The source string with any password in it hidden, for errors.
fn redact(s: &str) -> String {
    let Some(scheme_end) = s.find("://") else {
        return s.to_string();
    };
    let after = &s[scheme_end + 3..];
    let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
    match after[..authority_end].rsplit_once('@') {
        Some((userinfo, _)) => match userinfo.split_once(':') {
            Some((user, _)) => format!(
                "{}{user}:***{}",
                &s[..scheme_end + 3],
                &after[userinfo.len()..]
            ),
            None => s.to_string(),
        },
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> FrameSourceSpec {
        s.parse()
            .unwrap_or_else(|e| panic!("{s} should parse: {e}"))
    }

    #[test]
    fn each_kind_parses_and_shows_itself() {
        assert_eq!(
            parse("v4l2:/dev/video2?width=1280&height=720&fps=15"),
            FrameSourceSpec::V4l2(V4l2Spec {
                device: "/dev/video2".into(),
                width: Some(1280),
                height: Some(720),
                fps: Some(15),
            })
        );
        assert_eq!(parse("/dev/video0"), parse("v4l2:0"));
        assert_eq!(
            parse("dir:/data/frames?fps=2.5&loop=true"),
            FrameSourceSpec::Directory(PlaybackSpec {
                path: "/data/frames".into(),
                fps: 2.5,
                looping: true
            })
        );
        for s in [
            "v4l2:/dev/video2?width=1280&height=720&fps=15",
            "dir:/data/frames?fps=2.5&loop=true",
            "replay:/r/front.mjpeg?fps=10&loop=false",
            "http://cam:8080/mjpg/video.mjpg?resolution=640x480&fps=5",
        ] {
            assert_eq!(parse(s).to_string(), s);
            assert_eq!(parse(&parse(s).to_string()), parse(s));
        }
    }

    #[test]
    fn an_http_url_keeps_its_query_and_hides_its_password() {
        let FrameSourceSpec::Http(h) = parse("http://admin:p%40ss:w@192.168.0.90/video.cgi?x=1")
        else {
            panic!("http")
        };
        assert_eq!(h.user.as_deref(), Some("admin"));
        assert_eq!(h.password.as_deref(), Some("p@ss:w"));
        assert_eq!(h.connect_to(), ("192.168.0.90".to_string(), 80));
        assert_eq!(h.path_and_query, "/video.cgi?x=1");
        assert_eq!(h.to_string(), "http://admin:***@192.168.0.90/video.cgi?x=1");
        assert!(!format!("{h:?}").contains("p@ss"));
        let FrameSourceSpec::Http(v6) = parse("http://[::1]:8081") else {
            panic!("http")
        };
        assert_eq!(v6.connect_to(), ("::1".to_string(), 8081));
        assert_eq!(v6.host_header(), "[::1]:8081");
        assert_eq!(v6.path_and_query, "/");
    }

    #[test]
    fn faults_say_what_is_wrong_without_the_password() {
        for (s, says) in [
            ("rtsp://cam/stream", "rtsp"),
            ("https://cam/video", "https is not supported"),
            ("http://u:secret@cam:99999/", "port"),
            ("http://u:secret@/x", "not a host"),
            ("http://cam/a b", "valid URL path"),
            ("dir:/x?fps=500", "fps=500"),
            ("dir:/x?speed=2", "speed"),
            ("replay:/x?loop=maybe", "loop=maybe"),
            ("v4l2:/dev/video0?width=640", "together"),
            ("v4l2:/dev/video0?fps=0", "fps=0"),
            ("dir:", "no path"),
            ("camera", "expected"),
        ] {
            let err = s.parse::<FrameSourceSpec>().expect_err(s).to_string();
            assert!(err.contains(says), "{s}: {err}");
            assert!(!err.contains("secret"), "{s}: {err}");
        }
    }
}
