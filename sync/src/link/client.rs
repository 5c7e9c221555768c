//! The car's side of the link: one session connects, pushes what HQ has not received (priority
//! stream first), then pulls what the car has not received, each batch acknowledged before the
//! next. A session cut anywhere leaves both stores consistent; the next resumes from the
//! watermarks.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;

use super::{Hello, PushAck, Refusal};
use crate::connection::CrConnection;
use crate::exchange::{ExchangeError, Rules, apply_incoming, outgoing, stream_resume};
use crate::wire::{ChangeBatch, MAX_COMPRESSED_BYTES, WireError};

/// The most bytes a car puts in one batch: small enough for a minute of weak LTE.
pub const PUSH_BATCH_BYTES: usize = 128 * 1024;

/// Why a session stopped early.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("connecting to {addr}: {source}")]
    Connect {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS with {addr}: {source}")]
    Tls {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} timed out")]
    Timeout(String),
    #[error("HTTP: {0}")]
    Http(String),
    #[error("headquarters refused {what} ({status}): {error}")]
    Refused {
        what: String,
        status: u16,
        error: String,
    },
    #[error("headquarters sent a bad batch: {0}")]
    Wire(#[from] WireError),
    #[error("merging headquarters' batch: {0}")]
    Exchange(#[from] ExchangeError),
    #[error("the car's store: {0}")]
    Store(String),
}

/// The car's side of the general hot lists headquarters publishes.
pub trait Subscriber: Send + Sync + 'static {
    /// The version of `list_id` the car holds (0 for none).
    fn version(&self, list_id: &str) -> Result<i64, String>;
    /// Applies an encoded update; an error means "send the list whole".
    fn apply(&self, update: &[u8]) -> Result<(), String>;
}

/// The car's image files that headquarters may not have yet.
pub trait ImageSource: Send + Sync + 'static {
    /// Images rows name that have not been confirmed at HQ: `(sha256, ext)`, at most `limit`.
    fn pending(&self, limit: usize) -> Result<Vec<(String, String)>, String>;
    /// An image's bytes; `None` when the file is gone (purged since).
    fn read(&self, sha256: &str, ext: &str) -> Result<Option<Vec<u8>>, String>;
    /// HQ holds the image (or it is gone here): never offered again.
    fn mark_sent(&self, sha256: &str) -> Result<(), String>;
}

/// Bytes per image chunk: an image resumes from its last acknowledged chunk.
pub const IMAGE_CHUNK: usize = 64 * 1024;

/// The most bytes a list update may take on the wire (a whole 5-million-plate list).
pub const MAX_LIST_UPDATE_BYTES: usize = 512 << 20;

/// Where headquarters is and how to reach it.
#[derive(Debug, Clone)]
pub struct Link {
    pub addr: String,
    pub server_name: ServerName<'static>,
    pub tls: Arc<rustls::ClientConfig>,
    /// Each request (and the connection) gives up after this.
    pub timeout: Duration,
}

/// What one session moved.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct SessionReport {
    pub hq_site: String,
    pub batches_pushed: usize,
    pub changes_pushed: usize,
    pub batches_pulled: usize,
    pub changes_pulled: usize,
    /// General lists brought to headquarters' version, and the bytes that took.
    pub lists_updated: usize,
    pub list_bytes: usize,
    /// Images sent whole (or found already at HQ), and bytes sent.
    pub images_sent: usize,
    pub image_bytes: usize,
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

struct Session {
    sender: Sender,
    timeout: Duration,
    /// Why the connection ended, when it ended with an error: a refused car learns of the refusal
    /// (a TLS alert) only when the connection fails under its first request.
    ended: tokio::sync::watch::Receiver<Option<String>>,
}

impl Session {
    async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Vec<u8>,
    ) -> Result<(StatusCode, Bytes), LinkError> {
        self.request_up_to(method, path, body, MAX_COMPRESSED_BYTES)
            .await
    }

    async fn request_up_to(
        &mut self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        limit: usize,
    ) -> Result<(StatusCode, Bytes), LinkError> {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, "alpr-hq")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| LinkError::Http(e.to_string()))?;
        let mut ended = self.ended.clone();
        let why = |e: hyper::Error, ended: &mut tokio::sync::watch::Receiver<Option<String>>| {
            let cause = ended.borrow_and_update().clone();
            LinkError::Http(match cause {
                Some(c) => format!("{e}: {c}"),
                None => e.to_string(),
            })
        };
        let exchange = async {
            if let Err(e) = self.sender.ready().await {
                let _ = tokio::time::timeout(Duration::from_millis(200), ended.changed()).await;
                return Err(why(e, &mut ended));
            }
            let resp = match self.sender.send_request(req).await {
                Ok(r) => r,
                Err(e) => {
                    let _ = tokio::time::timeout(Duration::from_millis(200), ended.changed()).await;
                    return Err(why(e, &mut ended));
                }
            };
            let status = resp.status();
            let body = Limited::new(resp.into_body(), limit)
                .collect()
                .await
                .map_err(|e| LinkError::Http(e.to_string()))?
                .to_bytes();
            Ok((status, body))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| LinkError::Timeout(path.to_string()))?
    }
}

fn refused(what: &str, status: StatusCode, body: &Bytes) -> LinkError {
    let error = serde_json::from_slice::<Refusal>(body)
        .map(|r| r.error)
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
    LinkError::Refused {
        what: what.to_string(),
        status: status.as_u16(),
        error,
    }
}

impl Link {
    async fn connect(&self) -> Result<Session, LinkError> {
        let tcp = tokio::time::timeout(self.timeout, tokio::net::TcpStream::connect(&self.addr))
            .await
            .map_err(|_| LinkError::Timeout(format!("connecting to {}", self.addr)))?
            .map_err(|source| LinkError::Connect {
                addr: self.addr.clone(),
                source,
            })?;
        let _ = tcp.set_nodelay(true);
        let connector = tokio_rustls::TlsConnector::from(self.tls.clone());
        let tls = tokio::time::timeout(
            self.timeout,
            connector.connect(self.server_name.clone(), tcp),
        )
        .await
        .map_err(|_| LinkError::Timeout(format!("TLS with {}", self.addr)))?
        .map_err(|source| LinkError::Tls {
            addr: self.addr.clone(),
            source,
        })?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| LinkError::Http(e.to_string()))?;
        let (ended_tx, ended) = tokio::sync::watch::channel(None);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                use std::error::Error as _;
                let mut msg = e.to_string();
                let mut source = e.source();
                while let Some(s) = source {
                    msg = format!("{msg}: {s}");
                    source = s.source();
                }
                tracing::debug!("link connection ended: {msg}");
                let _ = ended_tx.send(Some(msg));
            }
        });
        Ok(Session {
            sender,
            timeout: self.timeout,
            ended,
        })
    }

    /// One session against the store at `db`: hello, push every stream, pull every stream, then
    /// bring the general lists up to date through `lists`.
    pub async fn session(
        &self,
        db: PathBuf,
        rules: Rules,
        lists: Option<Arc<dyn Subscriber>>,
    ) -> Result<SessionReport, LinkError> {
        self.session_with(db, rules, lists, None).await
    }

    /// A session that also sends the image files rows name, after the rows.
    pub async fn session_with(
        &self,
        db: PathBuf,
        rules: Rules,
        lists: Option<Arc<dyn Subscriber>>,
        images: Option<Arc<dyn ImageSource>>,
    ) -> Result<SessionReport, LinkError> {
        let car = tokio::task::spawn_blocking(move || CrConnection::open(&db))
            .await
            .map_err(|e| LinkError::Store(e.to_string()))?
            .map_err(|e| LinkError::Store(e.to_string()))?;
        let car = Arc::new(Mutex::new(car));
        let result = self.session_on(&car, &rules, lists, images).await;
        if let Ok(m) = Arc::try_unwrap(car) {
            let conn = m
                .into_inner()
                .map_err(|_| LinkError::Store("lock poisoned".into()))?;
            let _ = tokio::task::spawn_blocking(move || conn.close()).await;
        }
        result
    }

    async fn session_on(
        &self,
        car: &Arc<Mutex<CrConnection>>,
        rules: &Rules,
        lists: Option<Arc<dyn Subscriber>>,
        images: Option<Arc<dyn ImageSource>>,
    ) -> Result<SessionReport, LinkError> {
        let mut s = self.connect().await?;
        let (site, version) = on_store(car, |c| Ok((c.site_id()?, c.db_version()?))).await?;
        let (status, body) = s
            .request(
                Method::GET,
                &format!("/v1/hello?site={}&db_version={version}", hex::encode(&site)),
                Vec::new(),
            )
            .await?;
        if status != StatusCode::OK {
            return Err(refused("hello", status, &body));
        }
        let hello: Hello =
            serde_json::from_slice(&body).map_err(|e| LinkError::Http(e.to_string()))?;
        let hq_site = hex::decode(&hello.hq_site)
            .ok()
            .filter(|s| s.len() == 16)
            .ok_or_else(|| LinkError::Http(format!("hello: site {:?}", hello.hq_site)))?;
        let mut report = SessionReport {
            hq_site: hello.hq_site.clone(),
            ..Default::default()
        };
        // The first stream (hits, dispositions) goes first; then what headquarters has for the
        // car (new hot lists, BOLOs) comes down before the car's backlog of reads goes up, so a
        // short link brings both the hit out and the lists in.
        let mut streams = rules.streams.iter().map(|(name, _)| name);
        if let Some(first) = streams.next() {
            self.push_stream(&mut s, car, first, rules, &hq_site, &mut report)
                .await?;
        }
        for (stream, _) in &rules.streams {
            loop {
                let (st, hs) = (stream.clone(), hq_site.clone());
                let at = on_store(car, move |c| stream_resume(c, &hs, &st)).await?;
                let at = serde_json::to_vec(&at).map_err(|e| LinkError::Http(e.to_string()))?;
                let (status, body) = s
                    .request(Method::POST, &format!("/v1/pull?stream={stream}"), at)
                    .await?;
                match status {
                    StatusCode::NO_CONTENT => break,
                    StatusCode::OK => {}
                    _ => return Err(refused("pull", status, &body)),
                }
                let batch = ChangeBatch::decode(&body)?;
                if batch.from_site != hq_site {
                    return Err(LinkError::Http(
                        "a batch from another store than HQ's".into(),
                    ));
                }
                let r = rules.clone();
                let car2 = car.clone();
                let applied = tokio::task::spawn_blocking(move || {
                    let mut c = car2
                        .lock()
                        .map_err(|_| LinkError::Store("lock poisoned".into()))?;
                    apply_incoming(&mut c, &r, batch).map_err(LinkError::from)
                })
                .await
                .map_err(|e| LinkError::Store(e.to_string()))??;
                report.batches_pulled += 1;
                report.changes_pulled += applied.changes;
            }
        }
        if let Some(sub) = lists {
            self.update_lists(&mut s, sub, &mut report).await?;
        }
        for stream in streams {
            self.push_stream(&mut s, car, stream, rules, &hq_site, &mut report)
                .await?;
        }
        if let Some(src) = images {
            self.send_images(&mut s, src, &mut report).await?;
        }
        Ok(report)
    }

    async fn send_images(
        &self,
        s: &mut Session,
        src: Arc<dyn ImageSource>,
        report: &mut SessionReport,
    ) -> Result<(), LinkError> {
        #[derive(serde::Deserialize)]
        struct State {
            have: u64,
            #[serde(default)]
            complete: bool,
        }
        loop {
            let src2 = src.clone();
            let pending = tokio::task::spawn_blocking(move || src2.pending(64))
                .await
                .map_err(|e| LinkError::Store(e.to_string()))?
                .map_err(LinkError::Store)?;
            if pending.is_empty() {
                return Ok(());
            }
            for (sha, ext) in pending {
                let path = format!("/v1/images/{sha}.{ext}");
                let (status, body) = s.request(Method::GET, &path, Vec::new()).await?;
                if status != StatusCode::OK {
                    return Err(refused("image state", status, &body));
                }
                let state: State =
                    serde_json::from_slice(&body).map_err(|e| LinkError::Http(e.to_string()))?;
                if !state.complete {
                    let (src2, sha2, ext2) = (src.clone(), sha.clone(), ext.clone());
                    let bytes = tokio::task::spawn_blocking(move || src2.read(&sha2, &ext2))
                        .await
                        .map_err(|e| LinkError::Store(e.to_string()))?
                        .map_err(LinkError::Store)?;
                    if let Some(bytes) = bytes {
                        let mut offset = (state.have as usize).min(bytes.len());
                        if offset == bytes.len() {
                            // HQ holds every byte but was cut before the last chunk was kept.
                            offset = 0;
                        }
                        while offset < bytes.len() {
                            let end = (offset + IMAGE_CHUNK).min(bytes.len());
                            let last = if end == bytes.len() { "&last=1" } else { "" };
                            let (status, body) = s
                                .request(
                                    Method::PUT,
                                    &format!("{path}?offset={offset}{last}"),
                                    bytes[offset..end].to_vec(),
                                )
                                .await?;
                            match status {
                                StatusCode::OK => {
                                    report.image_bytes += end - offset;
                                    offset = end;
                                }
                                StatusCode::CONFLICT => {
                                    let r: Refusal = serde_json::from_slice(&body)
                                        .map_err(|e| LinkError::Http(e.to_string()))?;
                                    match r.expected {
                                        Some(e)
                                            if e as usize != offset
                                                && (e as usize) < bytes.len() =>
                                        {
                                            offset = e as usize
                                        }
                                        _ => return Err(refused("image chunk", status, &body)),
                                    }
                                }
                                _ => return Err(refused("image chunk", status, &body)),
                            }
                        }
                    }
                }
                let (src2, sha2) = (src.clone(), sha.clone());
                tokio::task::spawn_blocking(move || src2.mark_sent(&sha2))
                    .await
                    .map_err(|e| LinkError::Store(e.to_string()))?
                    .map_err(LinkError::Store)?;
                report.images_sent += 1;
            }
        }
    }

    /// Pushes everything of `stream` headquarters does not hold yet.
    async fn push_stream(
        &self,
        s: &mut Session,
        car: &Arc<Mutex<CrConnection>>,
        stream: &String,
        rules: &Rules,
        hq_site: &[u8],
        report: &mut SessionReport,
    ) -> Result<(), LinkError> {
        let hq_site = hq_site.to_vec();
        let (status, body) = s
            .request(
                Method::GET,
                &format!("/v1/state?stream={stream}"),
                Vec::new(),
            )
            .await?;
        if status != StatusCode::OK {
            return Err(refused("state", status, &body));
        }
        let ack =
            serde_json::from_slice::<PushAck>(&body).map_err(|e| LinkError::Http(e.to_string()))?;
        let mut at = ack.resume;
        let (st, hs, through) = (stream.clone(), hq_site.clone(), at.after);
        on_store(car, move |c| {
            crate::exchange::record_acked(c, &hs, &st, through)
        })
        .await?;
        loop {
            let (r, st, hs, from) = (rules.clone(), stream.clone(), hq_site.clone(), at.clone());
            let batch = on_store(car, move |c| {
                outgoing(c, &r, &st, &hs, from, PUSH_BATCH_BYTES)?
                    .map(|b| {
                        let n = b.changes.len();
                        b.encode().map(|bytes| (bytes, n)).map_err(|e| {
                            crate::Error::MalformedChange(format!("encoding a batch: {e}"))
                        })
                    })
                    .transpose()
            })
            .await?;
            let Some((bytes, n)) = batch else { break };
            let (status, body) = s.request(Method::POST, "/v1/push", bytes).await?;
            match status {
                StatusCode::OK => {
                    let ack = serde_json::from_slice::<PushAck>(&body)
                        .map_err(|e| LinkError::Http(e.to_string()))?;
                    at = ack.resume;
                    let (st, hs, through) = (stream.clone(), hq_site.clone(), at.after);
                    on_store(car, move |c| {
                        crate::exchange::record_acked(c, &hs, &st, through)
                    })
                    .await?;
                    report.batches_pushed += 1;
                    report.changes_pushed += n;
                }
                StatusCode::CONFLICT => {
                    // HQ already holds more (an acknowledgement lost with a dropped link).
                    let r: Refusal = serde_json::from_slice(&body)
                        .map_err(|e| LinkError::Http(e.to_string()))?;
                    match r.resume {
                        Some(e) if e != at => at = e,
                        _ => return Err(refused("push", status, &body)),
                    }
                }
                _ => return Err(refused("push", status, &body)),
            }
        }
        Ok(())
    }

    async fn update_lists(
        &self,
        s: &mut Session,
        sub: Arc<dyn Subscriber>,
        report: &mut SessionReport,
    ) -> Result<(), LinkError> {
        #[derive(serde::Deserialize)]
        struct Head {
            id: String,
            version: i64,
        }
        let (status, body) = s.request(Method::GET, "/v1/lists", Vec::new()).await?;
        if status != StatusCode::OK {
            return Err(refused("lists", status, &body));
        }
        let heads: Vec<Head> =
            serde_json::from_slice(&body).map_err(|e| LinkError::Http(e.to_string()))?;
        for head in heads {
            let (sub2, id) = (sub.clone(), head.id.clone());
            let have = tokio::task::spawn_blocking(move || sub2.version(&id))
                .await
                .map_err(|e| LinkError::Store(e.to_string()))?
                .map_err(LinkError::Store)?;
            if have == head.version {
                continue;
            }
            // Changes since the car's version first; the list whole when they do not apply.
            for from in [have, 0] {
                let (status, body) = s
                    .request_up_to(
                        Method::GET,
                        &format!("/v1/lists/update?id={}&from={from}", head.id),
                        Vec::new(),
                        MAX_LIST_UPDATE_BYTES,
                    )
                    .await?;
                if status != StatusCode::OK {
                    return Err(refused("lists/update", status, &body));
                }
                report.list_bytes += body.len();
                let sub2 = sub.clone();
                let applied = tokio::task::spawn_blocking(move || sub2.apply(&body))
                    .await
                    .map_err(|e| LinkError::Store(e.to_string()))?;
                match applied {
                    Ok(()) => {
                        report.lists_updated += 1;
                        break;
                    }
                    Err(e) if from != 0 => {
                        tracing::warn!(list = %head.id, "changes did not apply ({e}); taking the list whole");
                    }
                    Err(e) => return Err(LinkError::Store(e)),
                }
            }
        }
        Ok(())
    }
}

async fn on_store<T: Send + 'static>(
    car: &Arc<Mutex<CrConnection>>,
    f: impl FnOnce(&mut CrConnection) -> crate::Result<T> + Send + 'static,
) -> Result<T, LinkError> {
    let car = car.clone();
    tokio::task::spawn_blocking(move || {
        let mut c = car
            .lock()
            .map_err(|_| LinkError::Store("lock poisoned".into()))?;
        f(&mut c).map_err(|e| LinkError::Store(e.to_string()))
    })
    .await
    .map_err(|e| LinkError::Store(e.to_string()))?
}
