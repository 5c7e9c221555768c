//! An IP camera's MJPEG stream over HTTP/1.1 (`multipart/x-mixed-replace`), through hyper's
//! client connection, reconnecting with backoff when the stream ends, fails or goes quiet.

use std::convert::Infallible;
use std::time::Duration;

use base64::Engine as _;
use http_body_util::{BodyExt as _, Empty};
use hyper::body::Bytes;
use hyper::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, LOCATION, USER_AGENT, WWW_AUTHENTICATE,
};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_util::sync::CancellationToken;

use super::emit::Emitter;
use super::error::SourceError;
use super::multipart::{Event, MultipartReader, boundary_of};
use super::reconnect::{Backoff, record_failure, wait};
use super::spec::HttpSpec;
use crate::Frame;

/// How long a camera may take to accept the connection, and then to answer the request.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// A stream that sends nothing for this long is taken as lost (a camera that hangs keeps its
/// connection open).
const QUIET_TIMEOUT: Duration = Duration::from_secs(10);

/// Plays the camera's stream until `shutdown`, reconnecting whenever it is lost.
pub(crate) async fn run<S: FnMut(Frame) -> bool>(
    spec: &HttpSpec,
    emitter: &mut Emitter<S>,
    shutdown: &CancellationToken,
) {
    let mut backoff = Backoff::default();
    loop {
        let before = emitter.stats().frames();
        let error = tokio::select! {
            () = shutdown.cancelled() => return,
            Err(e) = session(spec, emitter) => e,
        };
        let delivered = emitter.stats().frames() > before;
        let delay = record_failure(
            &mut backoff,
            &error,
            delivered,
            emitter.stats(),
            emitter.camera(),
        );
        if !wait(delay, shutdown).await {
            return;
        }
    }
}

/// One connection, for as long as it lasts.
async fn session<S: FnMut(Frame) -> bool>(
    spec: &HttpSpec,
    emitter: &mut Emitter<S>,
) -> Result<Infallible, SourceError> {
    let origin = emitter.origin().to_string();
    let lost = |reason: String| SourceError::Connection {
        origin: origin.clone(),
        reason,
    };
    let refused = |reason: String| SourceError::Protocol {
        origin: origin.clone(),
        reason,
    };
    let (host, port) = spec.connect_to();
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((host.as_str(), port)))
        .await
        .map_err(|_| {
            lost(format!(
                "no answer from {host}:{port} in {CONNECT_TIMEOUT:?}"
            ))
        })?
        .map_err(|e| lost(format!("connecting to {host}:{port}: {e}")))?;
    // Frames should leave the camera's side as they are written; ours only reads.
    let _ = tcp.set_nodelay(true);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .map_err(|e| lost(format!("HTTP: {e}")))?;
    // The connection's task ends with the session, whichever way the session ends.
    let _connection = AbortOnDrop(tokio::spawn(connection));

    let mut request = Request::get(spec.path_and_query.as_str())
        .header(HOST, spec.host_header())
        .header(USER_AGENT, concat!("alpr/", env!("CARGO_PKG_VERSION")))
        .header(ACCEPT, "multipart/x-mixed-replace, */*;q=0.1");
    if let Some(user) = &spec.user {
        let pair = format!("{user}:{}", spec.password.as_deref().unwrap_or_default());
        let token = base64::engine::general_purpose::STANDARD.encode(pair);
        request = request.header(AUTHORIZATION, format!("Basic {token}"));
    }
    let request = request
        .body(Empty::<Bytes>::new())
        .map_err(|e| refused(format!("building the request: {e}")))?;
    let response = tokio::time::timeout(ANSWER_TIMEOUT, sender.send_request(request))
        .await
        .map_err(|_| lost(format!("no answer to the request in {ANSWER_TIMEOUT:?}")))?
        .map_err(|e| lost(format!("HTTP: {e}")))?;

    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &hyper::header::HeaderValue| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    match response.status() {
        StatusCode::OK => {}
        StatusCode::UNAUTHORIZED => {
            let scheme = header(WWW_AUTHENTICATE);
            return Err(refused(
                if scheme
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("digest")
                {
                    "the camera asks for digest authentication, which is not supported: turn on \
                     basic authentication on the camera"
                        .into()
                } else if spec.user.is_none() {
                    "the camera wants a user and password (http://user:password@host/...)".into()
                } else {
                    "the camera refused the user and password".into()
                },
            ));
        }
        s if s.is_redirection() => {
            return Err(refused(format!(
                "redirected ({s}) to {:?}: use that URL",
                header(LOCATION)
            )));
        }
        s => return Err(refused(format!("the camera answered {s}"))),
    }
    let content_type = header(CONTENT_TYPE);
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media.starts_with("image/") {
        return Err(refused(format!(
            "this URL serves a single image ({media}), not a stream: use the camera's MJPEG URL"
        )));
    }
    if !media.is_empty() && !media.starts_with("multipart/") {
        return Err(refused(format!(
            "this URL serves {media}, not an MJPEG stream (multipart/x-mixed-replace)"
        )));
    }
    emitter.stats().connected();
    tracing::info!(camera = %emitter.camera(), source = %origin, "camera stream open");

    let mut reader = MultipartReader::new(boundary_of(&content_type).as_deref());
    let mut body = response.into_body();
    let mut parts = 0u64;
    loop {
        let frame = tokio::time::timeout(QUIET_TIMEOUT, body.frame())
            .await
            .map_err(|_| lost(format!("nothing received for {QUIET_TIMEOUT:?}")))?;
        let data = match frame {
            None => return Err(lost("the camera ended the stream".into())),
            Some(Err(e)) => return Err(lost(format!("reading the stream: {e}"))),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => data,
                // Trailers: nothing of ours.
                Err(_) => continue,
            },
        };
        reader.push(&data);
        while let Some(event) = reader.next_event() {
            match event {
                Event::Part(part) => {
                    parts += 1;
                    let what = match &part.content_type {
                        Some(t) => format!("part {parts} ({t})"),
                        None => format!("part {parts}"),
                    };
                    emitter.offer(part.body, &what);
                }
                Event::Skipped(why) => emitter.skip(format!("after part {parts}: {why}")),
            }
        }
    }
}

/// A task that does not outlive its owner.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
