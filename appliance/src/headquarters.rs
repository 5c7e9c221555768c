//! The car's link to headquarters: cr-sqlite change exchange between the two stores.
//!
//! Here both stores are files on this machine (the demo's local headquarters, or a car's store
//! copied at the station); the network transport with mutual TLS carries the same changes.

use std::path::PathBuf;

use alpr_sync::CrConnection;
use anyhow::Context as _;

/// Changes merged per transaction.
const BATCH_ROWS: usize = 5_000;

/// What moved each way: table rows, and the `crsql_changes` (one per column) that carried them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncTotals {
    pub rows_to_hq: u64,
    pub changes_to_hq: u64,
    pub rows_to_car: u64,
    pub changes_to_car: u64,
}

impl std::ops::AddAssign for SyncTotals {
    fn add_assign(&mut self, o: Self) {
        self.rows_to_hq += o.rows_to_hq;
        self.changes_to_hq += o.changes_to_hq;
        self.rows_to_car += o.rows_to_car;
        self.changes_to_car += o.changes_to_car;
    }
}

/// Where the car's and headquarters' databases are.
#[derive(Debug, Clone)]
pub struct HqLink {
    car_db: PathBuf,
    hq_db: PathBuf,
}

impl HqLink {
    pub fn new(car_db: PathBuf, hq_db: PathBuf) -> Self {
        Self { car_db, hq_db }
    }

    /// Sends headquarters what it has not received from the car, then the car what it has not
    /// received from headquarters. Each side resumes from its own record of what it holds.
    pub async fn exchange(&self) -> anyhow::Result<SyncTotals> {
        let link = self.clone();
        tokio::task::spawn_blocking(move || link.exchange_blocking())
            .await
            .context("sync task")?
    }

    fn exchange_blocking(&self) -> anyhow::Result<SyncTotals> {
        let mut car = CrConnection::open(&self.car_db)
            .with_context(|| format!("opening {}", self.car_db.display()))?;
        let mut hq = CrConnection::open(&self.hq_db)
            .with_context(|| format!("opening {}", self.hq_db.display()))?;
        let up = alpr_sync::pull(&car, &mut hq, BATCH_ROWS)
            .context("sending changes to headquarters")?;
        let down = alpr_sync::pull(&hq, &mut car, BATCH_ROWS)
            .context("receiving changes from headquarters")?;
        car.close()?;
        hq.close()?;
        Ok(SyncTotals {
            rows_to_hq: up.rows as u64,
            changes_to_hq: up.changes as u64,
            rows_to_car: down.rows as u64,
            changes_to_car: down.changes as u64,
        })
    }
}
