//! What oversight reads from the store: the monthly sample of searches for the audit memorandum,
//! and the year's figures for the report to the council. Counts of purged reads come from
//! `purged_counts`, so the report covers the whole year whatever the retention.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use rand::SeedableRng;
use rusqlite::params;
use serde::Serialize;

use super::audit::AuditEntry;
use super::search::SearchRecord;
use super::{Context, Session, Store, StoreError, StoreResult, ms};
use crate::model::new_id;
use crate::policy::Permission;

/// A month's searches and the ones picked for audit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditSample {
    /// `YYYY-MM`.
    pub month: String,
    pub seed: u64,
    /// Searches made in the month.
    pub population: usize,
    /// The picked ones, oldest first.
    pub picked: Vec<SearchRecord>,
}

/// The year's figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AnnualFigures {
    pub year: i32,
    /// Cars (devices) with reads in the year.
    pub devices: Vec<String>,
    /// Cameras seen in reads still stored, as `car/camera`.
    pub cameras: Vec<String>,
    /// Per month 1..=12.
    pub reads_by_month: [u64; 12],
    pub hits_by_month: [u64; 12],
    pub searches_by_month: [u64; 12],
    /// Crime type named by each search to count (Clinton 426.4(c)).
    pub searches_by_crime_type: BTreeMap<String, u64>,
    /// Disposition to count.
    pub dispositions: BTreeMap<String, u64>,
    /// Action taken on confirmed hits to count.
    pub actions: BTreeMap<String, u64>,
    /// Release request status to count.
    pub release_requests: BTreeMap<String, u64>,
    /// Reads purged by the retention schedule in the year.
    pub purged_reads: u64,
}

impl AnnualFigures {
    pub fn reads(&self) -> u64 {
        self.reads_by_month.iter().sum()
    }
    pub fn hits(&self) -> u64 {
        self.hits_by_month.iter().sum()
    }
    pub fn searches(&self) -> u64 {
        self.searches_by_month.iter().sum()
    }
    pub fn confirmed(&self) -> u64 {
        self.dispositions.get("confirmed").copied().unwrap_or(0)
    }
}

/// The first instant of `YYYY-MM` and of the month after it.
pub fn month_bounds(month: &str) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let bad = || format!("month {month:?}: give it as YYYY-MM");
    let (y, m) = month.split_once('-').ok_or_else(bad)?;
    let (y, m): (i32, u32) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    let start = NaiveDate::from_ymd_opt(y, m, 1).ok_or_else(bad)?;
    let next = if m == 12 {
        NaiveDate::from_ymd_opt(y + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(y, m + 1, 1)
    }
    .ok_or_else(bad)?;
    let at = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default());
    Ok((at(start), at(next)))
}

/// The seed a month's sample uses unless one is given: the same month gives the same sample.
pub fn default_seed(agency: &str, month: &str) -> u64 {
    let hash = crate::sha256_hex(format!("{agency}/{month}").as_bytes());
    u64::from_str_radix(&hash[..16], 16).unwrap_or(0)
}

impl Store {
    /// Picks at random (seeded, so reproducible) the policy's number of the month's searches, at
    /// least `at_least`; all of them when there are fewer.
    pub fn sample_searches(
        &mut self,
        by: &Session,
        month: &str,
        seed: Option<u64>,
        at_least: usize,
    ) -> StoreResult<AuditSample> {
        self.require(by, Permission::AuditView)?;
        let (from, to) = month_bounds(month).map_err(StoreError::Invalid)?;
        let seed = seed.unwrap_or_else(|| default_seed(&by.policy().agency.id, month));
        let all = self.searches_between(from, to)?;
        let k = at_least
            .max(by.policy().audit.monthly_sample_size)
            .min(all.len());
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut idx = rand::seq::index::sample(&mut rng, all.len(), k).into_vec();
        idx.sort_unstable();
        let picked: Vec<SearchRecord> = idx.into_iter().map(|i| all[i].clone()).collect();
        self.audit(&AuditEntry {
            user: by.user(),
            action: "audit.sample",
            object_kind: "month",
            object_id: month,
            detail: &format!("seed {seed}: {} of {} searches", picked.len(), all.len()),
        })?;
        Ok(AuditSample {
            month: month.to_string(),
            seed,
            population: all.len(),
            picked,
        })
    }

    /// Files the memorandum in the agency's records (it syncs to headquarters).
    pub fn file_audit_memo(
        &mut self,
        by: &Session,
        sample: &AuditSample,
        markdown: &str,
    ) -> StoreResult<uuid::Uuid> {
        self.require(by, Permission::AuditView)?;
        let id = new_id();
        self.conn
            .execute(
                "INSERT INTO audit_memos (id, month, seed, created_by, created_at_ms, markdown)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id.as_bytes(),
                    sample.month,
                    sample.seed as i64,
                    by.user(),
                    ms(Utc::now()),
                    markdown
                ],
            )
            .context("filing the audit memorandum")?;
        self.audit(&AuditEntry {
            user: by.user(),
            action: "audit.memo",
            object_kind: "audit-memo",
            object_id: &id.to_string(),
            detail: &sample.month,
        })?;
        Ok(id)
    }

    /// The year's figures for the report to the council.
    pub fn annual_figures(&mut self, by: &Session, year: i32) -> StoreResult<AnnualFigures> {
        self.require(by, Permission::Report)?;
        let (from, _) = month_bounds(&format!("{year:04}-01")).map_err(StoreError::Invalid)?;
        let (to, _) = month_bounds(&format!("{:04}-01", year + 1)).map_err(StoreError::Invalid)?;
        let (from_ms, to_ms) = (ms(from), ms(to));
        let mut f = AnnualFigures {
            year,
            ..Default::default()
        };
        let month_of = |t_ms: i64| -> usize {
            DateTime::from_timestamp_millis(t_ms)
                .map(|t| t.month0() as usize)
                .unwrap_or(0)
                .min(11)
        };
        let conn = &self.conn;
        let each = |sql: &str, f: &mut dyn FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>| {
            let mut stmt = conn.prepare(sql).context("preparing the yearly figures")?;
            let mut rows = stmt
                .query(params![from_ms, to_ms])
                .context("reading the yearly figures")?;
            while let Some(r) = rows.next().context("reading the yearly figures")? {
                f(r).context("reading the yearly figures")?;
            }
            Ok::<(), StoreError>(())
        };
        let mut devices = std::collections::BTreeSet::new();
        let mut cameras = std::collections::BTreeSet::new();
        each(
            "SELECT car_id, camera, captured_at_ms FROM reads
             WHERE captured_at_ms >= ?1 AND captured_at_ms < ?2",
            &mut |r| {
                let car: String = r.get(0)?;
                cameras.insert(format!("{car}/{}", r.get::<_, String>(1)?));
                devices.insert(car);
                f.reads_by_month[month_of(r.get(2)?)] += 1;
                Ok(())
            },
        )?;
        each(
            "SELECT raised_at_ms FROM hits WHERE raised_at_ms >= ?1 AND raised_at_ms < ?2",
            &mut |r| {
                f.hits_by_month[month_of(r.get(0)?)] += 1;
                Ok(())
            },
        )?;
        each(
            "SELECT at_ms, crime_type FROM searches WHERE at_ms >= ?1 AND at_ms < ?2",
            &mut |r| {
                f.searches_by_month[month_of(r.get(0)?)] += 1;
                let crime: String = r.get(1)?;
                let crime = if crime.trim().is_empty() {
                    "not given".to_string()
                } else {
                    crime
                };
                *f.searches_by_crime_type.entry(crime).or_default() += 1;
                Ok(())
            },
        )?;
        each(
            "SELECT d.outcome, d.action_taken FROM dispositions d
             WHERE d.step = 'disposition' AND d.at_ms >= ?1 AND d.at_ms < ?2",
            &mut |r| {
                *f.dispositions.entry(r.get(0)?).or_default() += 1;
                if let Some(a) = r.get::<_, Option<String>>(1)? {
                    *f.actions.entry(a).or_default() += 1;
                }
                Ok(())
            },
        )?;
        each(
            "SELECT status FROM release_requests WHERE at_ms >= ?1 AND at_ms < ?2",
            &mut |r| {
                *f.release_requests.entry(r.get(0)?).or_default() += 1;
                Ok(())
            },
        )?;
        each(
            "SELECT day, car_id, metric, n FROM purged_counts
             WHERE day >= date(?1 / 1000, 'unixepoch') AND day < date(?2 / 1000, 'unixepoch')",
            &mut |r| {
                let day: String = r.get(0)?;
                let month = day
                    .get(5..7)
                    .and_then(|m| m.parse::<usize>().ok())
                    .unwrap_or(1)
                    .clamp(1, 12)
                    - 1;
                let metric: String = r.get(2)?;
                let n = r.get::<_, i64>(3)?.max(0) as u64;
                match metric.as_str() {
                    "reads" => {
                        devices.insert(r.get(1)?);
                        f.reads_by_month[month] += n;
                        f.purged_reads += n;
                    }
                    "hits" => f.hits_by_month[month] += n,
                    m => {
                        if let Some(kind) = m.strip_prefix("disposition:") {
                            *f.dispositions.entry(kind.to_string()).or_default() += n;
                        } else if let Some(action) = m.strip_prefix("action:") {
                            *f.actions.entry(action.to_string()).or_default() += n;
                        }
                    }
                }
                Ok(())
            },
        )?;
        f.devices = devices.into_iter().collect();
        f.cameras = cameras.into_iter().collect();
        self.audit(&AuditEntry {
            user: by.user(),
            action: "report.annual",
            object_kind: "year",
            object_id: &year.to_string(),
            detail: &format!("{} reads, {} hits", f.reads(), f.hits()),
        })?;
        Ok(f)
    }
}
