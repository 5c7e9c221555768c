//! Headquarters' certificate files: the agency CA, HQ's server certificate, the register of
//! every car certificate issued, and the revocation list HQ checks.
//!
//! Layout of a PKI directory: `ca.pem`, `ca-key.pem` (0600), `server.pem`, `server-key.pem`
//! (0600), `cars.json` (issued certificates, with revocation times), `crl.pem`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use alpr_sync::tls::{AgencyCa, Issued, RevokedCert, server_config};
use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One car certificate as issued.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedCar {
    pub car_id: String,
    pub serial_hex: String,
    pub not_after: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Days a CRL is valid: HQ rewrites it on every revocation and at every start.
const CRL_DAYS: u32 = 30;

fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

fn write_public(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// An HQ PKI directory.
#[derive(Debug, Clone)]
pub struct Pki {
    pub dir: PathBuf,
}

impl Pki {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Creates the agency CA and HQ's server certificate for `hostnames`.
    pub fn init(&self, agency: &str, hostnames: &[String]) -> anyhow::Result<()> {
        if self.dir.join("ca.pem").exists() {
            bail!(
                "{} already holds a CA: an agency keeps one CA (cars enrolled by it would be refused)",
                self.dir.display()
            );
        }
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let ca = AgencyCa::generate(agency, 3650)?;
        ca.save(&self.dir)?;
        let server = ca.issue_server(hostnames, 825)?;
        write_public(&self.dir.join("server.pem"), &server.cert_pem)?;
        write_private(&self.dir.join("server-key.pem"), &server.key_pem)?;
        self.save_cars(&[])?;
        self.write_crl(&ca, &[])?;
        Ok(())
    }

    fn cars_path(&self) -> PathBuf {
        self.dir.join("cars.json")
    }

    /// Every car certificate issued.
    pub fn cars(&self) -> anyhow::Result<Vec<IssuedCar>> {
        let path = self.cars_path();
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("{} is damaged", path.display()))
    }

    fn save_cars(&self, cars: &[IssuedCar]) -> anyhow::Result<()> {
        let path = self.cars_path();
        let tmp = path.with_extension("json.tmp");
        write_public(&tmp, &serde_json::to_string_pretty(cars)?)?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))
    }

    fn write_crl(&self, ca: &AgencyCa, cars: &[IssuedCar]) -> anyhow::Result<()> {
        let revoked: Vec<RevokedCert> = cars
            .iter()
            .filter_map(|c| {
                c.revoked_at.map(|at| RevokedCert {
                    serial_hex: c.serial_hex.clone(),
                    revoked_at: at,
                })
            })
            .collect();
        let crl = ca.crl_pem(&revoked, CRL_DAYS)?;
        let path = self.dir.join("crl.pem");
        let tmp = self.dir.join("crl.pem.tmp");
        write_public(&tmp, &crl)?;
        std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))
    }

    /// Issues a certificate for `car_id` and writes what the car needs into `out`: `ca.pem`,
    /// `car.pem`, `car-key.pem` (0600).
    pub fn enroll(&self, car_id: &str, days: u32, out: &Path) -> anyhow::Result<Issued> {
        let ca = AgencyCa::load(&self.dir)?;
        let issued = ca.enroll_car(car_id, days)?;
        std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
        write_public(&out.join("ca.pem"), ca.cert_pem())?;
        write_public(&out.join("car.pem"), &issued.cert_pem)?;
        write_private(&out.join("car-key.pem"), &issued.key_pem)?;
        let mut cars = self.cars()?;
        cars.push(IssuedCar {
            car_id: car_id.to_string(),
            serial_hex: issued.serial_hex.clone(),
            not_after: issued.not_after,
            revoked_at: None,
        });
        self.save_cars(&cars)?;
        Ok(issued)
    }

    /// Revokes every certificate issued to `car_id`; HQ refuses the car from its next connection.
    pub fn revoke(&self, car_id: &str) -> anyhow::Result<usize> {
        let ca = AgencyCa::load(&self.dir)?;
        let mut cars = self.cars()?;
        let now = Utc::now();
        let mut n = 0;
        for c in cars
            .iter_mut()
            .filter(|c| c.car_id == car_id && c.revoked_at.is_none())
        {
            c.revoked_at = Some(now);
            n += 1;
        }
        if n == 0 {
            bail!("no unrevoked certificate issued to {car_id}");
        }
        self.save_cars(&cars)?;
        self.write_crl(&ca, &cars)?;
        Ok(n)
    }

    /// HQ's TLS configuration with the current revocation list (rewritten fresh first, so it
    /// never runs out while HQ runs).
    pub fn server_config(&self) -> anyhow::Result<Arc<rustls::ServerConfig>> {
        let ca = AgencyCa::load(&self.dir)?;
        let cars = self.cars()?;
        self.write_crl(&ca, &cars)?;
        let read = |name: &str| {
            let p = self.dir.join(name);
            std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))
        };
        Ok(server_config(
            &read("ca.pem")?,
            &read("server.pem")?,
            &read("server-key.pem")?,
            &[read("crl.pem")?],
        )?)
    }

    /// When the register last changed (a revocation), to know when to rebuild the configuration.
    pub fn changed_at(&self) -> Option<std::time::SystemTime> {
        std::fs::metadata(self.cars_path())
            .and_then(|m| m.modified())
            .ok()
    }
}
