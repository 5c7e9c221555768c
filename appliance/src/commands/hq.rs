//! `alpr hq`: headquarters: the agency's certificates, the sync server cars connect to, and what
//! it knows of each car.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alpr_appliance::headquarters::{HqLink, StoreImages, StorePublisher};
use alpr_appliance::pki::Pki;
use alpr_appliance::store::{DB_FILE, Store};
use alpr_appliance::sync_rules;
use alpr_sync::CrConnection;
use alpr_sync::link::server::{Hq, cars, serve};
use anyhow::Context as _;
use clap::Subcommand;
use tokio_util::sync::CancellationToken;

#[derive(Debug, Subcommand)]
pub enum HqCommand {
    /// Exchange changes between a car's store and headquarters' store directly (a car's data
    /// directory read at the station).
    Sync {
        /// The car's data directory.
        #[arg(long)]
        car: PathBuf,
        /// Headquarters' data directory (created if missing).
        #[arg(long)]
        hq: PathBuf,
    },
    /// Create the agency's certificate authority and headquarters' server certificate.
    Init {
        #[arg(long, env = "ALPR_PKI_DIR")]
        pki: PathBuf,
        #[arg(long)]
        agency: String,
        /// Names cars reach headquarters by (repeat).
        #[arg(long = "hostname", required = true)]
        hostnames: Vec<String>,
    },
    /// Issue a car's certificate; writes ca.pem, car.pem and car-key.pem for the car.
    Enroll {
        car_id: String,
        #[arg(long, env = "ALPR_PKI_DIR")]
        pki: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 397)]
        days: u32,
    },
    /// Revoke every certificate of a car: refused from its next connection, before any data.
    Revoke {
        car_id: String,
        #[arg(long, env = "ALPR_PKI_DIR")]
        pki: PathBuf,
    },
    /// Serve cars: mutual TLS, their changes in, hot lists, members and agency entries out.
    Serve {
        #[arg(long, env = "ALPR_DATA_DIR")]
        data_dir: PathBuf,
        #[arg(long, env = "ALPR_PKI_DIR")]
        pki: PathBuf,
        #[arg(long, default_value = "0.0.0.0:8443")]
        listen: SocketAddr,
        /// Seconds connections in flight get to finish at shutdown.
        #[arg(long, default_value_t = 10)]
        grace_s: u64,
    },
    /// Each car's last contact, what HQ holds of it, and its backlog.
    Status {
        #[arg(long, env = "ALPR_DATA_DIR")]
        data_dir: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

pub async fn run(cmd: HqCommand) -> anyhow::Result<()> {
    match cmd {
        HqCommand::Sync { car, hq } => {
            if !car.join(DB_FILE).is_file() {
                anyhow::bail!("{} holds no store ({DB_FILE} is missing)", car.display());
            }
            // Opening runs any pending migrations on both sides before changes move.
            Store::open(&car, "unknown-car")
                .context("opening the car's store")?
                .close()?;
            Store::open(&hq, "HQ")
                .context("opening headquarters' store")?
                .close()?;
            let totals = HqLink::new(car.join(DB_FILE), hq.join(DB_FILE))
                .exchange()
                .await?;
            println!(
                "synced: {} rows ({} changes) to headquarters, {} rows ({} changes) to the car",
                totals.rows_to_hq, totals.changes_to_hq, totals.rows_to_car, totals.changes_to_car
            );
            Ok(())
        }
        HqCommand::Init {
            pki,
            agency,
            hostnames,
        } => {
            Pki::new(&pki).init(&agency, &hostnames)?;
            println!("agency CA and server certificate in {}", pki.display());
            Ok(())
        }
        HqCommand::Enroll {
            car_id,
            pki,
            out,
            days,
        } => {
            let issued = Pki::new(&pki).enroll(&car_id, days, &out)?;
            println!(
                "{car_id}: certificate {} valid until {} in {}",
                issued.serial_hex,
                issued.not_after.to_rfc3339(),
                out.display()
            );
            Ok(())
        }
        HqCommand::Revoke { car_id, pki } => {
            let n = Pki::new(&pki).revoke(&car_id)?;
            println!("{car_id}: {n} certificates revoked; refused from its next connection");
            Ok(())
        }
        HqCommand::Serve {
            data_dir,
            pki,
            listen,
            grace_s,
        } => {
            serve_cars(
                data_dir,
                Pki::new(pki),
                listen,
                Duration::from_secs(grace_s),
            )
            .await
        }
        HqCommand::Status { data_dir, json } => {
            let conn = CrConnection::open(&data_dir.join(DB_FILE))
                .with_context(|| format!("opening {}", data_dir.display()))?;
            let seen = cars(&conn, &sync_rules::hq()).map_err(anyhow::Error::msg)?;
            for c in &seen {
                let through = c.received.values().copied().max().unwrap_or(0);
                if json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "car_id": c.car_id, "site_id": c.site_id,
                            "last_contact": chrono::DateTime::from_timestamp_millis(c.last_contact_ms),
                            "car_db_version": c.car_db_version, "received": c.received,
                            "backlog_versions": (c.car_db_version - through).max(0),
                        })
                    );
                } else {
                    println!(
                        "{:<12} last contact {}  car at version {}, received {:?}",
                        c.car_id,
                        chrono::DateTime::from_timestamp_millis(c.last_contact_ms)
                            .map(|t| t.to_rfc3339())
                            .unwrap_or_default(),
                        c.car_db_version,
                        c.received
                    );
                }
            }
            conn.close()?;
            Ok(())
        }
    }
}

async fn serve_cars(
    data_dir: PathBuf,
    pki: Pki,
    listen: SocketAddr,
    grace: Duration,
) -> anyhow::Result<()> {
    let store = Store::open(&data_dir, "HQ").context("opening headquarters' store")?;
    let images = StoreImages::new(store.images().clone());
    let publisher = StorePublisher::new(store);
    let conn = CrConnection::open(&data_dir.join(DB_FILE))?;
    let hq = Arc::new(
        Hq::new(conn, sync_rules::hq(), Some(Arc::new(publisher)))?.with_images(Arc::new(images)),
    );
    let (tls_tx, tls_rx) = tokio::sync::watch::channel(pki.server_config()?);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let bound = listener.local_addr()?;
    let shutdown = CancellationToken::new();
    // A revocation rewrites the register: the next connection is checked against it.
    let watcher = {
        let (pki, stop) = (pki.clone(), shutdown.clone());
        tokio::spawn(async move {
            let mut seen = pki.changed_at();
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
                let now = pki.changed_at();
                if now != seen {
                    match pki.server_config() {
                        Ok(c) => {
                            let _ = tls_tx.send(c);
                            tracing::info!("revocation list reloaded");
                            seen = now;
                        }
                        Err(e) => tracing::error!("reloading the revocation list: {e:#}"),
                    }
                }
            }
        })
    };
    println!("serving cars on {bound}");
    let server = tokio::spawn(serve(listener, tls_rx, hq.clone(), shutdown.clone(), grace));
    super::shutdown_signal().await;
    shutdown.cancel();
    let _ = server.await;
    let _ = watcher.await;
    match Arc::try_unwrap(hq) {
        Ok(hq) => hq.close()?,
        Err(_) => tracing::warn!("a connection still held the store at exit"),
    }
    println!("stopped");
    Ok(())
}
