//! Reads and hits: written together, in batches, one transaction each.

use alpr_images::{Alternative, ImageBytes, ImageRef};
use chrono::{DateTime, Utc};
use rusqlite::params;
use uuid::Uuid;

use super::{Context, Store, StoreResult, ms, now_ms};
use crate::model::{MatchedRead, new_id};

/// A read as stored, for listing and checking.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredRead {
    pub id: Uuid,
    pub camera: String,
    pub plate: String,
    pub state: Option<String>,
    pub confidence: f64,
    pub captured_at: DateTime<Utc>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub fix_quality: String,
    pub plate_image_sha256: Option<String>,
    pub context_image_sha256: Option<String>,
    pub hits: u32,
    /// The car that read it.
    pub car_id: String,
    /// The recogniser's other readings of the plate.
    pub alternatives: Vec<String>,
}

impl Store {
    /// Stores reads with their hits. Image files are written first, so a row never names an image
    /// that is not on disk; an image that cannot be stored is logged and left out, never the read.
    /// While a canvass is open on this car, each read captured at or after its start is tagged
    /// with it in the same transaction (a read captured before the start, arriving late, is not).
    pub fn insert_reads(&mut self, batch: &[MatchedRead]) -> StoreResult<()> {
        let mut images = Vec::with_capacity(batch.len());
        for m in batch {
            let o = &m.read.observation;
            images.push((
                self.put_image(o.plate_crop.as_ref(), m),
                self.put_image(o.context_image.as_ref(), m),
            ));
        }
        let car_id = self.car_id.clone();
        let tx = self.conn.transaction().context("starting read batch")?;
        let canvass =
            super::canvass::open_canvass_on(&tx, &car_id).context("finding an open canvass")?;
        {
            let mut read_stmt = tx
                .prepare_cached(
                    "INSERT INTO reads (id, car_id, camera, plate, state, confidence, alternatives,
                        captured_at_ms, lat, lon, fix_quality, fix_age_ms, hdop,
                        plate_image_sha256, plate_image_format, context_image_sha256, context_image_format,
                        stored_at_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                )
                .context("preparing read insert")?;
            let mut hit_stmt = tx
                .prepare_cached(
                    "INSERT INTO hits (id, read_id, entry_id, list_id, listed_plate, read_plate, match_kind,
                        state_mismatch, priority, raised_at_ms, car_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .context("preparing hit insert")?;
            let mut tag_stmt = match canvass {
                Some(_) => Some(
                    tx.prepare_cached(
                        "INSERT INTO canvass_reads (id, canvass_id, read_id) VALUES (?1, ?2, ?3)",
                    )
                    .context("preparing canvass tag insert")?,
                ),
                None => None,
            };
            let stored_at = now_ms();
            for (m, (crop, context)) in batch.iter().zip(&images) {
                let r = &m.read;
                let o = &r.observation;
                let alternatives = alternatives_json(&o.alternatives);
                let pos = r.position.as_ref();
                read_stmt
                    .execute(params![
                        r.id.as_bytes(),
                        car_id,
                        o.camera,
                        o.plate,
                        o.state,
                        o.confidence,
                        alternatives,
                        ms(o.captured_at),
                        pos.map(|p| p.lat),
                        pos.map(|p| p.lon),
                        pos.map_or("none", |p| p.quality.as_str()),
                        pos.map(|p| p.fix_age_ms),
                        pos.and_then(|p| p.hdop),
                        crop.as_ref().map(|i| i.sha256.as_str()),
                        crop.as_ref().map(|i| i.format.extension()),
                        context.as_ref().map(|i| i.sha256.as_str()),
                        context.as_ref().map(|i| i.format.extension()),
                        stored_at,
                    ])
                    .context(format!("storing read of {} from {}", o.plate, o.camera))?;
                if let (Some((canvass_id, started_at_ms)), Some(stmt)) = (&canvass, &mut tag_stmt)
                    && ms(o.captured_at) >= *started_at_ms
                {
                    stmt.execute(params![new_id().as_bytes(), canvass_id, r.id.as_bytes()])
                        .context(format!("tagging read of {} into the canvass", o.plate))?;
                }
                for h in &m.hits {
                    hit_stmt
                        .execute(params![
                            h.id.as_bytes(),
                            r.id.as_bytes(),
                            h.entry.id.as_bytes(),
                            h.entry.list_id,
                            h.entry.listed.plate,
                            h.read_plate,
                            h.match_label(),
                            h.state_mismatch,
                            h.entry.listed.priority.as_str(),
                            ms(h.raised_at),
                            car_id,
                        ])
                        .context(format!("storing hit on {}", h.entry.listed.plate))?;
                }
            }
        }
        tx.commit().context("committing read batch")
    }

    fn put_image(&self, image: Option<&ImageBytes>, m: &MatchedRead) -> Option<ImageRef> {
        let bytes = image?;
        match self.images.put(&bytes.0) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::error!(read = %m.read.id, plate = %m.read.observation.plate, "image not stored: {e}");
                None
            }
        }
    }

    /// The newest reads, newest first.
    pub fn recent_reads(&self, limit: usize) -> StoreResult<Vec<StoredRead>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {STORED_READ_COLUMNS} FROM reads r
                 ORDER BY r.captured_at_ms DESC, r.id DESC LIMIT ?1"
            ))
            .context("preparing read listing")?;
        let rows = stmt
            .query_map(
                [i64::try_from(limit).unwrap_or(i64::MAX)],
                stored_read_from_row,
            )
            .context("listing reads")?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .context("listing reads")
    }
}

/// The columns `stored_read_from_row` reads, from `reads r`.
pub(crate) const STORED_READ_COLUMNS: &str = "r.id, r.camera, r.plate, r.state, r.confidence, \
    r.captured_at_ms, r.lat, r.lon, r.fix_quality, r.plate_image_sha256, r.context_image_sha256, \
    (SELECT count(*) FROM hits h WHERE h.read_id = r.id), r.car_id, r.alternatives";

pub(crate) fn stored_read_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredRead> {
    let id: Vec<u8> = r.get(0)?;
    let alternatives: String = r.get(13)?;
    Ok(StoredRead {
        id: Uuid::from_slice(&id).unwrap_or_default(),
        camera: r.get(1)?,
        plate: r.get(2)?,
        state: r.get(3)?,
        confidence: r.get(4)?,
        captured_at: DateTime::from_timestamp_millis(r.get(5)?).unwrap_or_default(),
        lat: r.get(6)?,
        lon: r.get(7)?,
        fix_quality: r.get(8)?,
        plate_image_sha256: r.get(9)?,
        context_image_sha256: r.get(10)?,
        hits: r.get(11)?,
        car_id: r.get(12)?,
        alternatives: serde_json::from_str::<Vec<Alternative>>(&alternatives)
            .map(|a| a.into_iter().map(|a| a.plate).collect())
            .unwrap_or_default(),
    })
}

fn alternatives_json(alternatives: &[Alternative]) -> String {
    serde_json::to_string(alternatives).unwrap_or_else(|_| "[]".to_string())
}

/// Images headquarters has confirmed (or that were gone when their turn came): never offered
/// again. Local to the car.
const IMAGES_SENT: &str = "CREATE TABLE IF NOT EXISTS alpr_sync_images_sent (
    sha256 TEXT PRIMARY KEY NOT NULL
)";

impl Store {
    /// Images the car's reads name that headquarters has not confirmed: `(sha256, ext)`.
    pub fn images_pending(&self, limit: usize) -> StoreResult<Vec<(String, String)>> {
        self.conn
            .execute_batch(IMAGES_SENT)
            .context("creating alpr_sync_images_sent")?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT sha, ext FROM (
                    SELECT plate_image_sha256 AS sha, plate_image_format AS ext, captured_at_ms
                        FROM reads WHERE plate_image_sha256 IS NOT NULL
                    UNION ALL
                    SELECT context_image_sha256, context_image_format, captured_at_ms
                        FROM reads WHERE context_image_sha256 IS NOT NULL)
                 WHERE sha NOT IN (SELECT sha256 FROM alpr_sync_images_sent)
                 GROUP BY sha ORDER BY min(captured_at_ms) LIMIT ?1",
            )
            .context("finding images to send")?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?
                        .unwrap_or_else(|| "jpg".into()),
                ))
            })
            .context("finding images to send")?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .context("finding images to send")
    }

    pub fn mark_image_sent(&self, sha256: &str) -> StoreResult<()> {
        self.conn
            .execute_batch(IMAGES_SENT)
            .context("creating alpr_sync_images_sent")?;
        self.conn
            .execute(
                "INSERT OR IGNORE INTO alpr_sync_images_sent (sha256) VALUES (?1)",
                [sha256],
            )
            .context("recording a sent image")?;
        Ok(())
    }
}
