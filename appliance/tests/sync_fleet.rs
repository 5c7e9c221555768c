//! Headquarters and a fleet of cars as real processes, syncing over mutual TLS on loopback through
//! links the test controls: dead zones, links that drop mid-batch, then a stable link. Everything
//! converges, nothing flows against its direction, and a revoked car is refused before any data
//! moves.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{Running, Serving, add_member, alpr, alpr_as, wait_exit};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

// ---------------------------------------------------------------------------------------------
// The link between a car and headquarters: a TCP proxy run by the test.

/// What a link does with the bytes it is given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkMode {
    /// A dead zone: every connection is closed at once, those open are cut.
    Down,
    /// Each connection is cut after a random number of bytes (both directions together).
    Flaky,
    /// Bytes flow both ways untouched.
    Stable,
}

/// What a link did.
#[derive(Debug, Clone, Default)]
struct LinkStats {
    /// Connections closed at once in a dead zone.
    refused: u64,
    /// Connections forwarded to headquarters.
    forwarded: u64,
    /// Connections cut by a flaky link.
    cuts: u64,
    /// ... of which bytes had already flowed both ways.
    cuts_both_ways: u64,
    /// ... of which more bytes had flowed than a session that moves nothing takes: data (a batch
    /// of changes or a list) was on the wire.
    cuts_with_data: u64,
    /// The most bytes a cut connection had carried.
    largest_cut: u64,
    /// Connections open when a dead zone began, cut then.
    dead_zone_cuts: u64,
}

/// One forwarded connection.
struct Pipe {
    client: TcpStream,
    server: TcpStream,
    /// Bytes after which a flaky link cuts it.
    budget: u64,
    /// Both directions together, as claimed by the pumps.
    total: AtomicU64,
    up: AtomicU64,
    down: AtomicU64,
    cut: AtomicBool,
}

/// More bytes both ways than a session that moves nothing takes (TLS handshake with the car's
/// certificate, `hello`, `state`, empty pulls and the list heads: measured at about 3.2 kB).
const IDLE_SESSION_BYTES: u64 = 4 * 1024;

impl Pipe {
    fn shut(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.server.shutdown(Shutdown::Both);
    }

    /// Cuts the connection (once), recording why.
    fn cut(&self, shared: &LinkShared, dead_zone: bool) {
        if self.cut.swap(true, Ordering::SeqCst) {
            return;
        }
        self.shut();
        let (up, down) = (
            self.up.load(Ordering::SeqCst),
            self.down.load(Ordering::SeqCst),
        );
        let mut s = shared.stats.lock().expect("stats lock");
        if dead_zone {
            s.dead_zone_cuts += 1;
            return;
        }
        s.cuts += 1;
        if up > 0 && down > 0 {
            s.cuts_both_ways += 1;
        }
        if up > 0 && down > 0 && up + down > IDLE_SESSION_BYTES {
            s.cuts_with_data += 1;
        }
        s.largest_cut = s.largest_cut.max(up + down);
    }
}

struct LinkShared {
    upstream: SocketAddr,
    mode: Mutex<LinkMode>,
    stop: AtomicBool,
    rng: Mutex<ChaCha8Rng>,
    live: Mutex<Vec<Weak<Pipe>>>,
    stats: Mutex<LinkStats>,
}

impl LinkShared {
    fn mode(&self) -> LinkMode {
        *self.mode.lock().expect("mode lock")
    }

    /// Where a flaky link cuts a new connection: a quarter in the handshake or the first small
    /// requests (a session that moves nothing takes about 3.2 kB), half a few batches in (a push
    /// batch of reads is about 5 kB on the wire), a quarter late enough for a session to move a
    /// lot.
    fn budget(&self) -> u64 {
        let mut rng = self.rng.lock().expect("rng lock");
        match rng.random_range(0..4) {
            0 => rng.random_range(300..3_200),
            1 | 2 => rng.random_range(3_200..14_000),
            _ => rng.random_range(14_000..60_000),
        }
    }
}

/// A link between one car and headquarters.
struct Link {
    addr: SocketAddr,
    shared: Arc<LinkShared>,
    acceptor: Option<JoinHandle<()>>,
}

impl Link {
    fn start(upstream: SocketAddr, mode: LinkMode, seed: u64) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("link listens");
        listener.set_nonblocking(true).expect("non-blocking accept");
        let addr = listener.local_addr().expect("link address");
        let shared = Arc::new(LinkShared {
            upstream,
            mode: Mutex::new(mode),
            stop: AtomicBool::new(false),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
            live: Mutex::new(Vec::new()),
            stats: Mutex::new(LinkStats::default()),
        });
        let s = shared.clone();
        let acceptor = std::thread::spawn(move || accept_loop(listener, s));
        Self {
            addr,
            shared,
            acceptor: Some(acceptor),
        }
    }

    fn set(&self, mode: LinkMode) {
        *self.shared.mode.lock().expect("mode lock") = mode;
        if mode == LinkMode::Down {
            let live: Vec<Arc<Pipe>> = self
                .shared
                .live
                .lock()
                .expect("live lock")
                .iter()
                .filter_map(Weak::upgrade)
                .collect();
            for p in live {
                p.cut(&self.shared, true);
            }
        }
    }

    fn stats(&self) -> LinkStats {
        self.shared.stats.lock().expect("stats lock").clone()
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.set(LinkMode::Down);
        if let Some(a) = self.acceptor.take() {
            let _ = a.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<LinkShared>) {
    while !shared.stop.load(Ordering::SeqCst) {
        let client = match listener.accept() {
            Ok((c, _)) => c,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            Err(_) => {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let mode = shared.mode();
        if mode == LinkMode::Down {
            shared.stats.lock().expect("stats lock").refused += 1;
            let _ = client.shutdown(Shutdown::Both);
            continue;
        }
        let Ok(server) = TcpStream::connect_timeout(&shared.upstream, Duration::from_secs(2))
        else {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        };
        let clones = (
            client.set_nonblocking(false),
            client.try_clone(),
            server.try_clone(),
        );
        let (Ok(()), Ok(client_r), Ok(server_r)) = clones else {
            continue;
        };
        let _ = client.set_nodelay(true);
        let _ = server.set_nodelay(true);
        let pipe = Arc::new(Pipe {
            client,
            server,
            budget: shared.budget(),
            total: AtomicU64::new(0),
            up: AtomicU64::new(0),
            down: AtomicU64::new(0),
            cut: AtomicBool::new(false),
        });
        {
            let mut live = shared.live.lock().expect("live lock");
            live.retain(|w| w.strong_count() > 0);
            live.push(Arc::downgrade(&pipe));
        }
        shared.stats.lock().expect("stats lock").forwarded += 1;
        let (p, s) = (pipe.clone(), shared.clone());
        std::thread::spawn(move || pump(client_r, &p.server, &p, &s, true));
        let (p, s) = (pipe, shared.clone());
        std::thread::spawn(move || pump(server_r, &p.client, &p, &s, false));
    }
}

/// Forwards `from` to `to` until either ends, the link goes down, or a flaky link's budget for
/// the connection is spent (then it forwards up to the budget and cuts, mid-record).
fn pump(mut from: TcpStream, mut to: &TcpStream, pipe: &Pipe, shared: &LinkShared, up: bool) {
    let counter = if up { &pipe.up } else { &pipe.down };
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => n,
        };
        if pipe.cut.load(Ordering::SeqCst) {
            return;
        }
        match shared.mode() {
            LinkMode::Down => {
                pipe.cut(shared, true);
                return;
            }
            LinkMode::Flaky => {
                let before = pipe.total.fetch_add(n as u64, Ordering::SeqCst);
                if before + n as u64 > pipe.budget {
                    let allowed = pipe.budget.saturating_sub(before) as usize;
                    if to.write_all(&buf[..allowed]).is_ok() {
                        counter.fetch_add(allowed as u64, Ordering::SeqCst);
                    }
                    pipe.cut(shared, false);
                    return;
                }
            }
            LinkMode::Stable => {
                pipe.total.fetch_add(n as u64, Ordering::SeqCst);
            }
        }
        if to.write_all(&buf[..n]).is_err() {
            pipe.shut();
            return;
        }
        counter.fetch_add(n as u64, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------------------------------------
// Looking into stores and processes.

/// A connection to the store in `dir`, for queries only (also while its owner runs: WAL).
fn db(dir: &Path) -> Result<rusqlite::Connection, String> {
    let path = dir.join(alpr_appliance::store::DB_FILE);
    let conn = rusqlite::Connection::open_with_flags(
        &path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("opening {}: {e}", path.display()))?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(|e| e.to_string())?;
    Ok(conn)
}

/// What a store holds that the test checks.
#[derive(Debug, Default)]
struct Snapshot {
    /// Read id to the car that made it.
    reads: BTreeMap<Vec<u8>, String>,
    hits: BTreeSet<Vec<u8>>,
    users: BTreeSet<String>,
    /// Agency entries (and any other `hotlist_entries` rows) with an approver.
    approved_entries: BTreeSet<Vec<u8>>,
}

fn snapshot(dir: &Path) -> Result<Snapshot, String> {
    let conn = db(dir)?;
    let query = |sql: &str| -> Result<Vec<(Vec<u8>, String)>, String> {
        let mut stmt = conn.prepare(sql).map_err(|e| format!("{sql}: {e}"))?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| format!("{sql}: {e}"))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| format!("{sql}: {e}"))
    };
    Ok(Snapshot {
        reads: query("SELECT id, car_id FROM reads")?.into_iter().collect(),
        hits: query("SELECT id, '' FROM hits")?
            .into_iter()
            .map(|(id, _)| id)
            .collect(),
        users: query("SELECT CAST(id AS BLOB), '' FROM users")?
            .into_iter()
            .map(|(id, _)| String::from_utf8_lossy(&id).into_owned())
            .collect(),
        approved_entries: query(
            "SELECT id, approved_by FROM hotlist_entries WHERE approved_by IS NOT NULL",
        )?
        .into_iter()
        .map(|(id, _)| id)
        .collect(),
    })
}

/// The car's `status.json` (Null until it has written one).
fn status(dir: &Path) -> serde_json::Value {
    std::fs::read_to_string(dir.join("status.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// Polls `probe` (what is still missing) until it returns nothing or `limit` passes; returns what
/// was still missing then.
fn wait_until(limit: Duration, mut probe: impl FnMut() -> Vec<String>) -> Vec<String> {
    let deadline = Instant::now() + limit;
    loop {
        let missing = probe();
        if missing.is_empty() || Instant::now() >= deadline {
            return missing;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Runs `cmd`, expecting success; its standard output.
fn ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("alpr runs");
    assert!(
        out.status.success(),
        "{:?} failed: {}\n{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `alpr hotlist ls --json` in the store in `dir`: each list by id.
fn hotlists(dir: &Path) -> BTreeMap<String, serde_json::Value> {
    ok(alpr_as(dir, "admin").args(["hotlist", "ls", "--json"]))
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| Some((v["id"].as_str()?.to_string(), v)))
        .collect()
}

/// `alpr hotlist match PLATE --json` in the store in `dir`: the ids of the lists matched.
fn matched_lists(dir: &Path, plate: &str) -> Vec<String> {
    ok(alpr_as(dir, "admin").args(["hotlist", "match", plate, "--json"]))
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| Some(v["list"].as_str()?.to_string()))
        .collect()
}

/// Writes `plates` as one smart camera's feed, captured a second apart ending now, and sends it
/// to the appliance at `addr`.
fn send_reads(dir: &Path, name: &str, addr: &str, plates: &[String]) {
    let feed = dir.join(format!("{name}.jsonl"));
    let start = chrono::Utc::now() - chrono::Duration::seconds(plates.len() as i64);
    let mut text = String::new();
    for (i, plate) in plates.iter().enumerate() {
        let at = (start + chrono::Duration::seconds(i as i64)).to_rfc3339();
        text.push_str(&format!(
            "{{\"camera\":\"front\",\"plate\":\"{plate}\",\"confidence\":0.9,\"time\":\"{at}\"}}\n"
        ));
    }
    std::fs::write(&feed, text).expect("feed written");
    ok(alpr()
        .args(["camera", "send", "--speed", "0", "--to", addr])
        .arg(&feed));
}

/// How many reads of each car the store in `dir` holds.
fn reads_by_car(dir: &Path) -> BTreeMap<String, usize> {
    let Ok(conn) = db(dir) else {
        return BTreeMap::new();
    };
    let Ok(mut stmt) = conn.prepare("SELECT car_id, count(*) FROM reads GROUP BY car_id") else {
        return BTreeMap::new();
    };
    stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as usize)))
        .and_then(|rows| rows.collect())
        .unwrap_or_default()
}

fn count_reads(dir: &Path) -> Result<usize, String> {
    db(dir)?
        .query_row("SELECT count(*) FROM reads", [], |r| r.get::<_, i64>(0))
        .map(|n| n as usize)
        .map_err(|e| e.to_string())
}

/// The last lines of a log file, for failure messages.
fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn log_file(path: &Path) -> Stdio {
    Stdio::from(std::fs::File::create(path).expect("log file"))
}

/// Headquarters: its PKI, an agency CA and server certificate for `localhost`.
fn hq_init(pki: &Path) {
    ok(alpr()
        .args(["hq", "init", "--agency", "Test County Sheriff"])
        .args(["--hostname", "localhost", "--pki"])
        .arg(pki));
}

fn enroll(pki: &Path, car: &str, out: &Path) {
    ok(alpr()
        .args(["hq", "enroll", car, "--pki"])
        .arg(pki)
        .arg("--out")
        .arg(out));
}

fn serve(hq: &Path, pki: &Path, log: &Path) -> Serving {
    Serving::start(
        alpr()
            .args(["hq", "serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(hq)
            .arg("--pki")
            .arg(pki)
            .stderr(log_file(log)),
    )
}

fn start_car(car: &str, data: &Path, hq: &str, tls: &Path, log: &Path) -> Running {
    Running::start(
        alpr()
            .args(["run", "--car-id", car, "--camera-listen", "127.0.0.1:0"])
            .args(["--hotlist-check-secs", "1", "--sync-interval-s", "1"])
            .args(["--hq", hq, "--hq-name", "localhost", "--tls-dir"])
            .arg(tls)
            .arg("--data-dir")
            .arg(data)
            .stderr(log_file(log)),
    )
}

/// Creates a car's store under its own car id, with its first administrator.
fn car_store(data: &Path, car: &str) {
    alpr_appliance::store::Store::open(data, car)
        .expect("car store")
        .close()
        .expect("close");
    add_member(data, "admin", "administrator");
}

/// Stops `child` with SIGTERM; a failure when it does not exit cleanly in time.
fn stop(name: &str, child: &mut std::process::Child, log: &Path, failures: &mut Vec<String>) {
    common::sigterm(child);
    match wait_exit(child, Duration::from_secs(20)) {
        Ok(s) if s.success() => {}
        Ok(s) => failures.push(format!("{name} exited {s}: {}", tail(log, 5))),
        Err(e) => failures.push(format!("{name} did not stop on SIGTERM: {e}")),
    }
}

// ---------------------------------------------------------------------------------------------
// The fleet.

/// The seed of the links' cut points; `ALPR_FLAKY_SEED` replays another run.
fn seed() -> u64 {
    std::env::var("ALPR_FLAKY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_2026)
}

const CARS: usize = 3;
const HQ_LIST: usize = 300;
const OFFLINE_READS: usize = 300;
/// Of each car's offline reads, this many are on headquarters' list (the car does not have it yet).
const OFFLINE_LISTED: usize = 30;
const LATER_READS: usize = 40;
/// Of each car's reads once the lists arrived, this many are on headquarters' list.
const LATER_LISTED: usize = 10;

fn listed_plate(i: usize) -> String {
    format!("HL{i:04}")
}

/// Car `n`'s (1-based) plates of a wave: its own plain plates, with some of headquarters' list
/// among them (a range of its own per car).
fn wave(n: usize, wave: usize, count: usize, listed: usize, listed_from: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            if i % (count / listed) == 0 {
                listed_plate((n - 1) * 100 + listed_from + i / (count / listed))
            } else {
                format!("TR{n}{wave}{i:03}")
            }
        })
        .collect()
}

struct Car {
    n: usize,
    id: String,
    data: PathBuf,
    log: PathBuf,
    link: Link,
    run: Running,
    /// Reads sent to it, all acknowledged by being counted in its store.
    sent: usize,
    /// Hits it must have made.
    hits_expected: usize,
}

#[test]
fn every_side_converges_through_links_that_drop_mid_batch() {
    let started = Instant::now();
    let phase = |what: &str| eprintln!("[{:>5.1}s] {what}", started.elapsed().as_secs_f64());
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let (pki, hq) = (root.join("pki"), root.join("hq"));
    let seed = seed();
    eprintln!("link seed {seed} (ALPR_FLAKY_SEED replays another)");
    let mut failures: Vec<String> = Vec::new();

    // Headquarters: its members and a state hot list of a few hundred plates.
    hq_init(&pki);
    add_member(&hq, "admin", "administrator");
    add_member(&hq, "hq.analyst", "operator");
    let list = root.join("state.csv");
    let mut csv = String::from("plate,state,reason\n");
    for i in 0..HQ_LIST {
        csv.push_str(&format!("{},IA,stolen vehicle\n", listed_plate(i)));
    }
    std::fs::write(&list, csv).expect("list");
    ok(alpr_as(&hq, "admin")
        .args(["hotlist", "import", "--list", "state", "--format", "csv"])
        .arg(&list));
    let hq_log = root.join("hq.log");
    let mut server = serve(&hq, &pki, &hq_log);
    let upstream: SocketAddr = server.addr.parse().expect("HQ address");

    // Cars, each with members of its own; car 3 also loads a general list of its own.
    let car_only_members = ["c1.ofc", "c2.ofc", "c2.sgt", "c3.ofc"];
    let mut car3_list_made = false;
    let mut cars: Vec<Car> = Vec::new();
    for n in 1..=CARS {
        let id = format!("CAR-{n}");
        let data = root.join(format!("car{n}"));
        let tls = root.join(format!("car{n}-tls"));
        enroll(&pki, &id, &tls);
        car_store(&data, &id);
        add_member(&data, &format!("c{n}.ofc"), "operator");
        if n == 2 {
            add_member(&data, "c2.sgt", "administrator");
        }
        if n == 3 {
            let local = root.join("car3-local.csv");
            std::fs::write(
                &local,
                "plate,state,reason\nLOC001,IA,local\nLOC002,IA,local\n",
            )
            .expect("car 3 list");
            let out = alpr_as(&data, "admin")
                .args([
                    "hotlist",
                    "import",
                    "--list",
                    "car3-local",
                    "--format",
                    "csv",
                ])
                .arg(&local)
                .output()
                .expect("alpr runs");
            car3_list_made = out.status.success();
            eprintln!(
                "car 3's own general list: {}",
                if car3_list_made {
                    "imported".to_string()
                } else {
                    format!("refused: {}", String::from_utf8_lossy(&out.stderr).trim())
                }
            );
        }
        let link = Link::start(upstream, LinkMode::Down, seed ^ n as u64);
        let log = root.join(format!("car{n}.log"));
        let run = start_car(&id, &data, &link.addr.to_string(), &tls, &log);
        cars.push(Car {
            n,
            id,
            data,
            log,
            link,
            run,
            sent: 0,
            hits_expected: 0,
        });
    }
    phase("headquarters and three cars running, links down");

    // 1. Offline: a few hundred reads in each car, some on headquarters' list.
    for car in &mut cars {
        let mut plates = wave(car.n, 1, OFFLINE_READS, OFFLINE_LISTED, 0);
        if car.n == 2 {
            plates.extend(["KXT482".to_string(), "KXA489".to_string()]);
        }
        send_reads(
            root,
            &format!("car{}-offline", car.n),
            &car.run.camera_addr,
            &plates,
        );
        car.sent += plates.len();
    }
    let missing = wait_until(Duration::from_secs(30), || {
        cars.iter()
            .filter_map(|c| match count_reads(&c.data) {
                Ok(n) if n == c.sent => None,
                other => Some(format!("{} stored {other:?} of {} reads", c.id, c.sent)),
            })
            .collect()
    });
    assert!(missing.is_empty(), "offline reads not stored: {missing:?}");
    phase("offline reads stored");

    // 2. In car 2, an operator enters a BOLO and an administrator of car 2 approves it; the
    // look-back finds car 2's two reads of it.
    let car2 = &cars[1];
    let bolo = ok(alpr_as(&car2.data, "c2.ofc").args([
        "hotlist",
        "enter",
        "--plate",
        "KX?48*",
        "--reason",
        "ARMED ROBBERY",
        "--case",
        "26-77",
        "--synopsis",
        "bank robbery, grey sedan",
        "--requested-by",
        "Det. Cho",
        "--expires",
        "2099-01-01",
        "--priority",
        "critical",
    ]));
    let bolo_id = uuid::Uuid::parse_str(bolo.trim()).expect("the entry's id");
    let approved = ok(alpr_as(&car2.data, "c2.sgt").args(["hotlist", "approve", bolo.trim()]));
    assert!(approved.contains(": 2 found"), "{approved}");
    cars[1].hits_expected += 2;
    let hq_reads_offline = snapshot(&hq).map(|s| s.reads.len());
    if hq_reads_offline != Ok(0) {
        failures.push(format!(
            "headquarters had {hq_reads_offline:?} reads while every link was down"
        ));
    }
    phase("BOLO entered and approved in car 2");

    // 3. The links come back flaky: cut at random points. Cars need headquarters' list and car 2's
    // BOLO before the second wave of reads means anything, but the link stays flaky a while
    // longer whatever happens.
    for car in &cars {
        car.link.set(LinkMode::Flaky);
    }
    let flaky_from = Instant::now();
    let mut stable_from = None;
    let lists_loaded = |cars: &[Car]| -> Vec<String> {
        cars.iter()
            .filter_map(|c| {
                let entries = status(&c.data)["hotlist_entries"].as_u64().unwrap_or(0);
                // Headquarters' list and car 2's BOLO, and car 3's own list in car 3.
                let own = if c.n == 3 && car3_list_made { 2 } else { 0 };
                let want = (HQ_LIST + 1 + own) as u64;
                (entries < want).then(|| {
                    format!(
                        "{} matches against {entries} hot-list entries, not {want} (headquarters' \
                         {HQ_LIST}, car 2's BOLO and its own {own})",
                        c.id
                    )
                })
            })
            .collect()
    };
    // Meanwhile, note which cars headquarters holds part of the offline reads of: a transfer
    // split across sessions.
    let mut partial: BTreeSet<String> = BTreeSet::new();
    let offline: BTreeMap<String, usize> = cars.iter().map(|c| (c.id.clone(), c.sent)).collect();
    let not_loaded = wait_until(Duration::from_secs(15), || {
        for (car, n) in reads_by_car(&hq) {
            if n > 0 && offline.get(&car).is_some_and(|all| n < *all) {
                partial.insert(car);
            }
        }
        lists_loaded(&cars)
    });
    if flaky_from.elapsed() < Duration::from_secs(6) {
        std::thread::sleep(Duration::from_secs(6) - flaky_from.elapsed());
    }
    if not_loaded.is_empty() {
        phase("lists loaded in every car over flaky links");
    } else {
        // A car pushes its whole backlog before it pulls anything: over a link this bad, lists
        // may wait for the backlog. The links go stable early; the lists must arrive then.
        phase(&format!(
            "lists not loaded over flaky links yet ({not_loaded:?}); links stable early"
        ));
        for car in &cars {
            car.link.set(LinkMode::Stable);
        }
        stable_from = Some(Instant::now());
        let not_loaded = wait_until(Duration::from_secs(20), || lists_loaded(&cars));
        if !not_loaded.is_empty() {
            failures.push(format!(
                "20 s after the links became stable the cars' hot lists were incomplete: \
                 {not_loaded:?}"
            ));
        }
    }
    // A second wave, while the links are still flaky (unless they went stable early): hits from
    // headquarters' list in every car, and from car 2's BOLO in cars 1 and 3.
    for car in &mut cars {
        let mut plates = wave(car.n, 2, LATER_READS, LATER_LISTED, 50);
        car.hits_expected += LATER_LISTED;
        if car.n != 2 {
            plates.extend([format!("KX{}483", car.n), format!("KX{}484", car.n)]);
            car.hits_expected += 2;
        }
        send_reads(
            root,
            &format!("car{}-later", car.n),
            &car.run.camera_addr,
            &plates,
        );
        car.sent += plates.len();
    }
    std::thread::sleep(Duration::from_secs(4));
    for car in &cars {
        car.link.set(LinkMode::Stable);
    }
    let stable_from = stable_from.unwrap_or_else(Instant::now);
    phase("links stable");

    // 4. Wait for convergence, bounded.
    let converged = |cars: &[Car]| -> Vec<String> {
        let mut missing = Vec::new();
        let hq_snap = match snapshot(&hq) {
            Ok(s) => s,
            Err(e) => return vec![format!("headquarters' store: {e}")],
        };
        for c in cars {
            let s = match snapshot(&c.data) {
                Ok(s) => s,
                Err(e) => {
                    missing.push(format!("{}'s store: {e}", c.id));
                    continue;
                }
            };
            if s.reads.len() != c.sent {
                missing.push(format!(
                    "{} stored {} of {} reads",
                    c.id,
                    s.reads.len(),
                    c.sent
                ));
            }
            let at_hq = s.reads.keys().filter(|id| hq_snap.reads.contains_key(*id));
            let at_hq = at_hq.count();
            if at_hq != s.reads.len() {
                missing.push(format!(
                    "headquarters holds {at_hq} of {}'s {} reads",
                    c.id,
                    s.reads.len()
                ));
            }
            if s.hits.len() < c.hits_expected {
                missing.push(format!(
                    "{} made {} of {} hits",
                    c.id,
                    s.hits.len(),
                    c.hits_expected
                ));
            }
            let hits_at_hq = s.hits.iter().filter(|h| hq_snap.hits.contains(*h)).count();
            if hits_at_hq != s.hits.len() {
                missing.push(format!(
                    "headquarters holds {hits_at_hq} of {}'s {} hits",
                    c.id,
                    s.hits.len()
                ));
            }
            if !s.users.contains("hq.analyst") {
                missing.push(format!("{} lacks headquarters' member hq.analyst", c.id));
            }
            if !s.approved_entries.contains(bolo_id.as_bytes().as_slice()) {
                missing.push(format!("{} lacks car 2's approved BOLO", c.id));
            }
            let sync = &status(&c.data)["sync"];
            if sync["last_success"].is_null() || !sync["last_error"].is_null() {
                missing.push(format!("{}'s last sync did not succeed: {sync}", c.id));
            }
        }
        missing.extend(lists_loaded(cars));
        missing
    };
    let missing = wait_until(Duration::from_secs(40), || converged(&cars));
    phase(&format!(
        "converged {:.1}s after the links became stable{}",
        stable_from.elapsed().as_secs_f64(),
        if missing.is_empty() {
            String::new()
        } else {
            format!(" -- NOT: {missing:?}")
        }
    ));
    if !missing.is_empty() {
        failures.push(format!(
            "40 s after the links became stable, still missing: {missing:?}"
        ));
    }

    // Stop everything gracefully: the cars, then headquarters.
    for car in &mut cars {
        let (id, log) = (car.id.clone(), car.log.clone());
        stop(&id, &mut car.run.child, &log, &mut failures);
    }
    stop("headquarters", &mut server.child, &hq_log, &mut failures);
    phase("all stopped");

    // The checks, on the stopped stores.
    let hq_snap = snapshot(&hq).expect("headquarters' store");
    let mut all_reads: BTreeMap<Vec<u8>, String> = BTreeMap::new();
    let mut all_hits: BTreeSet<Vec<u8>> = BTreeSet::new();
    for c in &cars {
        let s = snapshot(&c.data).expect("car store");
        // No car holds another car's reads.
        let foreign: Vec<&String> = s.reads.values().filter(|car| **car != c.id).collect();
        if !foreign.is_empty() || s.reads.len() != c.sent {
            failures.push(format!(
                "{} holds {} reads (sent {}), {} of them made by other cars",
                c.id,
                s.reads.len(),
                c.sent,
                foreign.len()
            ));
        }
        if s.hits.len() != c.hits_expected {
            failures.push(format!(
                "{} made {} hits, expected {}",
                c.id,
                s.hits.len(),
                c.hits_expected
            ));
        }
        if !s.users.contains("hq.analyst") {
            failures.push(format!("{} lacks headquarters' member hq.analyst", c.id));
        }
        if !s.approved_entries.contains(bolo_id.as_bytes().as_slice()) {
            failures.push(format!("{} lacks car 2's approved BOLO {bolo_id}", c.id));
        }
        all_hits.extend(s.hits);
        all_reads.extend(s.reads);
    }
    // Headquarters holds every read of every car exactly once, under the car that made it.
    if hq_snap.reads != all_reads {
        let missing = all_reads
            .keys()
            .filter(|id| !hq_snap.reads.contains_key(*id))
            .count();
        let extra = hq_snap
            .reads
            .keys()
            .filter(|id| !all_reads.contains_key(*id))
            .count();
        let wrong_car = all_reads
            .iter()
            .filter(|(id, car)| hq_snap.reads.get(*id).is_some_and(|c| c != *car))
            .count();
        failures.push(format!(
            "headquarters holds {} reads, the cars {}: {missing} missing, {extra} unknown, \
             {wrong_car} under another car",
            hq_snap.reads.len(),
            all_reads.len()
        ));
    }
    let sent: usize = cars.iter().map(|c| c.sent).sum();
    if hq_snap.reads.len() != sent {
        failures.push(format!(
            "headquarters holds {} reads; the cars were sent {sent}",
            hq_snap.reads.len()
        ));
    }
    // Headquarters holds the cars' hits (and makes none of its own).
    if all_hits != hq_snap.hits {
        failures.push(format!(
            "headquarters holds {} of the cars' {} hits, and {} others",
            all_hits.intersection(&hq_snap.hits).count(),
            all_hits.len(),
            hq_snap.hits.difference(&all_hits).count()
        ));
    }
    // Members made in a car stay in that car.
    let leaked: Vec<&&str> = car_only_members
        .iter()
        .filter(|m| hq_snap.users.contains(**m))
        .collect();
    if !leaked.is_empty() {
        failures.push(format!(
            "members made in cars reached headquarters: {leaked:?}"
        ));
    }
    for c in &cars {
        let s = snapshot(&c.data).expect("car store");
        let others: Vec<&&str> = car_only_members
            .iter()
            .filter(|m| !m.starts_with(&format!("c{}.", c.n)) && s.users.contains(**m))
            .collect();
        if !others.is_empty() {
            failures.push(format!("{} holds other cars' members {others:?}", c.id));
        }
    }
    // Every car holds headquarters' hot list, and car 2's BOLO matches in cars 1 and 3.
    let hq_lists = hotlists(&hq);
    let hq_state = hq_lists.get("state").cloned().unwrap_or_default();
    for c in &cars {
        let lists = hotlists(&c.data);
        let state = lists.get("state").cloned().unwrap_or_default();
        let same = ["version", "entries", "source_sha256"]
            .iter()
            .all(|k| state[*k] == hq_state[*k]);
        if !same || hq_state["entries"] != HQ_LIST {
            failures.push(format!(
                "{}'s state list is {state} where headquarters' is {hq_state}",
                c.id
            ));
        }
        let plate = listed_plate((c.n - 1) * 100 + 99);
        let on = matched_lists(&c.data, &plate);
        if on != ["state"] {
            failures.push(format!(
                "{} matches {plate} on {on:?}, not the state list",
                c.id
            ));
        }
        if c.n != 2 {
            let on = matched_lists(&c.data, "KXT482");
            if on != ["bolo"] {
                failures.push(format!(
                    "{} matches KXT482 on {on:?}, not car 2's BOLO",
                    c.id
                ));
            }
        }
        // A general list a car made itself stays in that car.
        if car3_list_made && c.n != 3 && lists.contains_key("car3-local") {
            failures.push(format!("{} holds car 3's own general list", c.id));
        }
    }
    if car3_list_made && hq_lists.contains_key("car3-local") {
        failures.push(format!(
            "car 3's own general list reached headquarters: {}",
            hq_lists["car3-local"]
        ));
    }
    if !hq_lists
        .get("bolo")
        .is_some_and(|b| b["kind"] == "agency" && b["entries"] == 1)
    {
        failures.push(format!(
            "headquarters' agency list: {:?}",
            hq_lists.get("bolo")
        ));
    }

    // The links really cut connections mid-transfer, so resumption was exercised: connections cut
    // with bytes already through both ways, some of them while data was on the wire, and
    // headquarters seen holding part of a car's offline reads.
    let stats: Vec<LinkStats> = cars.iter().map(|c| c.link.stats()).collect();
    for (c, s) in cars.iter().zip(&stats) {
        eprintln!("{} link: {s:?}", c.id);
        if s.refused == 0 {
            failures.push(format!(
                "{} never tried headquarters in the dead zone",
                c.id
            ));
        }
    }
    let both_ways: u64 = stats.iter().map(|s| s.cuts_both_ways).sum();
    let with_data: u64 = stats.iter().map(|s| s.cuts_with_data).sum();
    eprintln!(
        "cuts with bytes both ways: {both_ways}; with data on the wire: {with_data}; \
         headquarters seen holding part of the offline reads of {partial:?}"
    );
    if both_ways < 5 || with_data < 2 {
        failures.push(format!(
            "the links cut {both_ways} connections with bytes through both ways, {with_data} with \
             data on the wire: too few to say resumption was exercised"
        ));
    }
    phase("checked");

    if !failures.is_empty() {
        let logs: Vec<String> = std::iter::once(("headquarters".to_string(), hq_log.clone()))
            .chain(cars.iter().map(|c| (c.id.clone(), c.log.clone())))
            .map(|(who, log)| format!("--- {who}:\n{}", tail(&log, 4)))
            .collect();
        panic!(
            "{} failures:\n- {}\nlast log lines:\n{}",
            failures.len(),
            failures.join("\n- "),
            logs.join("\n")
        );
    }
}

#[test]
fn a_revoked_car_is_refused_before_any_data_moves() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let (pki, hq, car, tls) = (
        root.join("pki"),
        root.join("hq"),
        root.join("car"),
        root.join("car-tls"),
    );
    hq_init(&pki);
    enroll(&pki, "CAR-9", &tls);
    alpr_appliance::store::Store::open(&car, "CAR-9")
        .expect("car store")
        .close()
        .expect("close");
    let (hq_log, car_log) = (root.join("hq.log"), root.join("car.log"));
    let mut server = serve(&hq, &pki, &hq_log);
    let mut run = start_car("CAR-9", &car, &server.addr, &tls, &car_log);
    let hq_reads = || count_reads(&hq).unwrap_or(usize::MAX);
    let plates =
        |from: usize| -> Vec<String> { (from..from + 20).map(|i| format!("RV{i:04}")).collect() };

    // Enrolled: a sync carries its reads.
    send_reads(root, "first", &run.camera_addr, &plates(0));
    let missing = wait_until(Duration::from_secs(20), || {
        let n = hq_reads();
        (n != 20)
            .then(|| format!("headquarters holds {n} of 20 reads"))
            .into_iter()
            .collect()
    });
    assert!(missing.is_empty(), "{missing:?}: {}", tail(&car_log, 5));

    // Revoked: refused from its next connection (headquarters rereads the register every second).
    let revoked_at = chrono::Utc::now();
    ok(alpr().args(["hq", "revoke", "CAR-9", "--pki"]).arg(&pki));
    let refused = |after: chrono::DateTime<chrono::Utc>| {
        let s = status(&car);
        let attempt = s["sync"]["last_attempt"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
        let error = s["sync"]["last_error"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (attempt.is_some_and(|t| t > after) && error.contains("Revoked"))
            .then_some(error)
            .ok_or_else(|| format!("car's sync status: {}", s["sync"]))
    };
    let mut seen = String::new();
    let missing = wait_until(Duration::from_secs(15), || match refused(revoked_at) {
        Ok(e) => {
            seen = e;
            Vec::new()
        }
        Err(e) => vec![e],
    });
    assert!(
        missing.is_empty(),
        "not refused after revocation: {missing:?}"
    );
    eprintln!("refused: {seen}");
    let contact = || {
        let out = ok(alpr()
            .args(["hq", "status", "--json", "--data-dir"])
            .arg(&hq));
        let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one car");
        v["last_contact"].clone()
    };
    let contact_before = contact();

    // New reads in the car stay there: every session is refused before a request is answered.
    send_reads(root, "second", &run.camera_addr, &plates(100));
    let missing = wait_until(Duration::from_secs(20), || {
        let n = count_reads(&car).unwrap_or(0);
        (n != 40)
            .then(|| format!("car stored {n} of 40 reads"))
            .into_iter()
            .collect()
    });
    assert!(missing.is_empty(), "{missing:?}");
    let stored_at = chrono::Utc::now();
    let missing = wait_until(Duration::from_secs(15), || {
        refused(stored_at + chrono::Duration::seconds(2))
            .err()
            .into_iter()
            .collect()
    });
    assert!(missing.is_empty(), "the car stopped trying: {missing:?}");
    assert_eq!(
        hq_reads(),
        20,
        "reads reached headquarters after revocation"
    );
    assert_eq!(
        contact(),
        contact_before,
        "a revoked car's hello reached headquarters"
    );

    let mut failures = Vec::new();
    stop("CAR-9", &mut run.child, &car_log, &mut failures);
    stop("headquarters", &mut server.child, &hq_log, &mut failures);
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(hq_reads(), 20);
    assert_eq!(count_reads(&car), Ok(40));
}
