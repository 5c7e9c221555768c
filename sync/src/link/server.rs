//! Headquarters' side of the link: accepts cars over mutual TLS, one task per connection, and
//! answers `hello`, `state`, `push` and `pull` against its store.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rusqlite::params;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::{Hello, PushAck, Refusal};
use crate::connection::CrConnection;
use crate::exchange::{
    ExchangeError, Rules, apply_incoming, outgoing, stream_resume, stream_watermark,
};
use crate::wire::{ChangeBatch, MAX_COMPRESSED_BYTES, PROTOCOL_VERSION};

/// The most bytes HQ puts in one batch for a car.
pub const PULL_BATCH_BYTES: usize = 256 * 1024;

/// Cars HQ has seen: kept in HQ's store, not replicated.
const CARS_TABLE: &str = "CREATE TABLE IF NOT EXISTS alpr_sync_cars (
    car_id TEXT PRIMARY KEY NOT NULL,
    site_id BLOB NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    last_contact_ms INTEGER NOT NULL,
    car_db_version INTEGER NOT NULL DEFAULT 0
)";

/// What headquarters publishes besides row changes: the general hot lists, by version, which
/// live outside the CRRs.
pub trait Publisher: Send + Sync + 'static {
    /// The lists as JSON: `[{"id": ..., "version": ...}, ...]`.
    fn lists(&self) -> Result<Vec<u8>, String>;
    /// The encoded update taking a copy of `list_id` at version `from` to the current one.
    fn update(&self, list_id: &str, from: i64) -> Result<Vec<u8>, String>;
}

/// Where headquarters keeps the image files cars send after their rows.
pub trait ImageSink: Send + Sync + 'static {
    /// Whether the image is already kept.
    fn has(&self, sha256: &str, ext: &str) -> bool;
    /// Keeps a whole image; refuses bytes whose sha256 is not `sha256`.
    fn keep(&self, sha256: &str, ext: &str, bytes: &[u8]) -> Result<(), String>;
    /// A folder for images still arriving, one `.part` file each.
    fn incoming_dir(&self) -> std::path::PathBuf;
}

/// The most bytes one image chunk may carry.
pub const MAX_IMAGE_CHUNK: usize = 256 * 1024;
/// The largest image accepted.
pub const MAX_IMAGE_BYTES: u64 = 16 << 20;

/// Headquarters' store and rules, shared by every connection.
pub struct Hq {
    conn: Mutex<CrConnection>,
    rules: Rules,
    site: Vec<u8>,
    publisher: Option<Arc<dyn Publisher>>,
    images: Option<Arc<dyn ImageSink>>,
}

impl std::fmt::Debug for Hq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hq")
            .field("site", &hex::encode(&self.site))
            .field("rules", &self.rules)
            .finish_non_exhaustive()
    }
}

/// A car HQ has seen, for `alpr hq status`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CarSeen {
    pub car_id: String,
    pub site_id: String,
    pub first_seen_ms: i64,
    pub last_contact_ms: i64,
    /// The car's own clock at its last hello.
    pub car_db_version: i64,
    /// Per stream, through which of the car's versions HQ holds its changes.
    pub received: HashMap<String, i64>,
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Hq {
    pub fn new(
        conn: CrConnection,
        rules: Rules,
        publisher: Option<Arc<dyn Publisher>>,
    ) -> crate::Result<Self> {
        conn.execute_batch(CARS_TABLE)
            .map_err(|source| crate::Error::Sqlite {
                context: "creating alpr_sync_cars".into(),
                source,
            })?;
        let site = conn.site_id()?;
        Ok(Self {
            conn: Mutex::new(conn),
            rules,
            site,
            publisher,
            images: None,
        })
    }

    /// Accepts image files into `sink`.
    pub fn with_images(mut self, sink: Arc<dyn ImageSink>) -> Self {
        self.images = Some(sink);
        self
    }

    fn with_conn<T>(&self, f: impl FnOnce(&mut CrConnection) -> T) -> Result<T, String> {
        let mut guard = self
            .conn
            .lock()
            .map_err(|_| "headquarters' store lock is poisoned".to_string())?;
        Ok(f(&mut guard))
    }

    /// Every car seen, with what HQ holds of each.
    pub fn cars(&self) -> Result<Vec<CarSeen>, String> {
        self.with_conn(|c| cars(c, &self.rules))?
    }

    /// Finalises the store.
    pub fn close(self) -> crate::Result<()> {
        match self.conn.into_inner() {
            Ok(c) => c.close(),
            Err(p) => p.into_inner().close(),
        }
    }
}

/// Every car a store at HQ has seen (also for `alpr hq status` reading the file directly).
pub fn cars(conn: &CrConnection, rules: &Rules) -> Result<Vec<CarSeen>, String> {
    conn.execute_batch(CARS_TABLE).map_err(|e| e.to_string())?;
    let mut stmt = conn
        .prepare(
            "SELECT car_id, site_id, first_seen_ms, last_contact_ms, car_db_version
             FROM alpr_sync_cars ORDER BY car_id",
        )
        .map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .map_err(|e| e.to_string())?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (car_id, site, first, last, v) in rows {
        let mut received = HashMap::new();
        for (stream, _) in &rules.streams {
            received.insert(
                stream.clone(),
                stream_watermark(conn, &site, stream).map_err(|e| e.to_string())?,
            );
        }
        out.push(CarSeen {
            car_id,
            site_id: hex::encode(&site),
            first_seen_ms: first,
            last_contact_ms: last,
            car_db_version: v,
            received,
        });
    }
    Ok(out)
}

type Body = Full<Bytes>;

fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

fn refuse(status: StatusCode, error: impl Into<String>) -> Response<Body> {
    json(
        status,
        &Refusal {
            error: error.into(),
            expected: None,
            resume: None,
        },
    )
}

fn query(req: &Request<Incoming>) -> HashMap<String, String> {
    req.uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The car's registered site id; refuses a car that has not said hello.
fn registered_site(conn: &CrConnection, car_id: &str) -> Result<Vec<u8>, String> {
    conn.query_row(
        "SELECT site_id FROM alpr_sync_cars WHERE car_id = ?1",
        [car_id],
        |r| r.get(0),
    )
    .map_err(|_| format!("{car_id} has not said hello"))
}

async fn handle(
    hq: Arc<Hq>,
    car_id: Arc<str>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let q = query(&req);
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let response = match (method, path.as_str()) {
        (Method::GET, "/v1/hello") => hello(&hq, &car_id, &q).await,
        (Method::GET, "/v1/state") => state(&hq, &car_id, &q).await,
        (Method::POST, "/v1/push") => {
            match Limited::new(req.into_body(), MAX_COMPRESSED_BYTES)
                .collect()
                .await
            {
                Ok(body) => push(&hq, &car_id, body.to_bytes()).await,
                Err(e) => refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("batch not received whole: {e}"),
                ),
            }
        }
        (Method::POST, "/v1/pull") => {
            match Limited::new(req.into_body(), 64 * 1024).collect().await {
                Ok(body) => pull(&hq, &car_id, &q, body.to_bytes()).await,
                Err(e) => refuse(StatusCode::PAYLOAD_TOO_LARGE, format!("pull request: {e}")),
            }
        }
        (Method::GET, p) if p.starts_with("/v1/images/") => image_state(&hq, p).await,
        (Method::PUT, p) if p.starts_with("/v1/images/") => {
            let p = p.to_string();
            match Limited::new(req.into_body(), MAX_IMAGE_CHUNK)
                .collect()
                .await
            {
                Ok(body) => image_chunk(&hq, &car_id, &p, &q, body.to_bytes()).await,
                Err(e) => refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("chunk not received whole: {e}"),
                ),
            }
        }
        (Method::GET, "/v1/lists") => lists(&hq, None).await,
        (Method::GET, "/v1/lists/update") => {
            match (
                q.get("id"),
                q.get("from").and_then(|v| v.parse::<i64>().ok()),
            ) {
                (Some(id), Some(from)) => lists(&hq, Some((id.clone(), from))).await,
                _ => refuse(StatusCode::BAD_REQUEST, "lists/update needs id= and from="),
            }
        }
        (_, p) => refuse(StatusCode::NOT_FOUND, format!("no {p} here")),
    };
    Ok(response)
}

async fn blocking<T: Send + 'static>(
    hq: &Arc<Hq>,
    f: impl FnOnce(&Hq, &mut CrConnection) -> T + Send + 'static,
) -> Result<T, String> {
    let hq = hq.clone();
    tokio::task::spawn_blocking(move || {
        let h = hq.clone();
        hq.with_conn(move |c| f(&h, c))
    })
    .await
    .map_err(|e| format!("store task: {e}"))?
}

async fn hello(hq: &Arc<Hq>, car_id: &Arc<str>, q: &HashMap<String, String>) -> Response<Body> {
    let Some(site) = q
        .get("site")
        .and_then(|s| hex::decode(s).ok())
        .filter(|s| s.len() == 16)
    else {
        return refuse(StatusCode::BAD_REQUEST, "hello needs site=<32 hex digits>");
    };
    let db_version: i64 = q
        .get("db_version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let car = car_id.to_string();
    let outcome = blocking(hq, move |hq, conn| {
        let known: Option<Vec<u8>> = conn
            .query_row(
                "SELECT site_id FROM alpr_sync_cars WHERE car_id = ?1",
                [&car],
                |r| r.get(0),
            )
            .ok();
        if let Some(k) = known.filter(|k| *k != site) {
            return Err(format!(
                "{car} is known with store {}, not {}: a car keeps the store it created on first boot",
                hex::encode(k),
                hex::encode(&site)
            ));
        }
        conn.execute(
            "INSERT INTO alpr_sync_cars (car_id, site_id, first_seen_ms, last_contact_ms, car_db_version)
             VALUES (?1, ?2, ?3, ?3, ?4)
             ON CONFLICT(car_id) DO UPDATE SET last_contact_ms = excluded.last_contact_ms,
                car_db_version = excluded.car_db_version",
            params![car, site, now_ms(), db_version],
        )
        .map_err(|e| e.to_string())?;
        Ok(Hello {
            protocol: PROTOCOL_VERSION,
            hq_site: hex::encode(&hq.site),
            car_id: car.clone(),
        })
    })
    .await;
    match outcome {
        Ok(Ok(h)) => json(StatusCode::OK, &h),
        Ok(Err(e)) => refuse(StatusCode::FORBIDDEN, e),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn state(hq: &Arc<Hq>, car_id: &Arc<str>, q: &HashMap<String, String>) -> Response<Body> {
    let stream = q.get("stream").cloned().unwrap_or_default();
    let car = car_id.to_string();
    let outcome = blocking(hq, move |_, conn| {
        let site = registered_site(conn, &car)?;
        stream_resume(conn, &site, &stream).map_err(|e| e.to_string())
    })
    .await;
    match outcome {
        Ok(Ok(r)) => json(
            StatusCode::OK,
            &PushAck {
                through: r.after,
                resume: r,
            },
        ),
        Ok(Err(e)) => refuse(StatusCode::FORBIDDEN, e),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn push(hq: &Arc<Hq>, car_id: &Arc<str>, body: Bytes) -> Response<Body> {
    let batch = match ChangeBatch::decode(&body) {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(car = %car_id, "refused a batch: {e}");
            return refuse(StatusCode::UNPROCESSABLE_ENTITY, e.to_string());
        }
    };
    let car = car_id.to_string();
    let outcome = blocking(hq, move |hq, conn| {
        let site = registered_site(conn, &car).map_err(|e| (StatusCode::FORBIDDEN, e, None))?;
        if batch.from_site != site {
            return Err((
                StatusCode::FORBIDDEN,
                format!(
                    "{car} sent changes from store {}, not its own",
                    hex::encode(&batch.from_site)
                ),
                None,
            ));
        }
        let _ = conn.execute(
            "UPDATE alpr_sync_cars SET last_contact_ms = ?2 WHERE car_id = ?1",
            params![car, now_ms()],
        );
        apply_incoming(conn, &hq.rules, batch).map_err(|e| match e {
            ExchangeError::OutOfOrder { ref expected, .. } => {
                (StatusCode::CONFLICT, e.to_string(), Some(expected.clone()))
            }
            ExchangeError::Direction { .. } | ExchangeError::UnknownStream(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), None)
            }
            ExchangeError::Store(_) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), None),
        })
    })
    .await;
    match outcome {
        Ok(Ok(applied)) => json(
            StatusCode::OK,
            &PushAck {
                through: applied.through,
                resume: applied.resume,
            },
        ),
        Ok(Err((status, error, resume))) => {
            let resume = resume.map(|r| *r);
            if status != StatusCode::CONFLICT {
                tracing::warn!(car = %car_id, "refused a batch: {error}");
            }
            json(
                status,
                &Refusal {
                    error,
                    expected: None,
                    resume,
                },
            )
        }
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn pull(
    hq: &Arc<Hq>,
    car_id: &Arc<str>,
    q: &HashMap<String, String>,
    body: Bytes,
) -> Response<Body> {
    let stream = q.get("stream").cloned().unwrap_or_default();
    let from: crate::exchange::Resume = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("pull needs where the car stands (JSON): {e}"),
            );
        }
    };
    let car = car_id.to_string();
    let outcome = blocking(hq, move |hq, conn| {
        let site = registered_site(conn, &car)?;
        let batch = outgoing(conn, &hq.rules, &stream, &site, from, PULL_BATCH_BYTES)
            .map_err(|e| e.to_string())?;
        batch
            .map(|b| b.encode().map_err(|e| e.to_string()))
            .transpose()
    })
    .await;
    match outcome {
        Ok(Ok(Some(bytes))) => {
            let mut r = Response::new(Full::new(Bytes::from(bytes)));
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static("application/octet-stream"),
            );
            r
        }
        Ok(Ok(None)) => {
            let mut r = Response::new(Full::new(Bytes::new()));
            *r.status_mut() = StatusCode::NO_CONTENT;
            r
        }
        Ok(Err(e)) => refuse(StatusCode::FORBIDDEN, e),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

/// `sha256.ext` from `/v1/images/<sha256>.<ext>`, checked.
fn image_name(path: &str) -> Option<(String, String)> {
    let name = path.strip_prefix("/v1/images/")?;
    let (sha, ext) = name.split_once('.')?;
    let ok = sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && matches!(ext, "jpg" | "png");
    ok.then(|| (sha.to_string(), ext.to_string()))
}

/// How much of an image HQ holds: `{"have": bytes, "complete": bool}`.
async fn image_state(hq: &Arc<Hq>, path: &str) -> Response<Body> {
    let (Some(sink), Some((sha, ext))) = (hq.images.clone(), image_name(path)) else {
        return refuse(StatusCode::NOT_FOUND, "no such image here");
    };
    if sink.has(&sha, &ext) {
        return json(
            StatusCode::OK,
            &serde_json::json!({"have": 0, "complete": true}),
        );
    }
    let part = sink.incoming_dir().join(format!("{sha}.{ext}.part"));
    let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
    json(
        StatusCode::OK,
        &serde_json::json!({"have": have, "complete": false}),
    )
}

/// One chunk of an image at `offset`; with `last=1` the image is checked against its name and
/// kept. A chunk not at the end of what HQ holds is refused with where to resume.
async fn image_chunk(
    hq: &Arc<Hq>,
    car_id: &Arc<str>,
    path: &str,
    q: &HashMap<String, String>,
    chunk: Bytes,
) -> Response<Body> {
    use std::io::Write as _;
    let (Some(sink), Some((sha, ext))) = (hq.images.clone(), image_name(path)) else {
        return refuse(StatusCode::NOT_FOUND, "no such image here");
    };
    let Some(offset) = q.get("offset").and_then(|v| v.parse::<u64>().ok()) else {
        return refuse(StatusCode::BAD_REQUEST, "a chunk needs offset=<bytes>");
    };
    let last = q.get("last").is_some_and(|v| v == "1");
    let car = car_id.to_string();
    let outcome =
        tokio::task::spawn_blocking(move || -> Result<u64, (StatusCode, String, Option<i64>)> {
            let io = |e: std::io::Error| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), None);
            if sink.has(&sha, &ext) {
                return Ok(0);
            }
            let dir = sink.incoming_dir();
            std::fs::create_dir_all(&dir).map_err(io)?;
            let part = dir.join(format!("{sha}.{ext}.part"));
            let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
            if offset != have {
                return Err((
                    StatusCode::CONFLICT,
                    format!("image {sha}: {have} bytes here, chunk at {offset}"),
                    Some(have as i64),
                ));
            }
            if have + chunk.len() as u64 > MAX_IMAGE_BYTES {
                let _ = std::fs::remove_file(&part);
                return Err((
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("image {sha} is over {MAX_IMAGE_BYTES} bytes"),
                    None,
                ));
            }
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&part)
                .map_err(io)?;
            f.write_all(&chunk).map_err(io)?;
            f.sync_data().map_err(io)?;
            let have = have + chunk.len() as u64;
            if last {
                let bytes = std::fs::read(&part).map_err(io)?;
                let kept = sink.keep(&sha, &ext, &bytes);
                let _ = std::fs::remove_file(&part);
                kept.map_err(|e| {
                    tracing::warn!(car = %car, "refused image {sha}: {e}");
                    (StatusCode::UNPROCESSABLE_ENTITY, e, None)
                })?;
            }
            Ok(have)
        })
        .await;
    match outcome {
        Ok(Ok(have)) => json(StatusCode::OK, &serde_json::json!({"have": have})),
        Ok(Err((status, error, expected))) => json(
            status,
            &Refusal {
                error,
                expected,
                resume: None,
            },
        ),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

async fn lists(hq: &Arc<Hq>, update: Option<(String, i64)>) -> Response<Body> {
    let Some(publisher) = hq.publisher.clone() else {
        return refuse(
            StatusCode::NOT_FOUND,
            "this headquarters publishes no lists",
        );
    };
    let json_body = update.is_none();
    let outcome = tokio::task::spawn_blocking(move || match update {
        None => publisher.lists(),
        Some((id, from)) => publisher.update(&id, from),
    })
    .await;
    match outcome {
        Ok(Ok(bytes)) => {
            let mut r = Response::new(Full::new(Bytes::from(bytes)));
            r.headers_mut().insert(
                hyper::header::CONTENT_TYPE,
                hyper::header::HeaderValue::from_static(if json_body {
                    "application/json"
                } else {
                    "application/octet-stream"
                }),
            );
            r
        }
        Ok(Err(e)) => refuse(StatusCode::NOT_FOUND, e),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

/// Serves cars on `listener` until `shutdown`; then stops accepting and gives connections in
/// flight `grace` to finish their request before they are dropped (a car resumes from its
/// watermarks next time).
/// `tls` is watched: a new configuration (a new CRL after a revocation) applies from the next
/// connection on.
pub async fn serve(
    listener: TcpListener,
    tls: tokio::sync::watch::Receiver<Arc<rustls::ServerConfig>>,
    hq: Arc<Hq>,
    shutdown: CancellationToken,
    grace: Duration,
) {
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let (tcp, peer): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("accepting a car: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Without it Nagle and delayed ACKs stall the handshake's last flight by ~40 ms.
        let _ = tcp.set_nodelay(true);
        let acceptor = tokio_rustls::TlsAcceptor::from(tls.borrow().clone());
        let (hq, stop) = (hq.clone(), shutdown.clone());
        tasks.spawn(async move {
            // A car that cannot finish its handshake in time holds no task for long.
            let tls =
                match tokio::time::timeout(Duration::from_secs(15), acceptor.accept(tcp)).await {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        tracing::warn!(%peer, "refused before any data moved: {e}");
                        return;
                    }
                    Err(_) => {
                        tracing::warn!(%peer, "TLS handshake timed out");
                        return;
                    }
                };
            let Some(car_id) = crate::tls::peer_car_id(tls.get_ref().1) else {
                tracing::warn!(%peer, "a certificate without a car id");
                return;
            };
            let car_id: Arc<str> = Arc::from(car_id.as_str());
            let service =
                hyper::service::service_fn(move |req| handle(hq.clone(), car_id.clone(), req));
            let conn = hyper::server::conn::http1::Builder::new()
                .max_buf_size(MAX_COMPRESSED_BYTES + 64 * 1024)
                .serve_connection(TokioIo::new(tls), service);
            tokio::pin!(conn);
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(%peer, "connection ended: {e}");
                    }
                }
                _ = stop.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
        // Reap finished connections so the set does not grow with every car that ever called.
        while tasks.try_join_next().is_some() {}
    }
    let deadline = tokio::time::sleep(grace);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            next = tasks.join_next() => if next.is_none() { break },
            _ = &mut deadline => {
                tasks.abort_all();
                break;
            }
        }
    }
}
