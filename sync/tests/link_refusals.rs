//! Headquarters' server over real TLS: malformed, oversized, foreign and replayed batches are
//! refused with a clear error and leave its store as it was; a good batch is taken once.

use std::sync::Arc;
use std::time::Duration;

use alpr_sync::link::server::{Hq, serve};
use alpr_sync::tls::{AgencyCa, client_config, server_config};
use alpr_sync::wire::ChangeBatch;
use alpr_sync::{CrConnection, Resume, Rules, outgoing};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_util::sync::CancellationToken;

fn rules(send: &[&str], receive: &[&str]) -> Rules {
    Rules {
        streams: vec![("bulk".into(), vec!["reads".into()])],
        send: send.iter().map(|s| s.to_string()).collect(),
        receive: receive.iter().map(|s| s.to_string()).collect(),
        keep_deletes_local: vec![],
    }
}

fn store(path: &std::path::Path) -> CrConnection {
    let c = CrConnection::open(path).expect("open");
    c.execute_batch(
        "CREATE TABLE IF NOT EXISTS reads (id INTEGER PRIMARY KEY NOT NULL, plate TEXT NOT NULL DEFAULT '');
         SELECT crsql_as_crr('reads');",
    )
    .expect("schema");
    c
}

/// One HTTP/1.1 request over a fresh TLS connection; the status code and body.
async fn request(
    addr: &str,
    tls: Arc<rustls::ClientConfig>,
    method: &str,
    path: &str,
    body: &[u8],
) -> (u16, String) {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut s = tokio_rustls::TlsConnector::from(tls)
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("handshake");
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: hq\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await.expect("write");
    // A refused oversized body may be cut off by the server: that is an answer too.
    let _ = s.write_all(body).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_batches_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = AgencyCa::generate("Test PD", 30).expect("ca");
    let server = ca
        .issue_server(&["localhost".to_string()], 30)
        .expect("server cert");
    let car_cert = ca.enroll_car("CAR-1", 30).expect("car cert");
    let tls = client_config(ca.cert_pem(), &car_cert.cert_pem, &car_cert.key_pem).expect("client");
    let hq_db = dir.path().join("hq.db");
    let hq = Arc::new(Hq::new(store(&hq_db), rules(&[], &["reads"]), None).expect("hq"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let (_tx, rx) = tokio::sync::watch::channel(
        server_config(ca.cert_pem(), &server.cert_pem, &server.key_pem, &[]).expect("config"),
    );
    let stop = CancellationToken::new();
    let served = tokio::spawn(serve(
        listener,
        rx,
        hq.clone(),
        stop.clone(),
        Duration::from_secs(2),
    ));

    let car = store(&dir.path().join("car.db"));
    car.execute(
        "INSERT INTO reads (id, plate) VALUES (1, 'ABC123'), (2, 'XYZ789')",
        [],
    )
    .expect("reads");
    let site = hex::encode(car.site_id().expect("site"));
    let (status, body) = request(
        &addr,
        tls.clone(),
        "GET",
        &format!("/v1/hello?site={site}&db_version=1"),
        b"",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let hq_site: serde_json::Value = serde_json::from_str(&body).expect("hello json");
    let hq_site = hex::decode(hq_site["hq_site"].as_str().expect("site")).expect("hex");
    let count = || {
        let c = CrConnection::open(&hq_db).expect("open");
        let n: i64 = c
            .query_row("SELECT count(*) FROM reads", [], |r| r.get(0))
            .expect("count");
        c.close().expect("close");
        n
    };

    let (status, body) = request(
        &addr,
        tls.clone(),
        "POST",
        "/v1/push",
        b"not a batch at all",
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("zstd"), "{body}");

    let big = vec![7u8; 5 << 20];
    let (status, _) = request(&addr, tls.clone(), "POST", "/v1/push", &big).await;
    assert!(status == 413 || status == 0, "oversized: {status}");

    let good = outgoing(
        &car,
        &rules(&["reads"], &[]),
        "bulk",
        &hq_site,
        Resume::after(0),
        1 << 20,
    )
    .expect("outgoing")
    .expect("a batch");
    // The same changes claiming to come from another store.
    let mut forged = good.clone();
    forged.from_site = vec![9; 16];
    let (status, body) = request(
        &addr,
        tls.clone(),
        "POST",
        "/v1/push",
        &forged.encode().expect("encode"),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(count(), 0, "nothing applied by refused batches");

    let bytes = good.encode().expect("encode");
    let (status, body) = request(&addr, tls.clone(), "POST", "/v1/push", &bytes).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(count(), 2);
    car.execute("UPDATE reads SET plate = 'ABC124' WHERE id = 1", [])
        .expect("correct a read");
    let (status, body) = request(&addr, tls.clone(), "POST", "/v1/push", &bytes).await;
    assert_eq!(status, 409, "a replay: {body}");
    assert!(body.contains("resume"), "{body}");
    assert_eq!(count(), 2, "the replay changed nothing");

    // A batch naming a table HQ does not take from cars.
    car.execute_batch(
        "CREATE TABLE lists (id INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL DEFAULT '');
         SELECT crsql_as_crr('lists'); INSERT INTO lists (id, name) VALUES (1, 'mine');",
    )
    .expect("lists");
    let sneaky = Rules {
        streams: vec![("bulk".into(), vec!["reads".into(), "lists".into()])],
        send: vec!["reads".into(), "lists".into()],
        receive: vec![],
        keep_deletes_local: vec![],
    };
    let rogue: ChangeBatch = outgoing(
        &car,
        &sneaky,
        "bulk",
        &hq_site,
        Resume::after(good.through),
        1 << 20,
    )
    .expect("outgoing")
    .expect("a batch");
    let (status, body) = request(
        &addr,
        tls.clone(),
        "POST",
        "/v1/push",
        &rogue.encode().expect("encode"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("lists"), "{body}");
    assert_eq!(count(), 2);

    stop.cancel();
    served.await.expect("server stops");
}
