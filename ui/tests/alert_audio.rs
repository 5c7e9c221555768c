//! The alert tones through the real playback path (rodio, cpal, ALSA), captured by ALSA's
//! `file` plugin and measured here.
//!
//! ALSA reads its configuration once per process, so each test re-runs this binary as a child
//! (`--exact <test>`) with its own `HOME` holding the `.asoundrc` under test; the parent then
//! analyses what the child played.
//!
//! The capture goes into a FIFO rather than a file: the `file` plugin's slave is the `null`
//! device, which takes samples as fast as they come, so into a plain file rodio's silence
//! between tones would run at CPU speed (tens of MB a second) and there would be no timeline.
//! The parent reads the FIFO at the stream's real rate, and that paces the child's output as a
//! sound card would.
//!
//! The capture is S16_LE, 2 channels, 48 kHz, raw: 48 kHz and stereo are what cpal asks the
//! `plug` for by default (its preferred standard rate), so ALSA only converts the sample format
//! and what we measure is exactly what rodio produced, resampled from the tones' 22 050 Hz as it
//! would be for a car's codec (which runs at 48 kHz). Forcing S16 matters: left to itself the
//! plug would pass the float stream through and the bytes would not mean what we read them as.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use alpr_ui::alert_tones::AlertLevel;
use alpr_ui::audio::{AlertSpeaker, PlayError};

/// Set in the child: the name of the test it plays for.
const CHILD: &str = "ALERT_AUDIO_CHILD";
/// Lines the child prints for the parent start with this.
const REPORT: &str = "alert-audio:";

const RATE: u32 = 48_000;
const CHANNELS: usize = 2;
const LEVELS: [AlertLevel; 4] = [
    AlertLevel::Low,
    AlertLevel::Normal,
    AlertLevel::High,
    AlertLevel::Critical,
];
/// Silence the child leaves between two levels: longer than any gap inside a pattern, so the
/// parent can tell the patterns apart.
const BETWEEN_LEVELS: Duration = Duration::from_millis(400);

// ---------------------------------------------------------------------------------------------
// Test 1: every level's beeps, at the right pitch, length and spacing.

#[test]
fn each_level_plays_its_pattern_through_the_real_output() {
    const NAME: &str = "each_level_plays_its_pattern_through_the_real_output";
    if is_child(NAME) {
        let speaker = AlertSpeaker::open();
        let status = speaker.status();
        assert!(status.is_available(), "{status:?}");
        println!("{REPORT} status {}", status.describe());
        for level in LEVELS {
            speaker
                .play_once_blocking(level, Duration::from_secs(5))
                .unwrap_or_else(|e| panic!("{level:?}: {e}"));
            std::thread::sleep(BETWEEN_LEVELS);
        }
        drop(speaker);
        return;
    }

    let run = Run::capture(NAME);
    let left = run.left_channel();
    let beeps = beeps(&left);
    let soundings = group(&beeps, 250.0);
    println!(
        "captured {:.3} s; status line: {}",
        run.seconds(),
        run.report("status")
    );
    assert_eq!(
        soundings.len(),
        LEVELS.len(),
        "one sounding per level, found: {beeps:#?}"
    );
    for (level, heard) in LEVELS.iter().zip(&soundings) {
        let pattern = level.pattern();
        println!("{level:?}:");
        for b in heard.iter() {
            println!(
                "  {:8.1} Hz  {:6.1} ms  (at {:8.1} ms)",
                b.hz,
                b.end - b.start,
                b.start
            );
        }
        assert_eq!(heard.len(), pattern.len(), "{level:?}: beeps {heard:#?}");
        for (i, (want, got)) in pattern.iter().zip(heard.iter()).enumerate() {
            let hz = f64::from(want.hz);
            assert!(
                (got.hz - hz).abs() <= hz * 0.02,
                "{level:?} beep {i}: {:.1} Hz, want {hz} Hz",
                got.hz
            );
            let ms = got.end - got.start;
            assert!(
                (ms - f64::from(want.ms)).abs() <= 10.0,
                "{level:?} beep {i}: {ms:.1} ms, want {} ms",
                want.ms
            );
            if let Some(next) = heard.get(i + 1) {
                let gap = next.start - got.end;
                assert!(
                    (gap - f64::from(want.gap_ms)).abs() <= 10.0,
                    "{level:?} gap after beep {i}: {gap:.1} ms, want {} ms",
                    want.gap_ms
                );
                println!("    gap {gap:6.1} ms (want {})", want.gap_ms);
            }
        }
    }
    // Mono tones go to both speakers alike.
    let right: Vec<i16> = run
        .samples
        .iter()
        .skip(1)
        .step_by(CHANNELS)
        .copied()
        .collect();
    let differ = left
        .iter()
        .zip(&right)
        .filter(|(l, r)| (i32::from(**l) - i32::from(**r)).abs() > 1)
        .count();
    assert_eq!(differ, 0, "left and right differ in {differ} samples");

    sox_cross_check(&run, &soundings[0][0]);
}

/// Has sox measure the whole capture and the Low beep, and compares with ours.
fn sox_cross_check(run: &Run, low: &Beep) {
    let sox = |trim: &[String]| {
        Command::new("sox")
            .args([
                "-t",
                "raw",
                "-r",
                &RATE.to_string(),
                "-e",
                "signed",
                "-b",
                "16",
            ])
            .args(["-c", &CHANNELS.to_string()])
            .arg(&run.raw)
            // The left channel alone: sox's rough frequency of interleaved stereo is off by √2.
            .args(["-n", "remix", "1", "trim"])
            .args(trim)
            .arg("stat")
            .output()
    };
    let whole = match sox(&["0".into()]) {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println!("sox is not on PATH: the sox cross-check is skipped");
            return;
        }
        Err(e) => panic!("running sox: {e}"),
    };
    let whole = String::from_utf8_lossy(&whole.stderr).into_owned();
    println!("sox stat, whole capture:\n{whole}");
    let length = sox_figure(&whole, "Length (seconds)");
    assert!(
        (length - run.seconds()).abs() < 0.001,
        "sox says {length} s, we read {} s",
        run.seconds()
    );

    let start = (low.start * f64::from(RATE) / 1000.0) as u64;
    let len = ((low.end - low.start) * f64::from(RATE) / 1000.0) as u64;
    let beep = sox(&[format!("{start}s"), format!("{len}s")]).expect("sox ran just before");
    let beep = String::from_utf8_lossy(&beep.stderr).into_owned();
    println!("sox stat, the Low beep:\n{beep}");
    let hz = sox_figure(&beep, "Rough   frequency");
    let secs = sox_figure(&beep, "Length (seconds)");
    println!(
        "sox: Low beep {hz} Hz, {:.1} ms; ours {:.1} Hz, {:.1} ms",
        secs * 1000.0,
        low.hz,
        low.end - low.start
    );
    assert!(
        (hz - low.hz).abs() <= low.hz * 0.02,
        "sox {hz} Hz, ours {}",
        low.hz
    );
    assert!((secs * 1000.0 - (low.end - low.start)).abs() < 1.0);
}

fn sox_figure(stat: &str, name: &str) -> f64 {
    stat.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split(':').nth(1))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name:?} in sox's output:\n{stat}"))
}

// ---------------------------------------------------------------------------------------------
// Test 2: acknowledging a repeating alarm silences it at once and for good.

/// When the child acknowledges, after `sound`: in the middle of the third beep of the second
/// sounding of the critical pattern (which starts at 2 s and would end at 2.87 s), so both "at
/// once" and "no more repeats" are seen.
const ACK_AFTER: Duration = Duration::from_millis(2_360);
/// How long the child waits after opening before it sounds: the FIFO fills at once, and until
/// it is full the stream runs ahead of the clock; after that a second of stream is a second.
const SETTLE: Duration = Duration::from_millis(500);
/// How long the child keeps the output open after the acknowledge: past the third sounding,
/// due at 4 s, had the alarm not been acknowledged.
const AFTER_ACK: Duration = Duration::from_millis(3_000);

#[test]
fn acknowledge_silences_a_repeating_alarm() {
    const NAME: &str = "acknowledge_silences_a_repeating_alarm";
    if is_child(NAME) {
        let speaker = AlertSpeaker::open();
        assert!(speaker.status().is_available(), "{:?}", speaker.status());
        std::thread::sleep(SETTLE);
        let t0 = Instant::now();
        speaker.sound(AlertLevel::Critical);
        std::thread::sleep(ACK_AFTER);
        let ack = t0.elapsed();
        speaker.acknowledge();
        println!("{REPORT} ack_ms {}", ack.as_millis());
        std::thread::sleep(AFTER_ACK);
        drop(speaker);
        return;
    }

    let run = Run::capture(NAME);
    let ack_ms: f64 = run
        .report("ack_ms")
        .parse()
        .unwrap_or_else(|e| panic!("ack_ms: {e}"));
    let beeps = beeps(&run.left_channel());
    let soundings = group(&beeps, 250.0);
    let pattern = AlertLevel::Critical.pattern();
    assert!(
        soundings.len() >= 2,
        "it repeated before the acknowledge: {beeps:#?}"
    );
    // The stream runs ahead of the child's clock by a constant (the FIFO), so times are taken
    // from the first beep, which started when `sound` was called.
    let origin = soundings[0][0].start;
    for (i, s) in soundings.iter().enumerate() {
        println!("sounding {i}:");
        for b in s {
            println!(
                "  {:8.1} Hz from {:7.1} to {:7.1} ms",
                b.hz,
                b.start - origin,
                b.end - origin
            );
        }
    }
    assert_eq!(
        soundings[0].len(),
        pattern.len(),
        "the first sounding is whole"
    );
    let repeat = soundings[1][0].start - origin;
    let silent_from = beeps.last().map_or(0.0, |b| b.end) - origin;
    println!(
        "repeated after {repeat:.1} ms; acknowledged at {ack_ms} ms; silent from {silent_from:.1} ms"
    );
    assert!(
        (repeat - 2_000.0).abs() < 75.0,
        "a critical alarm repeats every 2 s, here after {repeat:.1} ms"
    );
    // Cut within a device period or two (50 ms each) of the acknowledge, mid-beep, rather than
    // at the end of the pattern (2 870 ms).
    assert!(
        silent_from <= ack_ms + 150.0,
        "sound went on until {silent_from:.1} ms after an acknowledge at {ack_ms} ms"
    );
    assert!(
        soundings[1].len() < pattern.len(),
        "the second sounding was cut short: {:#?}",
        soundings[1]
    );
    assert_eq!(
        soundings.len(),
        2,
        "no sounding after the acknowledge: {soundings:#?}"
    );
    // Without this the missing third sounding could just be a capture that ended too soon.
    let captured = run.seconds() * 1000.0 - origin;
    assert!(
        captured > 4_000.0 + 900.0,
        "the capture runs past where a third sounding would be: {captured:.1} ms"
    );
}

// ---------------------------------------------------------------------------------------------
// Test 3: no device: a silent speaker that says why, once.

#[test]
fn without_a_device_the_speaker_is_silent_and_says_why_once() {
    const NAME: &str = "without_a_device_the_speaker_is_silent_and_says_why_once";
    if is_child(NAME) {
        if tracing::subscriber::set_global_default(CountWarnings).is_err() {
            panic!("a tracing subscriber was already set");
        }
        let speaker = AlertSpeaker::open();
        let status = speaker.status();
        println!("{REPORT} status {status:?}");
        println!("{REPORT} describe {}", status.describe());
        speaker.sound(AlertLevel::Critical);
        speaker.play_once(AlertLevel::Low);
        speaker.acknowledge();
        let t0 = Instant::now();
        let played = speaker.play_once_blocking(AlertLevel::High, Duration::from_secs(5));
        println!("{REPORT} blocking_ms {}", t0.elapsed().as_millis());
        assert!(
            matches!(played, Err(PlayError::Unavailable(_))),
            "{played:?}"
        );
        speaker.clone().sound(AlertLevel::High);
        drop(speaker);
        println!("{REPORT} warnings {}", WARNINGS.load(Ordering::SeqCst));
        return;
    }

    let dir = Scratch::new(NAME);
    dir.asoundrc("pcm.!default { type hw card 99 }\nctl.!default { type hw card 99 }\n");
    let child = run_child(NAME, &dir.0);
    let status = child.report("status");
    println!("status: {status}\n{}", child.report("describe"));
    assert!(
        status.starts_with("Unavailable { reason: ") && !status.contains("reason: \"\""),
        "{status}"
    );
    assert!(
        child.report("describe").starts_with("no audio output: "),
        "{}",
        child.report("describe")
    );
    let blocking_ms: u64 = child.report("blocking_ms").parse().unwrap_or(u64::MAX);
    assert!(
        blocking_ms < 500,
        "play_once_blocking waited {blocking_ms} ms"
    );
    assert_eq!(child.report("warnings"), "1", "{}", child.stderr);
}

static WARNINGS: AtomicUsize = AtomicUsize::new(0);

/// Counts warnings and echoes them to stderr; the ui crate has no tracing subscriber of its own.
struct CountWarnings;

impl tracing::Subscriber for CountWarnings {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct Line(String);
        impl tracing::field::Visit for Line {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!(" {}={v:?}", f.name()));
            }
        }
        let mut line = Line(String::new());
        event.record(&mut line);
        eprintln!("{}{}", event.metadata().level(), line.0);
        if *event.metadata().level() == tracing::Level::WARN {
            WARNINGS.fetch_add(1, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

// ---------------------------------------------------------------------------------------------
// The harness.

fn is_child(name: &str) -> bool {
    std::env::var(CHILD).is_ok_and(|v| v == name)
}

/// A directory of its own for one test: the child's HOME.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("alert-audio-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Scratch(dir)
    }

    fn asoundrc(&self, text: &str) {
        std::fs::write(self.0.join(".asoundrc"), text).expect("writing .asoundrc");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// What a child said and left behind.
struct Child {
    stdout: String,
    stderr: String,
}

impl Child {
    /// The rest of the child's `alert-audio: <key> ...` line.
    fn report(&self, key: &str) -> String {
        let prefix = format!("{REPORT} {key} ");
        self.stdout
            .lines()
            // Anywhere in a line: the test harness's own "test ... " may come first.
            .find_map(|l| l.split_once(&prefix).map(|(_, rest)| rest))
            .unwrap_or_else(|| {
                panic!(
                    "the child reported no {key}\nstdout:\n{}\nstderr:\n{}",
                    self.stdout, self.stderr
                )
            })
            .to_string()
    }
}

/// Runs this test binary again as the player of `name`, with `home` as its HOME; fails the
/// test if the child fails or hangs.
fn run_child(name: &str, home: &Path) -> Child {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut child = Command::new(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .env("HOME", home)
        // alsa-lib also reads $XDG_CONFIG_HOME/alsa/asoundrc: keep the user's out of it.
        .env("XDG_CONFIG_HOME", home)
        .env_remove("ALSA_CONFIG_PATH")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting the child");
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        match child.try_wait().expect("waiting for the child") {
            Some(status) => break status,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the child hung: {}",
                    err.join().unwrap_or_else(|_| String::new())
                );
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let child = Child {
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    };
    assert!(
        status.success(),
        "the child failed ({status})\nstdout:\n{}\nstderr:\n{}",
        child.stdout,
        child.stderr
    );
    child
}

/// A child's playback, captured.
struct Run {
    child: Child,
    /// Interleaved S16 samples as captured.
    samples: Vec<i16>,
    /// The same, as a file for sox.
    raw: PathBuf,
    _dir: Scratch,
}

impl Run {
    /// Runs the child of `name` with its default output captured.
    fn capture(name: &str) -> Run {
        let dir = Scratch::new(name);
        let fifo = dir.0.join("capture.fifo");
        let made = Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("running mkfifo");
        assert!(made.success(), "mkfifo {}", fifo.display());
        dir.asoundrc(&format!(
            r#"pcm.!default {{
    type plug
    slave {{
        pcm "capture"
        format S16_LE
        rate {RATE}
        channels {CHANNELS}
    }}
}}
pcm.capture {{
    type file
    slave.pcm "null"
    file "{}"
    format "raw"
}}
"#,
            fifo.display()
        ));
        let reader = PacedReader::start(&fifo, RATE as usize * CHANNELS * 2);
        let child = run_child(name, &dir.0);
        let bytes = reader.finish(&fifo);
        assert!(bytes.len().is_multiple_of(2 * CHANNELS), "whole frames");
        let samples: Vec<i16> = bytes
            .chunks_exact(2)
            .map(|b| i16::from_le_bytes([b[0], b[1]]))
            .collect();
        let raw = dir.0.join("capture.raw");
        std::fs::write(&raw, &bytes).expect("writing the capture");
        Run {
            child,
            samples,
            raw,
            _dir: dir,
        }
    }

    fn report(&self, key: &str) -> String {
        self.child.report(key)
    }

    fn left_channel(&self) -> Vec<i16> {
        self.samples.iter().step_by(CHANNELS).copied().collect()
    }

    fn seconds(&self) -> f64 {
        (self.samples.len() / CHANNELS) as f64 / f64::from(RATE)
    }
}

/// Reads the capture FIFO no faster than a sound card at `bytes_per_sec` would play it.
struct PacedReader {
    data: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<()>,
}

impl PacedReader {
    fn start(fifo: &Path, bytes_per_sec: usize) -> Self {
        // Read and write: opening does not wait for a writer, and the ALSA plugin opening and
        // closing the file while cpal probes the device gives no end of file.
        let mut pipe = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(fifo)
            .expect("opening the capture FIFO");
        let data = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (d, s) = (data.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 4096];
            let mut started: Option<Instant> = None;
            let mut total = 0usize;
            while !s.load(Ordering::SeqCst) {
                let allowed = started.map_or(buf.len(), |t| {
                    (t.elapsed().as_secs_f64() * bytes_per_sec as f64) as usize
                });
                if total >= allowed {
                    std::thread::sleep(Duration::from_millis(2));
                    continue;
                }
                let want = (allowed - total).min(buf.len());
                let n = match pipe.read(&mut buf[..want]) {
                    Ok(n) => n,
                    Err(_) => break,
                };
                if s.load(Ordering::SeqCst) {
                    break;
                }
                started.get_or_insert_with(Instant::now);
                total += n;
                d.lock()
                    .expect("capture buffer")
                    .extend_from_slice(&buf[..n]);
            }
        });
        PacedReader { data, stop, thread }
    }

    /// What was captured, once the writer has gone and the FIFO is drained.
    fn finish(self, fifo: &Path) -> Vec<u8> {
        let len = || self.data.lock().expect("capture buffer").len();
        let mut last = len();
        loop {
            std::thread::sleep(Duration::from_millis(300));
            let now = len();
            if now == last {
                break;
            }
            last = now;
        }
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the reader out of its blocking read (it holds a reader, so this cannot block).
        if let Ok(mut w) = std::fs::OpenOptions::new().write(true).open(fifo) {
            let _ = w.write_all(&[0; 4]);
        }
        let _ = self.thread.join();
        let data = self.data.lock().expect("capture buffer");
        data.clone()
    }
}

/// One beep as heard, in ms from the start of the capture.
#[derive(Debug, Clone, Copy)]
struct Beep {
    start: f64,
    end: f64,
    hz: f64,
}

/// The beeps in `samples` (one channel at `RATE`): runs of sound louder than 5 % of full
/// scale, a beep's own zero crossings bridged, with their pitch from zero crossings.
fn beeps(samples: &[i16]) -> Vec<Beep> {
    let per_ms = f64::from(RATE) / 1000.0;
    let threshold = i16::MAX / 20;
    // Longer than half a period of the lowest tone, shorter than the shortest gap (30 ms).
    let bridge = (5.0 * per_ms) as usize;
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        if s.unsigned_abs() <= threshold.unsigned_abs() {
            continue;
        }
        match runs.last_mut() {
            Some((_, end)) if i - *end <= bridge => *end = i,
            _ => runs.push((i, i)),
        }
    }
    runs.into_iter()
        .map(|(start, end)| Beep {
            start: start as f64 / per_ms,
            end: (end + 1) as f64 / per_ms,
            hz: pitch(&samples[start..=end]),
        })
        .collect()
}

/// The frequency of a tone from its rising zero crossings (interpolated between samples),
/// leaving out the fades at either end.
fn pitch(tone: &[i16]) -> f64 {
    let skip = (RATE / 100) as usize;
    if tone.len() <= 2 * skip + 2 {
        return 0.0;
    }
    let middle = &tone[skip..tone.len() - skip];
    let crossings: Vec<f64> = middle
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] < 0 && w[1] >= 0)
        .map(|(i, w)| {
            let (a, b) = (f64::from(w[0]), f64::from(w[1]));
            i as f64 + a / (a - b)
        })
        .collect();
    match (crossings.first(), crossings.last()) {
        (Some(first), Some(last)) if crossings.len() > 2 => {
            (crossings.len() - 1) as f64 * f64::from(RATE) / (last - first)
        }
        _ => 0.0,
    }
}

/// Beeps grouped into soundings: a silence longer than `gap_ms` starts a new one.
fn group(beeps: &[Beep], gap_ms: f64) -> Vec<Vec<Beep>> {
    let mut out: Vec<Vec<Beep>> = Vec::new();
    for b in beeps {
        match out.last_mut() {
            Some(g) if g.last().is_some_and(|p| b.start - p.end <= gap_ms) => g.push(*b),
            _ => out.push(vec![*b]),
        }
    }
    out
}

#[test]
fn the_analysis_finds_a_known_tone() {
    // A 1 kHz, 100 ms tone after 50 ms of silence: the measures the real tests rely on.
    let per_ms = RATE as usize / 1000;
    let mut s = vec![0i16; 50 * per_ms];
    s.extend((0..100 * per_ms).map(|i| {
        let t = i as f64 / f64::from(RATE);
        ((2.0 * std::f64::consts::PI * 1000.0 * t).sin() * 20_000.0) as i16
    }));
    s.extend(vec![0i16; 50 * per_ms]);
    let found = beeps(&s);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!((found[0].hz - 1000.0).abs() < 1.0, "{found:?}");
    assert!((found[0].start - 50.0).abs() < 0.5, "{found:?}");
    assert!(
        (found[0].end - found[0].start - 100.0).abs() < 0.5,
        "{found:?}"
    );
}
