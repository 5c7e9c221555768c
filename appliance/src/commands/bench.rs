//! `alpr bench`: figures for the targets in the issues, printed as one JSON line.

use std::collections::HashMap;
use std::time::Instant;

use alpr_appliance::hotlist::naive::NaiveMatcher;
use alpr_appliance::hotlist::{Candidate, ConfusionTable, HotlistIndex, IndexBuilder, secs};
use alpr_appliance::model::{HotlistEntry, ListedPlate, MatchKind, Priority, new_id};
use anyhow::{Context as _, ensure};
use chrono::Utc;
use clap::{Args, Subcommand};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Hot-list matching: load time, memory per entry, and lookup latency by kind, against a
    /// plain HashMap and a linear scan.
    Hotlist(HotlistBenchArgs),
    /// The link to headquarters: bytes per read, hot-list updates as versions and as a CRR
    /// copy, a backlog catching up over a throttled link.
    Sync(super::bench_sync::SyncBenchArgs),
    /// From a read entering the pipeline to its alert drawn on the screen and its tone started
    /// (needs a display: run under Xvfb).
    Alert(super::bench_alert::AlertBenchArgs),
    /// Plate recognition: per-frame latency at 1080p on one thread and on every core.
    Recognize(super::bench_recognize::RecognizeBenchArgs),
    /// Plate recognition accuracy on labelled real crops and scenes (validation split apart).
    Accuracy(super::bench_recognize::AccuracyBenchArgs),
    /// Reading a passing plate's frames as one read: the read log frame by frame and by pass,
    /// on drive-bys rendered by the project.
    Passes(super::bench_passes::PassesBenchArgs),
    /// How each plate layout (one row, vanity, stacked letters, two rows; plates partly hidden by
    /// a car in the next lane apart) is read on rendered streets, by what the pipeline stores:
    /// exactly, wrongly but flagged unsure, wrongly and sure, nothing though the plate was found,
    /// or not found.
    Layouts(super::bench_layouts::LayoutsBenchArgs),
    /// The alerts the labelled real plates would raise were each on the hot list, among an
    /// NCIC-sized list of others: the right alert (from the reading, an OCR confusion or an
    /// alternative), none, or a wrong one.
    Hits(super::bench_hits::HitsBenchArgs),
}

#[derive(Debug, Args)]
pub struct HotlistBenchArgs {
    /// Entries in the generated list (NCIC-like records).
    #[arg(long, default_value_t = 5_000_000)]
    entries: usize,
    /// Partial plates live alongside.
    #[arg(long, default_value_t = 1_000)]
    wildcards: usize,
    /// Timed lookups of each kind.
    #[arg(long, default_value_t = 20_000)]
    queries: usize,
    /// Lookups of each kind by the linear scan (each one reads every entry).
    #[arg(long, default_value_t = 20)]
    scan_queries: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub async fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    match cmd {
        BenchCommand::Hotlist(args) => tokio::task::spawn_blocking(move || hotlist(&args))
            .await
            .context("running the benchmark")?,
        BenchCommand::Sync(args) => super::bench_sync::run(args).await,
        BenchCommand::Recognize(args) => {
            tokio::task::spawn_blocking(move || super::bench_recognize::run(args))
                .await
                .context("running the benchmark")?
        }
        BenchCommand::Accuracy(args) => {
            tokio::task::spawn_blocking(move || super::bench_recognize::accuracy(args))
                .await
                .context("running the benchmark")?
        }
        BenchCommand::Passes(args) => {
            tokio::task::spawn_blocking(move || super::bench_passes::run(args))
                .await
                .context("running the benchmark")?
        }
        BenchCommand::Layouts(args) => {
            tokio::task::spawn_blocking(move || super::bench_layouts::run(args))
                .await
                .context("running the benchmark")?
        }
        BenchCommand::Hits(args) => {
            tokio::task::spawn_blocking(move || super::bench_hits::run(args))
                .await
                .context("running the benchmark")?
        }
        BenchCommand::Alert(_) => {
            anyhow::bail!("the alert benchmark runs the screen on the main thread: see run_main")
        }
    }
}

/// Resident memory of this process, from /proc (Linux).
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

const LETTERS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ";
const DIGITS: &[u8] = b"0123456789";
const STATES: &[&str] = &["IA", "IL", "MN", "NE", "WI", "MO", "KS", "SD", "CA", "TX"];
const MAKES: &[&str] = &[
    "TOYT", "FORD", "CHEV", "HOND", "NISS", "DODG", "JEEP", "SUBA",
];
const MODELS: &[&str] = &["CAM", "F15", "SIL", "CIV", "ALT", "RAM", "CHE", "OUT"];
const COLORS: &[&str] = &["BLK", "WHI", "SIL", "RED", "BLU", "GRY", "BLK/WHI"];
const REASONS: &[&str] = &[
    "STOLEN VEHICLE",
    "STOLEN PLATE",
    "WANTED PERSON",
    "FELONY VEHICLE",
];

/// Plates in the shapes US states issue (`ABC1234`, `1ABC234`, `AB12345`, `123ABC`).
pub(super) fn plate(rng: &mut ChaCha8Rng, out: &mut String) {
    out.clear();
    let shape: &[&[u8]] = match rng.random_range(0..4) {
        0 => &[LETTERS, LETTERS, LETTERS, DIGITS, DIGITS, DIGITS, DIGITS],
        1 => &[DIGITS, LETTERS, LETTERS, LETTERS, DIGITS, DIGITS, DIGITS],
        2 => &[LETTERS, LETTERS, DIGITS, DIGITS, DIGITS, DIGITS, DIGITS],
        _ => &[DIGITS, DIGITS, DIGITS, LETTERS, LETTERS, LETTERS],
    };
    for set in shape {
        out.push(char::from(set[rng.random_range(0..set.len())]));
    }
}

/// An NCIC-like record, written into `e` (its strings reused).
pub(super) fn record(rng: &mut ChaCha8Rng, e: &mut ListedPlate) {
    plate(rng, &mut e.plate);
    let pick = |rng: &mut ChaCha8Rng, set: &[&str]| set.choose(rng).map(|s| s.to_string());
    e.state = pick(rng, STATES);
    e.plate_type = Some("PC".into());
    e.plate_year = Some(rng.random_range(2024..2029));
    e.make = pick(rng, MAKES);
    e.model = pick(rng, MODELS);
    e.vehicle_year = Some(rng.random_range(2000..2027));
    e.color = pick(rng, COLORS);
    e.reason = pick(rng, REASONS).unwrap_or_default();
    e.priority = Priority::High;
    e.ncic_number = Some(format!("V{:09}", rng.random_range(0..1_000_000_000u32)));
    e.ori = Some(format!("IA{:07}", rng.random_range(0..10_000_000u32)));
    e.oca = Some(format!(
        "{:02}-{:06}",
        rng.random_range(20..27),
        rng.random_range(0..1_000_000)
    ));
}

/// A plate with one character swapped for one OCR confuses it with, if it has one.
fn confused(plate: &str, confusions: &ConfusionTable, rng: &mut ChaCha8Rng) -> Option<String> {
    const SWAPS: &[(u8, u8)] = &[
        (b'0', b'O'),
        (b'O', b'0'),
        (b'D', b'0'),
        (b'1', b'I'),
        (b'I', b'1'),
        (b'L', b'1'),
        (b'2', b'Z'),
        (b'Z', b'2'),
        (b'5', b'S'),
        (b'S', b'5'),
        (b'8', b'B'),
        (b'B', b'8'),
        (b'6', b'G'),
        (b'G', b'6'),
    ];
    let mut bytes = plate.as_bytes().to_vec();
    let spots: Vec<usize> = (0..bytes.len())
        .filter(|&i| SWAPS.iter().any(|(a, _)| *a == bytes[i]))
        .collect();
    let &i = spots.choose(rng)?;
    let to = SWAPS
        .iter()
        .find(|(a, _)| *a == bytes[i])
        .map(|(_, b)| *b)?;
    debug_assert_eq!(confusions.canon(bytes[i]), confusions.canon(to));
    bytes[i] = to;
    String::from_utf8(bytes).ok()
}

/// The value at share `p` (0 to 1) of a sorted slice; NaN when empty.
pub(super) fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Times `f` on every query; p50 and p99 in microseconds.
fn latency(queries: &[String], mut f: impl FnMut(&str)) -> (f64, f64) {
    let mut t: Vec<f64> = queries
        .iter()
        .map(|q| {
            let start = Instant::now();
            f(q);
            start.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (percentile(&t, 0.5), percentile(&t, 0.99))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn hotlist(args: &HotlistBenchArgs) -> anyhow::Result<()> {
    ensure!(args.entries > 0, "--entries must be at least 1");
    let n = args.entries;
    let confusions = ConfusionTable::default();
    let now = Utc::now();
    let now_s = secs(now);

    // The generator alone, timed, so that the load time is the index's own.
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let mut e = ListedPlate::default();
    let started = Instant::now();
    for _ in 0..n {
        record(&mut rng, &mut e);
    }
    let generate_s = started.elapsed().as_secs_f64();

    let sample_every = (n / args.queries.max(1)).max(1);
    let mut sample: Vec<String> = Vec::with_capacity(args.queries);
    let rss_before = resident_bytes();
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let started = Instant::now();
    let mut builder = IndexBuilder::new(confusions.clone());
    builder.reserve(n + args.wildcards);
    let id = new_id();
    for i in 0..n {
        record(&mut rng, &mut e);
        builder
            .push(id, "ncic", &e)
            .map_err(|why| anyhow::anyhow!("generated entry {i}: {why}"))?;
        if i % sample_every == 0 && sample.len() < args.queries {
            sample.push(e.plate.clone());
        }
    }
    // Partial plates made from listed plates (two characters unknown, or the start unknown),
    // and the reads that meet them.
    let mut wild_reads = Vec::new();
    let mut qrng = ChaCha8Rng::seed_from_u64(args.seed ^ 0x5eed);
    for w in 0..args.wildcards {
        let mut p = String::new();
        plate(&mut qrng, &mut p);
        let read = p.clone();
        let pattern = if w % 2 == 0 {
            let mut b = p.into_bytes();
            b[1] = b'?';
            b[4] = b'?';
            String::from_utf8(b).unwrap_or_default()
        } else {
            format!("*{}", &p[p.len() - 4..])
        };
        let bolo = ListedPlate {
            plate: pattern,
            reason: "PARTIAL PLATE, HOMICIDE".into(),
            ..Default::default()
        };
        builder
            .push(new_id(), "agency", &bolo)
            .map_err(|why| anyhow::anyhow!("partial plate {w}: {why}"))?;
        wild_reads.push(read);
    }
    let index: HotlistIndex = builder.finish();
    let build_s = started.elapsed().as_secs_f64();
    let rss_after = resident_bytes();
    let total = n + args.wildcards;

    let confusion_reads: Vec<String> = sample
        .iter()
        .filter_map(|p| confused(p, &confusions, &mut qrng))
        .collect();
    let wild_reads: Vec<String> = (0..args.queries)
        .filter_map(|i| wild_reads.get(i % wild_reads.len().max(1)).cloned())
        .collect();

    let mut out: Vec<Candidate> = Vec::new();
    let mut check = |reads: &[String], kind: MatchKind| -> anyhow::Result<(f64, f64)> {
        let mut missed = 0usize;
        let (p50, p99) = latency(reads, |q| {
            out.clear();
            index.lookup(q, now_s, &mut out);
            if !out.iter().any(|c| c.kind == kind) {
                missed += 1;
            }
        });
        ensure!(
            missed == 0,
            "{missed} {} lookups found nothing",
            kind.as_str()
        );
        Ok((p50, p99))
    };
    let exact = check(&sample, MatchKind::Exact)?;
    let confusion = check(&confusion_reads, MatchKind::Confusion)?;
    let wildcard = check(&wild_reads, MatchKind::Wildcard)?;
    drop(index);

    // Baseline 1: a plain HashMap from plate text to entry numbers (exact matches only).
    let rss_before_map = resident_bytes();
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let started = Instant::now();
    let mut map: HashMap<String, Vec<u32>> = HashMap::with_capacity(n);
    for i in 0..n {
        record(&mut rng, &mut e);
        map.entry(e.plate.clone()).or_default().push(i as u32);
    }
    let map_build_s = started.elapsed().as_secs_f64();
    let map_bytes = resident_bytes().saturating_sub(rss_before_map);
    let map_exact = latency(&sample, |q| {
        std::hint::black_box(map.get(q));
    });
    drop(map);

    // Baseline 2: the plain matcher, every entry tried against each read.
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let plain: Vec<HotlistEntry> = (0..n)
        .map(|_| {
            record(&mut rng, &mut e);
            HotlistEntry {
                id,
                list_id: String::new(),
                listed: ListedPlate {
                    plate: e.plate.clone(),
                    ..Default::default()
                },
            }
        })
        .collect();
    let naive = NaiveMatcher::new(plain, confusions);
    let k = args.scan_queries;
    let scan = |reads: &[String]| {
        let reads: Vec<String> = reads.iter().take(k).cloned().collect();
        latency(&reads, |q| {
            std::hint::black_box(naive.lookup(q, now));
        })
    };
    let scan_exact = scan(&sample);
    let scan_confusion = scan(&confusion_reads);

    let line = json!({
        "bench": "hotlist",
        "entries": n,
        "wildcards": args.wildcards,
        "load_s": round3(build_s - generate_s),
        "generate_s": round3(generate_s),
        "resident_bytes_per_entry": round3(rss_after.saturating_sub(rss_before) as f64 / total as f64),
        "queries_per_kind": sample.len().min(confusion_reads.len()).min(wild_reads.len()),
        "exact_p50_us": round3(exact.0),
        "exact_p99_us": round3(exact.1),
        "confusion_p50_us": round3(confusion.0),
        "confusion_p99_us": round3(confusion.1),
        "wildcard_p50_us": round3(wildcard.0),
        "wildcard_p99_us": round3(wildcard.1),
        "baseline_hashmap": {
            "what": "HashMap<String, Vec<u32>>, exact matches only",
            "load_s": round3(map_build_s - generate_s),
            "resident_bytes_per_entry": round3(map_bytes as f64 / n as f64),
            "exact_p50_us": round3(map_exact.0),
            "exact_p99_us": round3(map_exact.1),
        },
        "baseline_linear_scan": {
            "what": "every entry tried against the read (NaiveMatcher)",
            "queries_per_kind": k,
            "exact_p50_us": round3(scan_exact.0),
            "exact_p99_us": round3(scan_exact.1),
            "confusion_p50_us": round3(scan_confusion.0),
            "confusion_p99_us": round3(scan_confusion.1),
        },
        "exact_p99_speedup_over_linear_scan": round3(scan_exact.1 / exact.1.max(1e-3)),
    });
    println!("{line}");
    Ok(())
}
