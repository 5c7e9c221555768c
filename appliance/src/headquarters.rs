//! The car's link to headquarters: cr-sqlite change exchange between the two stores.
//!
//! Here both stores are files on this machine (the demo's local headquarters, or a car's store
//! copied at the station); the network transport with mutual TLS carries the same changes.

use std::path::PathBuf;

use alpr_sync::CrConnection;
use anyhow::Context as _;

/// Bytes per batch between stores on the same machine.
const BATCH_BYTES: usize = 1 << 20;

/// What moved one way: rows (table and key) and the changes that carried them.
#[derive(Debug, Clone, Copy, Default)]
struct Moved {
    rows: usize,
    changes: usize,
}

impl std::ops::AddAssign for Moved {
    fn add_assign(&mut self, o: Self) {
        self.rows += o.rows;
        self.changes += o.changes;
    }
}

/// Everything of `stream` `to` has not received from `from`, batch by batch.
fn move_stream(
    from: &CrConnection,
    from_rules: &alpr_sync::Rules,
    to: &mut CrConnection,
    to_rules: &alpr_sync::Rules,
    stream: &str,
    from_site: &[u8],
    to_site: &[u8],
) -> anyhow::Result<Moved> {
    let mut moved = Moved::default();
    loop {
        let at = alpr_sync::stream_resume(to, from_site, stream)?;
        let Some(batch) = alpr_sync::outgoing(from, from_rules, stream, to_site, at, BATCH_BYTES)?
        else {
            return Ok(moved);
        };
        let rows: std::collections::HashSet<(u16, &[u8])> = batch
            .changes
            .iter()
            .map(|c| (c.table, c.pk.as_slice()))
            .collect();
        moved.rows += rows.len();
        moved.changes += batch.changes.len();
        alpr_sync::apply_incoming(to, to_rules, batch)?;
    }
}

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
        // The same batches, streams and direction rules as over the network, without the network.
        let (car_rules, hq_rules) = (crate::sync_rules::car(), crate::sync_rules::hq());
        let (car_site, hq_site) = (car.site_id()?, hq.site_id()?);
        let mut up = Moved::default();
        let mut down = Moved::default();
        for (stream, _) in &car_rules.streams {
            up += move_stream(
                &car, &car_rules, &mut hq, &hq_rules, stream, &car_site, &hq_site,
            )
            .context("sending changes to headquarters")?;
            let acked = alpr_sync::stream_watermark(&hq, &car_site, stream)?;
            alpr_sync::record_acked(&car, &hq_site, stream, acked)?;
        }
        for (stream, _) in &hq_rules.streams {
            down += move_stream(
                &hq, &hq_rules, &mut car, &car_rules, stream, &hq_site, &car_site,
            )
            .context("receiving changes from headquarters")?;
        }
        car.close()?;
        hq.close()?;
        // General lists travel as versions, outside the CRRs.
        let dir = |p: &PathBuf| p.parent().map(PathBuf::from).unwrap_or_default();
        let hq_store = crate::store::Store::open(&dir(&self.hq_db), "HQ")?;
        let mut car_store = crate::store::Store::open(&dir(&self.car_db), "car")?;
        crate::store::sync_general_lists(&hq_store, &mut car_store)
            .context("bringing the car's hot lists to headquarters' versions")?;
        car_store.close()?;
        hq_store.close()?;
        Ok(SyncTotals {
            rows_to_hq: up.rows as u64,
            changes_to_hq: up.changes as u64,
            rows_to_car: down.rows as u64,
            changes_to_car: down.changes as u64,
        })
    }
}

/// Headquarters publishes its general lists from its store.
#[derive(Debug)]
pub struct StorePublisher {
    store: std::sync::Mutex<crate::store::Store>,
}

impl StorePublisher {
    pub fn new(store: crate::store::Store) -> Self {
        Self {
            store: std::sync::Mutex::new(store),
        }
    }
}

impl alpr_sync::link::server::Publisher for StorePublisher {
    fn lists(&self) -> Result<Vec<u8>, String> {
        let store = self.store.lock().map_err(|_| "store lock poisoned")?;
        let heads = store.general_list_heads().map_err(|e| e.to_string())?;
        serde_json::to_vec(&heads).map_err(|e| e.to_string())
    }

    fn update(&self, list_id: &str, from: i64) -> Result<Vec<u8>, String> {
        let store = self.store.lock().map_err(|_| "store lock poisoned")?;
        let update = store
            .general_list_update(list_id, from)
            .map_err(|e| e.to_string())?;
        crate::store::encode_update(&update).map_err(|e| e.to_string())
    }
}

/// A car takes headquarters' general lists into its store (its own connection, so reads keep
/// flowing meanwhile; the matcher swaps in the new index when it sees the version change).
#[derive(Debug)]
pub struct StoreSubscriber {
    data_dir: PathBuf,
    car_id: String,
}

impl StoreSubscriber {
    pub fn new(data_dir: PathBuf, car_id: String) -> Self {
        Self { data_dir, car_id }
    }

    fn open(&self) -> Result<crate::store::Store, String> {
        crate::store::Store::open(&self.data_dir, &self.car_id).map_err(|e| e.to_string())
    }
}

impl alpr_sync::link::client::Subscriber for StoreSubscriber {
    fn version(&self, list_id: &str) -> Result<i64, String> {
        let store = self.open()?;
        let v = crate::store::general_version(&store, list_id).map_err(|e| e.to_string());
        let _ = store.close();
        v
    }

    fn apply(&self, update: &[u8]) -> Result<(), String> {
        let update = crate::store::decode_update(update).map_err(|e| e.to_string())?;
        let mut store = self.open()?;
        let applied = store
            .apply_general_update(&update)
            .map_err(|e| e.to_string());
        let _ = store.close();
        applied.map(|_| ())
    }
}

/// Headquarters keeps the images cars send in its image store.
#[derive(Debug)]
pub struct StoreImages {
    images: alpr_images::ImageStore,
}

impl StoreImages {
    pub fn new(images: alpr_images::ImageStore) -> Self {
        Self { images }
    }
}

impl alpr_sync::link::server::ImageSink for StoreImages {
    fn has(&self, sha256: &str, ext: &str) -> bool {
        alpr_images::ImageFormat::from_extension(ext)
            .is_some_and(|f| self.images.path_of(sha256, f).exists())
    }

    fn keep(&self, sha256: &str, _ext: &str, bytes: &[u8]) -> Result<(), String> {
        let got = crate::sha256_hex(bytes);
        if got != sha256 {
            return Err(format!("the bytes hash to {got}, not {sha256}"));
        }
        self.images
            .put(bytes)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn incoming_dir(&self) -> PathBuf {
        self.images.root().join(".incoming")
    }
}

/// A car offers the images its reads name, oldest first.
#[derive(Debug)]
pub struct CarImages {
    data_dir: PathBuf,
    car_id: String,
}

impl CarImages {
    pub fn new(data_dir: PathBuf, car_id: String) -> Self {
        Self { data_dir, car_id }
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&crate::store::Store) -> Result<T, String>,
    ) -> Result<T, String> {
        let store =
            crate::store::Store::open(&self.data_dir, &self.car_id).map_err(|e| e.to_string())?;
        let out = f(&store);
        let _ = store.close();
        out
    }
}

impl alpr_sync::link::client::ImageSource for CarImages {
    fn pending(&self, limit: usize) -> Result<Vec<(String, String)>, String> {
        self.with(|s| s.images_pending(limit).map_err(|e| e.to_string()))
    }

    fn read(&self, sha256: &str, ext: &str) -> Result<Option<Vec<u8>>, String> {
        let Some(format) = alpr_images::ImageFormat::from_extension(ext) else {
            return Ok(None);
        };
        self.with(|s| {
            let image = alpr_images::ImageRef {
                sha256: sha256.to_string(),
                format,
                bytes: 0,
            };
            match s.images().get(&image) {
                Ok(bytes) => Ok(Some(bytes)),
                // Purged (or damaged) since the row was written: nothing to send.
                Err(e) => {
                    tracing::warn!("image {sha256} not sent: {e}");
                    Ok(None)
                }
            }
        })
    }

    fn mark_sent(&self, sha256: &str) -> Result<(), String> {
        self.with(|s| s.mark_image_sent(sha256).map_err(|e| e.to_string()))
    }
}
