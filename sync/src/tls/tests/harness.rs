//! A headquarters server that records each connection's fate, and a car that says hello.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::{ClientConfig, RootCertStore, ServerConfig};
use rustls_pki_types::ServerName;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::tls::{AgencyCa, Issued, peer_car_id, server_config};

pub(super) const STEP: Duration = Duration::from_secs(10);
pub(super) const CAR_HELLO: &str = "hello from the car\n";

/// An agency with headquarters' certificate and one good car.
pub(super) struct Agency {
    pub(super) ca: AgencyCa,
    pub(super) server: Issued,
    pub(super) car: Issued,
}

impl Agency {
    pub(super) fn new(name: &str) -> Self {
        let ca = AgencyCa::generate(name, 3650).expect("generate the agency CA");
        let server = ca
            .issue_server(&["localhost".to_owned(), "127.0.0.1".to_owned()], 365)
            .expect("issue the server certificate");
        let car = ca.enroll_car("car-001", 365).expect("enroll car-001");
        Self { ca, server, car }
    }

    pub(super) fn server_config(&self, crl_pems: &[String]) -> Arc<ServerConfig> {
        server_config(
            self.ca.cert_pem(),
            &self.server.cert_pem,
            &self.server.key_pem,
            crl_pems,
        )
        .expect("build the server configuration")
    }

    pub(super) fn car_config(&self, car: &Issued) -> Arc<ClientConfig> {
        crate::tls::client_config(self.ca.cert_pem(), &car.cert_pem, &car.key_pem)
            .expect("build the car configuration")
    }
}

#[derive(Debug)]
pub(super) enum Outcome {
    Accepted {
        car_id: Option<String>,
        received: String,
    },
    Refused(io::Error),
}

/// Serves connections one after another, as long as the test runs; a refused handshake is
/// reported and the loop goes on to the next connection.
pub(super) struct TestServer {
    pub(super) addr: SocketAddr,
    outcomes: mpsc::UnboundedReceiver<Outcome>,
    task: JoinHandle<()>,
}

impl TestServer {
    pub(super) async fn start(config: Arc<ServerConfig>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let acceptor = TlsAcceptor::from(config);
        let (tx, outcomes) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                // Without it Nagle's algorithm and delayed ACKs add ~40 ms to every handshake.
                let _ = tcp.set_nodelay(true);
                let outcome = match timeout(STEP, serve(&acceptor, tcp)).await {
                    Ok(outcome) => outcome,
                    Err(_) => Outcome::Refused(io::Error::new(io::ErrorKind::TimedOut, "server")),
                };
                if tx.send(outcome).is_err() {
                    return;
                }
            }
        });
        Self {
            addr,
            outcomes,
            task,
        }
    }

    pub(super) async fn next_outcome(&mut self) -> Outcome {
        timeout(STEP, self.outcomes.recv())
            .await
            .expect("the server reports within the step timeout")
            .expect("the server task is alive")
    }

    pub(super) fn is_running(&self) -> bool {
        !self.task.is_finished()
    }

    /// The server survived whatever came before: a good car still gets through.
    pub(super) async fn assert_accepts(&mut self, agency: &Agency) {
        assert!(self.is_running(), "server task ended");
        let reply = car_talks(self.addr, agency.car_config(&agency.car))
            .await
            .expect("a good car gets through");
        assert_eq!(reply, "welcome car-001\n");
        match self.next_outcome().await {
            Outcome::Accepted { car_id, received } => {
                assert_eq!(car_id.as_deref(), Some("car-001"));
                assert_eq!(received, CAR_HELLO);
            }
            Outcome::Refused(e) => panic!("good car refused: {e}"),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(acceptor: &TlsAcceptor, tcp: TcpStream) -> Outcome {
    let tls = match acceptor.accept(tcp).await {
        Ok(tls) => tls,
        Err(e) => return Outcome::Refused(e),
    };
    let car_id = peer_car_id(tls.get_ref().1);
    let mut stream = BufReader::new(tls);
    let mut received = String::new();
    if let Err(e) = stream.read_line(&mut received).await {
        return Outcome::Refused(e);
    }
    let reply = format!("welcome {}\n", car_id.as_deref().unwrap_or("?"));
    if let Err(e) = stream.get_mut().write_all(reply.as_bytes()).await {
        return Outcome::Refused(e);
    }
    let _ = stream.get_mut().shutdown().await;
    Outcome::Accepted { car_id, received }
}

/// Connects as a car, sends a line and returns the server's reply line.
pub(super) async fn car_talks(addr: SocketAddr, config: Arc<ClientConfig>) -> io::Result<String> {
    let exchange = async {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let name = ServerName::try_from("localhost").expect("a valid server name");
        let mut tls = TlsConnector::from(config).connect(name, tcp).await?;
        tls.write_all(CAR_HELLO.as_bytes()).await?;
        tls.flush().await?;
        let mut reply = String::new();
        BufReader::new(tls).read_line(&mut reply).await?;
        Ok(reply)
    };
    timeout(STEP, exchange)
        .await
        .unwrap_or_else(|_| Err(io::Error::new(io::ErrorKind::TimedOut, "car")))
}

pub(super) fn rustls_error(e: &io::Error) -> Option<&rustls::Error> {
    e.get_ref()?.downcast_ref::<rustls::Error>()
}

/// A TLS 1.3 client built by hand, for certificates `client_config` would rightly refuse to use.
pub(super) fn hand_built_client(
    trusted_ca_pem: &str,
    identity: Option<(&str, &str)>,
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(trusted_ca_pem.as_bytes()).expect("CA PEM"))
        .expect("add the trust anchor");
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(&[&rustls::version::TLS13])
            .expect("TLS 1.3 with ring")
            .with_root_certificates(roots);
    let config = match identity {
        Some((cert_pem, key_pem)) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from_pem_slice(cert_pem.as_bytes()).expect("cert PEM")],
                PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("key PEM"),
            )
            .expect("client identity"),
        None => builder.with_no_client_auth(),
    };
    Arc::new(config)
}
