//! `alpr bench sync`: what the link to headquarters costs. Bytes on the wire per read against a
//! compact binary encoding of the same rows; bringing a car's general hot list up to date after
//! a day's changes, as versions (snapshot + changes) and as a CRR copy; and a car's backlog of
//! reads catching up over a throttled link with latency, through a proxy the bench runs itself.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use alpr_appliance::model::{ListedPlate, MatchedRead, Read, new_id};
use alpr_appliance::pki::Pki;
use alpr_appliance::store::{Store, decode_update, encode_update};
use alpr_appliance::sync_rules;
use alpr_gps::{FixMode, PositionQuality, TaggedPosition};
use alpr_images::PlateObservation;
use alpr_sync::link::client::Link;
use alpr_sync::link::server::{Hq, serve};
use alpr_sync::wire::ChangeBatch;
use alpr_sync::{CrConnection, outgoing};
use anyhow::Context as _;
use chrono::Utc;
use clap::Args;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_util::sync::CancellationToken;

use super::bench::{plate, record};

#[derive(Debug, Args)]
pub struct SyncBenchArgs {
    /// Plates in the general list.
    #[arg(long, default_value_t = 2_000_000)]
    plates: usize,
    /// Share of the list a day changes (half removed, half added).
    #[arg(long, default_value_t = 0.02)]
    change: f64,
    /// Plates in the CRR copy measured (slow: minutes per million); scaled to `plates`.
    #[arg(long, default_value_t = 100_000)]
    crr_plates: usize,
    /// Reads a car has backlogged.
    #[arg(long, default_value_t = 30_000)]
    backlog: usize,
    /// The throttled link's rate in bits per second, each way.
    #[arg(long, default_value_t = 1_000_000)]
    link_bps: u64,
    /// Round-trip latency the proxy adds, in milliseconds (half each way).
    #[arg(long, default_value_t = 100)]
    rtt_ms: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn reads(n: usize, rng: &mut ChaCha8Rng) -> Vec<MatchedRead> {
    let t0 = Utc::now() - chrono::Duration::hours(10);
    let mut p = String::new();
    (0..n)
        .map(|i| {
            plate(rng, &mut p);
            MatchedRead {
                read: Read {
                    id: new_id(),
                    observation: PlateObservation {
                        camera: ["front", "left", "right"][i % 3].into(),
                        plate: p.clone(),
                        state: Some("IA".into()),
                        confidence: rng.random_range(0.6..0.99),
                        captured_at: t0 + chrono::Duration::milliseconds(i as i64 * 700),
                        alternatives: vec![],
                        plate_crop: None,
                        context_image: None,
                        ack: None,
                    },
                    position: Some(TaggedPosition {
                        lat: 41.6 + rng.random_range(-0.05..0.05),
                        lon: -91.5 + rng.random_range(-0.05..0.05),
                        quality: PositionQuality::Interpolated,
                        fix_age_ms: rng.random_range(0..900),
                        mode: FixMode::ThreeD,
                        hdop: Some(rng.random_range(0.6..2.0)),
                    }),
                },
                hits: vec![],
            }
        })
        .collect()
}

/// The same read rows as a plain binary record each, compressed the same way: the floor a
/// hand-made protocol could reach.
fn compact_bytes(rows: &[MatchedRead]) -> usize {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        id: [u8; 16],
        car: &'a str,
        camera: &'a str,
        plate: &'a str,
        state: Option<&'a str>,
        confidence: f32,
        captured_ms: i64,
        lat: Option<f64>,
        lon: Option<f64>,
        quality: u8,
        fix_age_ms: i32,
        hdop: Option<f32>,
    }
    let rows: Vec<Row<'_>> = rows
        .iter()
        .map(|m| {
            let o = &m.read.observation;
            let p = m.read.position.as_ref();
            Row {
                id: *m.read.id.as_bytes(),
                car: "CAR-1",
                camera: &o.camera,
                plate: &o.plate,
                state: o.state.as_deref(),
                confidence: o.confidence as f32,
                captured_ms: o.captured_at.timestamp_millis(),
                lat: p.map(|p| p.lat),
                lon: p.map(|p| p.lon),
                quality: 1,
                fix_age_ms: p.map_or(0, |p| p.fix_age_ms as i32),
                hdop: p.and_then(|p| p.hdop).map(|h| h as f32),
            }
        })
        .collect();
    let raw = postcard::to_stdvec(&rows).unwrap_or_default();
    zstd::encode_all(raw.as_slice(), 3).map_or(0, |z| z.len())
}

/// Bytes the link sends for every change of `stream` in `from` after `after` (batches encoded).
fn wire_bytes(from: &CrConnection, to_site: &[u8]) -> anyhow::Result<(usize, usize)> {
    let rules = sync_rules::car();
    let (mut bytes, mut batches, mut at) = (0, 0, alpr_sync::Resume::default());
    while let Some(b) = outgoing(from, &rules, "bulk", to_site, at, 128 * 1024)? {
        at = alpr_sync::Resume::after(b.through);
        bytes += b.encode().map_err(anyhow::Error::msg)?.len();
        batches += 1;
    }
    Ok((bytes, batches))
}

fn list(n: usize, rng: &mut ChaCha8Rng) -> Vec<ListedPlate> {
    (0..n)
        .map(|_| {
            let mut e = ListedPlate::default();
            record(rng, &mut e);
            e
        })
        .collect()
}

fn seconds(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

/// The general list as versions: HQ loads a list and a day later its next version; a new car
/// bootstraps from the list whole; a car a day behind takes the changes.
fn versions(
    dir: &Path,
    args: &SyncBenchArgs,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<serde_json::Value> {
    let mut hq = Store::open(&dir.join("hq-lists"), "HQ")?;
    let mut v1 = list(args.plates, rng);
    let t = Instant::now();
    hq.replace_hotlist("ncic", "NCIC", &v1, "v1", "bench")?;
    let load_s = seconds(t);
    let mut car = Store::open(&dir.join("car-lists"), "CAR-1")?;
    let t = Instant::now();
    let whole = encode_update(&hq.general_list_update("ncic", 0)?)?;
    let encode_whole_s = seconds(t);
    let t = Instant::now();
    car.apply_general_update(&decode_update(&whole)?)?;
    let bootstrap_apply_s = seconds(t);
    let changed = ((args.plates as f64 * args.change) / 2.0) as usize;
    v1.drain(..changed);
    v1.extend(list(changed, rng));
    let t = Instant::now();
    hq.replace_hotlist("ncic", "NCIC", &v1, "v2", "bench")?;
    let day_load_s = seconds(t);
    let t = Instant::now();
    let changes = encode_update(&hq.general_list_update("ncic", 1)?)?;
    let encode_changes_s = seconds(t);
    let t = Instant::now();
    car.apply_general_update(&decode_update(&changes)?)?;
    let changes_apply_s = seconds(t);
    hq.close()?;
    car.close()?;
    Ok(json!({
        "plates": args.plates, "changed_entries": changed * 2,
        "hq_load_s": load_s, "hq_next_version_s": day_load_s,
        "bootstrap_bytes": whole.len(), "bootstrap_encode_s": encode_whole_s,
        "bootstrap_apply_s": bootstrap_apply_s,
        "day_changes_bytes": changes.len(), "day_changes_encode_s": encode_changes_s,
        "day_changes_apply_s": changes_apply_s,
    }))
}

/// The same list as a CRR table, measured on `crr_plates` and scaled: what a day's changes cost
/// as `crsql_changes` batches, and how long the car takes to merge them.
fn crr_copy(
    dir: &Path,
    args: &SyncBenchArgs,
    rng: &mut ChaCha8Rng,
) -> anyhow::Result<serde_json::Value> {
    let schema = "CREATE TABLE l (id BLOB PRIMARY KEY NOT NULL, plate TEXT NOT NULL DEFAULT '',
            state TEXT, make TEXT, model TEXT, color TEXT, reason TEXT NOT NULL DEFAULT '',
            ncic TEXT, ori TEXT, oca TEXT, plate_year INTEGER, vehicle_year INTEGER);
        SELECT crsql_as_crr('l');";
    let hq = CrConnection::open(&dir.join("hq-crr.db"))?;
    let mut car = CrConnection::open(&dir.join("car-crr.db"))?;
    hq.execute_batch(schema)?;
    car.execute_batch(schema)?;
    let n = args.crr_plates;
    let entries = list(n, rng);
    // Loaded 1,000 rows a transaction, as a CRR import would be, so the figures are of whole
    // versions (a larger version would travel in parts).
    let insert = |conn: &CrConnection, es: &[ListedPlate]| -> anyhow::Result<Vec<Vec<u8>>> {
        conn.execute_batch("BEGIN")?;
        let mut ids = Vec::with_capacity(es.len());
        {
            let mut s = conn.prepare_cached(
                "INSERT INTO l (id, plate, state, make, model, color, reason, ncic, ori, oca,
                    plate_year, vehicle_year) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
            )?;
            for (i, e) in es.iter().enumerate() {
                if i > 0 && i % 1000 == 0 {
                    conn.execute_batch("COMMIT; BEGIN")?;
                }
                let id = new_id().as_bytes().to_vec();
                s.execute(rusqlite::params![
                    id,
                    e.plate,
                    e.state,
                    e.make,
                    e.model,
                    e.color,
                    e.reason,
                    e.ncic_number,
                    e.ori,
                    e.oca,
                    e.plate_year,
                    e.vehicle_year
                ])?;
                ids.push(id);
            }
        }
        conn.execute_batch("COMMIT")?;
        Ok(ids)
    };
    let t = Instant::now();
    let ids = insert(&hq, &entries)?;
    let load_s = seconds(t);
    let rules = alpr_sync::Rules {
        streams: vec![("bulk".into(), vec!["l".into()])],
        send: vec!["l".into()],
        receive: vec!["l".into()],
        keep_deletes_local: vec![],
    };
    let car_site = car.site_id()?;
    let mut move_all = |after: i64| -> anyhow::Result<(usize, f64, i64)> {
        let (mut bytes, mut apply, mut at) = (0usize, 0f64, alpr_sync::Resume::after(after));
        while let Some(b) = outgoing(&hq, &rules, "bulk", &car_site, at.clone(), 512 * 1024)? {
            let enc = b.encode().map_err(anyhow::Error::msg)?;
            bytes += enc.len();
            let t = Instant::now();
            at = alpr_sync::apply_incoming(
                &mut car,
                &rules,
                ChangeBatch::decode(&enc).map_err(anyhow::Error::msg)?,
            )?
            .resume;
            apply += t.elapsed().as_secs_f64();
        }
        Ok((bytes, apply, at.after))
    };
    let (bootstrap_bytes, bootstrap_apply, after) = move_all(0)?;
    let changed = ((n as f64 * args.change) / 2.0) as usize;
    hq.execute_batch("BEGIN")?;
    for (i, id) in ids[..changed].iter().enumerate() {
        if i > 0 && i % 1000 == 0 {
            hq.execute_batch("COMMIT; BEGIN")?;
        }
        hq.execute("DELETE FROM l WHERE id = ?1", [id])?;
    }
    hq.execute_batch("COMMIT")?;
    insert(&hq, &list(changed, rng))?;
    let (day_bytes, day_apply, _) = move_all(after)?;
    let scale = args.plates as f64 / n as f64;
    hq.close()?;
    car.close()?;
    Ok(json!({
        "measured_plates": n, "hq_load_s": load_s,
        "bootstrap_bytes_scaled": (bootstrap_bytes as f64 * scale) as u64,
        "bootstrap_apply_s_scaled": (bootstrap_apply * scale * 1000.0).round() / 1000.0,
        "day_changes_bytes_scaled": (day_bytes as f64 * scale) as u64,
        "day_changes_apply_s_scaled": (day_apply * scale * 1000.0).round() / 1000.0,
    }))
}

/// Forwards `from` to `to` at `bytes_per_s`, each chunk delivered `delay` after it would have
/// finished sending: a slow link with latency.
async fn throttle(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    bytes_per_s: f64,
    delay: Duration,
) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(tokio::time::Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut free = tokio::time::Instant::now();
    let mut buf = vec![0u8; 4096];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let now = tokio::time::Instant::now();
        free = free.max(now) + Duration::from_secs_f64(n as f64 / bytes_per_s);
        if tx.send((free + delay, buf[..n].to_vec())).is_err() {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

async fn proxy(listener: tokio::net::TcpListener, upstream: String, bps: u64, rtt: Duration) {
    while let Ok((down, _)) = listener.accept().await {
        let Ok(up) = tokio::net::TcpStream::connect(&upstream).await else {
            continue;
        };
        let _ = (down.set_nodelay(true), up.set_nodelay(true));
        let (dr, dw) = down.into_split();
        let (ur, uw) = up.into_split();
        let rate = bps as f64 / 8.0;
        tokio::spawn(throttle(dr, uw, rate, rtt / 2));
        tokio::spawn(throttle(ur, dw, rate, rtt / 2));
    }
}

/// A car with a backlog of reads catching up through the throttled proxy, with real TLS.
async fn backlog(
    dir: &Path,
    args: &SyncBenchArgs,
    rows: Vec<MatchedRead>,
) -> anyhow::Result<serde_json::Value> {
    let pki = Pki::new(dir.join("pki"));
    pki.init("Bench PD", &["localhost".to_string()])?;
    let car_tls = dir.join("car-tls");
    pki.enroll("CAR-1", 30, &car_tls)?;
    Store::open(&dir.join("hq"), "HQ")?.close()?;
    let conn = CrConnection::open(&dir.join("hq").join(alpr_appliance::store::DB_FILE))?;
    let hq = Arc::new(Hq::new(conn, sync_rules::hq(), None)?);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hq_addr = listener.local_addr()?.to_string();
    let (_tls_tx, tls_rx) = tokio::sync::watch::channel(pki.server_config()?);
    let stop = CancellationToken::new();
    let server = tokio::spawn(serve(
        listener,
        tls_rx,
        hq.clone(),
        stop.clone(),
        Duration::from_secs(5),
    ));
    let proxy_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let proxy_addr = proxy_listener.local_addr()?.to_string();
    let proxied = tokio::spawn(proxy(
        proxy_listener,
        hq_addr,
        args.link_bps,
        Duration::from_millis(args.rtt_ms),
    ));
    let car_dir = dir.join("car-backlog");
    let mut car = Store::open(&car_dir, "CAR-1")?;
    for chunk in rows.chunks(1000) {
        car.insert_reads(chunk)?;
    }
    car.close()?;
    let read = |p: &str| std::fs::read_to_string(car_tls.join(p)).with_context(|| p.to_string());
    let link = Link {
        addr: proxy_addr,
        server_name: rustls_pki_types::ServerName::try_from("localhost".to_string())?,
        tls: alpr_sync::tls::client_config(
            &read("ca.pem")?,
            &read("car.pem")?,
            &read("car-key.pem")?,
        )?,
        timeout: Duration::from_secs(60),
    };
    let t = Instant::now();
    let report = link
        .session(
            car_dir.join(alpr_appliance::store::DB_FILE),
            sync_rules::car(),
            None,
        )
        .await?;
    let catch_up_s = seconds(t);
    stop.cancel();
    let _ = server.await;
    proxied.abort();
    let held: i64 = {
        let s = Store::open(&dir.join("hq"), "HQ")?;
        let n = s.count("reads")? as i64;
        s.close()?;
        n
    };
    anyhow::ensure!(
        held as usize == rows.len(),
        "HQ holds {held} of {} reads",
        rows.len()
    );
    Ok(json!({
        "reads": rows.len(), "link_bps": args.link_bps, "rtt_ms": args.rtt_ms,
        "catch_up_s": catch_up_s, "batches": report.batches_pushed,
        "changes": report.changes_pushed,
    }))
}

pub async fn run(args: SyncBenchArgs) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let rows = reads(args.backlog, &mut rng);
    // Bytes per read: a sample of the backlog through the real batching.
    let sample: Vec<MatchedRead> = rows.iter().take(2000).cloned().collect();
    let per_read = {
        let dir = dir.path().to_path_buf();
        let sample = sample.clone();
        tokio::task::spawn_blocking(move || -> anyhow::Result<serde_json::Value> {
            let mut car = Store::open(&dir.join("car-sample"), "CAR-1")?;
            car.insert_reads(&sample)?;
            let hq = Store::open(&dir.join("hq-sample"), "HQ")?;
            let (bytes, batches) = wire_bytes(car.connection(), &hq.connection().site_id()?)?;
            let compact = compact_bytes(&sample);
            Ok(json!({
                "reads": sample.len(), "batches": batches,
                "crr_bytes_per_read": bytes as f64 / sample.len() as f64,
                "compact_bytes_per_read": compact as f64 / sample.len() as f64,
            }))
        })
        .await??
    };
    let lists = {
        let (dir, a) = (
            dir.path().to_path_buf(),
            (args.plates, args.change, args.crr_plates, args.seed),
        );
        tokio::task::spawn_blocking(move || -> anyhow::Result<serde_json::Value> {
            let args = SyncBenchArgs {
                plates: a.0,
                change: a.1,
                crr_plates: a.2,
                backlog: 0,
                link_bps: 0,
                rtt_ms: 0,
                seed: a.3,
            };
            let mut rng = ChaCha8Rng::seed_from_u64(args.seed + 1);
            Ok(json!({
                "versions": versions(&dir, &args, &mut rng)?,
                "crr_copy": crr_copy(&dir, &args, &mut rng)?,
            }))
        })
        .await??
    };
    let caught_up = backlog(dir.path(), &args, rows).await?;
    println!(
        "{}",
        json!({"bench": "sync", "per_read": per_read, "hotlist": lists, "backlog": caught_up})
    );
    Ok(())
}
