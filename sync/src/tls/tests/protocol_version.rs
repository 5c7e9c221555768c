//! TLS 1.3 only, on the wire. This build of rustls has no TLS 1.2 code at all (its `tls12`
//! feature is off), so the TLS 1.2 client is a hand-written ClientHello.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::timeout;

use super::harness::{Agency, Outcome, STEP, TestServer, car_talks, rustls_error};

const HANDSHAKE: u8 = 22;
const ALERT: u8 = 21;
const CLIENT_HELLO: u8 = 1;
const SUPPORTED_VERSIONS: u16 = 0x002b;
const TLS12: u16 = 0x0303;
const TLS13: u16 = 0x0304;
const PROTOCOL_VERSION_ALERT: u8 = 70;

fn with_u16_len(bytes: &[u8]) -> Vec<u8> {
    let mut out = u16::try_from(bytes.len())
        .expect("fits in u16")
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(bytes);
    out
}

fn extension(kind: u16, data: &[u8]) -> Vec<u8> {
    let mut out = kind.to_be_bytes().to_vec();
    out.extend(with_u16_len(data));
    out
}

/// What a TLS 1.2-only client sends: no supported_versions extension, TLS 1.2 suites only.
fn tls12_client_hello() -> Vec<u8> {
    let mut body = TLS12.to_be_bytes().to_vec();
    body.extend([0x5a; 32]);
    body.push(0);
    let suites: Vec<u8> = [0xc02b_u16, 0xc02f, 0xc02c, 0xc030]
        .iter()
        .flat_map(|s| s.to_be_bytes())
        .collect();
    body.extend(with_u16_len(&suites));
    body.extend([1, 0]);
    let mut extensions = Vec::new();
    let host = b"localhost";
    let mut sni = vec![0];
    sni.extend(with_u16_len(host));
    extensions.extend(extension(0x0000, &with_u16_len(&sni)));
    extensions.extend(extension(0x000a, &with_u16_len(&[0x00, 0x1d, 0x00, 0x17])));
    extensions.extend(extension(0x000b, &[1, 0]));
    extensions.extend(extension(
        0x000d,
        &with_u16_len(&[0x04, 0x03, 0x08, 0x04, 0x04, 0x01]),
    ));
    body.extend(with_u16_len(&extensions));

    let mut handshake = vec![CLIENT_HELLO];
    handshake.extend(&u32::try_from(body.len()).expect("small").to_be_bytes()[1..]);
    handshake.extend(body);
    let mut record = vec![HANDSHAKE, 0x03, 0x01];
    record.extend(with_u16_len(&handshake));
    record
}

#[tokio::test]
async fn server_refuses_a_tls12_only_client() {
    let agency = Agency::new("Springfield PD");
    let mut server = TestServer::start(agency.server_config(&[])).await;

    let mut tcp = TcpStream::connect(server.addr).await.expect("connect");
    tcp.write_all(&tls12_client_hello())
        .await
        .expect("send the ClientHello");
    let mut reply = [0u8; 7];
    timeout(STEP, tcp.read_exact(&mut reply))
        .await
        .expect("the server answers")
        .expect("an alert record");
    assert_eq!(
        reply[0], ALERT,
        "expected an alert, got record type {} (a ServerHello would mean TLS 1.2 was accepted)",
        reply[0]
    );
    assert_eq!(reply[6], PROTOCOL_VERSION_ALERT, "alert {reply:?}");

    match server.next_outcome().await {
        Outcome::Refused(e) => assert!(
            matches!(rustls_error(&e), Some(rustls::Error::PeerIncompatible(_))),
            "server saw {e}"
        ),
        Outcome::Accepted { .. } => panic!("a TLS 1.2 client was accepted"),
    }
    server.assert_accepts(&agency).await;
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn pairs(bytes: &[u8]) -> Vec<u16> {
        bytes
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect()
    }
}

/// (cipher suites, supported_versions) of a ClientHello handshake message.
fn offered(hello: &[u8]) -> (Vec<u16>, Option<Vec<u16>>) {
    let mut r = Reader(hello);
    assert_eq!(r.u8(), CLIENT_HELLO);
    r.take(3 + 2 + 32);
    let session_id = usize::from(r.u8());
    r.take(session_id);
    let suites_len = usize::from(r.u16());
    let suites = Reader::pairs(r.take(suites_len));
    let compression = usize::from(r.u8());
    r.take(compression);
    let extensions_len = usize::from(r.u16());
    let mut extensions = Reader(r.take(extensions_len));
    let mut versions = None;
    while !extensions.0.is_empty() {
        let kind = extensions.u16();
        let len = usize::from(extensions.u16());
        let mut data = Reader(extensions.take(len));
        if kind == SUPPORTED_VERSIONS {
            let list_len = usize::from(data.u8());
            versions = Some(Reader::pairs(data.take(list_len)));
        }
    }
    (suites, versions)
}

#[tokio::test]
async fn car_offers_only_tls13() {
    let agency = Agency::new("Springfield PD");
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let car = tokio::spawn(car_talks(addr, agency.car_config(&agency.car)));

    let (mut tcp, _) = timeout(STEP, listener.accept())
        .await
        .expect("the car connects")
        .expect("accept");
    let mut header = [0u8; 5];
    tcp.read_exact(&mut header).await.expect("record header");
    assert_eq!(header[0], HANDSHAKE);
    let mut hello = vec![0u8; usize::from(u16::from_be_bytes([header[3], header[4]]))];
    tcp.read_exact(&mut hello).await.expect("ClientHello");
    drop(tcp);
    let _ = car.await;

    let (suites, versions) = offered(&hello);
    assert_eq!(versions, Some(vec![TLS13]), "supported_versions");
    let tls12_suites: Vec<String> = suites
        .iter()
        .filter(|&&s| s >> 8 != 0x13 && s != 0x00ff)
        .map(|s| format!("{s:#06x}"))
        .collect();
    assert!(
        tls12_suites.is_empty(),
        "pre-1.3 cipher suites offered: {tls12_suites:?}"
    );
}
