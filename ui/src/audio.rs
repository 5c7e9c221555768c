//! The alert tones through the car's speaker.
//!
//! A car may have no working speaker (not wired, codec missing, a bench unit): the appliance
//! must run all the same, so opening never fails, it says once why there is no sound and every
//! later call does nothing. The device lives on one thread of its own, because the audio types
//! are not all `Send` and the callers (the UI, the hit pipeline) are on several threads.

use std::num::NonZero;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rodio::buffer::SamplesBuffer;
use rodio::cpal::traits::HostTrait;
use rodio::{DeviceSinkBuilder, DeviceTrait, MixerDeviceSink, Player};

use crate::alert_tones::{Alarm, AlertLevel, SAMPLE_RATE, render};

/// Whether the alert can be heard, for the technician screen and the self-test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudioStatus {
    /// Tones go to this output.
    Available { device: String },
    /// Nothing is played, and why.
    Unavailable { reason: String },
}

impl AudioStatus {
    pub fn is_available(&self) -> bool {
        matches!(self, AudioStatus::Available { .. })
    }

    /// One line for a person: which output, or why there is none.
    pub fn describe(&self) -> String {
        match self {
            AudioStatus::Available { device } => format!("audio output: {device}"),
            AudioStatus::Unavailable { reason } => format!("no audio output: {reason}"),
        }
    }
}

/// Why [`AlertSpeaker::play_once_blocking`] returned before the tones were heard to the end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlayError {
    /// There is no output to play on.
    #[error("no audio output: {0}")]
    Unavailable(String),
    /// The tones had not finished after the time allowed.
    #[error("the tones had not finished after {0:?}")]
    TimedOut(Duration),
    /// An acknowledge silenced them first.
    #[error("silenced before the end")]
    Silenced,
}

/// How long `open` waits for the device thread to say whether the device opened: ALSA opens
/// in milliseconds, but a wedged driver must not hold up the appliance's start.
const OPEN_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the device thread looks at the alarm and at finished tones while anything sounds.
/// Well under the shortest gap of a pattern, so a repeat starts on time to the eye and ear.
const TICK: Duration = Duration::from_millis(10);

/// How long dropping the last handle waits for the device to close: closing flushes what a
/// capturing output (the tests' ALSA file plugin) still holds.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

const MONO: NonZero<u16> = NonZero::<u16>::MIN;
const RATE: NonZero<u32> = match NonZero::new(SAMPLE_RATE) {
    Some(rate) => rate,
    None => panic!("SAMPLE_RATE is zero"),
};

type Reply = Sender<Result<(), PlayError>>;

enum Command {
    Sound(AlertLevel),
    Acknowledge,
    PlayOnce(AlertLevel, Option<Reply>),
    /// From the audio library's own thread: the stream hit an error.
    StreamError(rodio::CpalError),
    Close,
}

/// The speaker the alert tones go to. Clones share one device; all calls return at once
/// (except [`play_once_blocking`](Self::play_once_blocking)) and never fail loudly.
#[derive(Clone)]
pub struct AlertSpeaker {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None`: nothing was opened, every call is a no-op.
    commands: Option<Sender<Command>>,
    status: Arc<Mutex<AudioStatus>>,
    /// Closed by the device thread once it has let go of the device.
    closed: Mutex<Option<Receiver<()>>>,
}

impl std::fmt::Debug for AlertSpeaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlertSpeaker")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl AlertSpeaker {
    /// The default output. Without one, logs a single warning saying why and gives a speaker
    /// that stays silent.
    pub fn open() -> AlertSpeaker {
        let (commands, command_rx) = mpsc::channel();
        let (opened_tx, opened_rx) = mpsc::channel();
        let (closed_tx, closed_rx) = mpsc::channel::<()>();
        let status = Arc::new(Mutex::new(AudioStatus::Unavailable {
            reason: "opening".into(),
        }));
        let errors = commands.clone();
        let thread_status = status.clone();
        let spawned = std::thread::Builder::new()
            .name("alert-speaker".into())
            .spawn(move || {
                let opened = open_output(errors);
                let (sink, device) = match opened {
                    Ok(opened) => opened,
                    Err(reason) => {
                        let _ = opened_tx.send(Err(reason));
                        return;
                    }
                };
                if opened_tx.send(Ok(device)).is_err() {
                    // `open` gave up waiting and already told everyone there is no sound.
                    return;
                }
                DeviceThread::new(sink, thread_status).run(&command_rx);
                drop(closed_tx);
            });
        let opened = match spawned {
            Ok(_) => match opened_rx.recv_timeout(OPEN_TIMEOUT) {
                Ok(opened) => opened,
                Err(RecvTimeoutError::Timeout) => Err(format!(
                    "the audio device did not open within {} s",
                    OPEN_TIMEOUT.as_secs()
                )),
                Err(RecvTimeoutError::Disconnected) => {
                    Err("the audio thread stopped while opening the device".into())
                }
            },
            Err(e) => Err(format!("could not start the audio thread: {e}")),
        };
        match opened {
            Ok(device) => {
                tracing::info!(%device, "alert tones play on this output");
                *lock(&status) = AudioStatus::Available { device };
                AlertSpeaker {
                    inner: Arc::new(Inner {
                        commands: Some(commands),
                        status,
                        closed: Mutex::new(Some(closed_rx)),
                    }),
                }
            }
            Err(reason) => {
                tracing::warn!(%reason, "audio unavailable: alerts will be silent");
                AlertSpeaker::silent(reason)
            }
        }
    }

    /// A speaker that never opens a device (tests, headless runs): status `Unavailable`.
    pub fn silent(reason: impl Into<String>) -> AlertSpeaker {
        AlertSpeaker {
            inner: Arc::new(Inner {
                commands: None,
                status: Arc::new(Mutex::new(AudioStatus::Unavailable {
                    reason: reason.into(),
                })),
                closed: Mutex::new(None),
            }),
        }
    }

    pub fn status(&self) -> AudioStatus {
        lock(&self.inner.status).clone()
    }

    /// Sounds `level` until [`acknowledge`](Self::acknowledge); while an alarm sounds, a more
    /// urgent level takes over and a lesser one changes nothing.
    pub fn sound(&self, level: AlertLevel) {
        self.send(Command::Sound(level));
    }

    /// Silences the alarm and anything else playing, at once.
    pub fn acknowledge(&self) {
        self.send(Command::Acknowledge);
    }

    /// Plays the pattern of `level` once, without an alarm.
    pub fn play_once(&self, level: AlertLevel) {
        self.send(Command::PlayOnce(level, None));
    }

    /// Plays the pattern of `level` once and returns when it has been played to the end (the
    /// self-test, the tests), or after `timeout`.
    pub fn play_once_blocking(
        &self,
        level: AlertLevel,
        timeout: Duration,
    ) -> Result<(), PlayError> {
        let (reply, done) = mpsc::channel();
        if !self.send(Command::PlayOnce(level, Some(reply))) {
            return Err(self.unavailable());
        }
        match done.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(PlayError::TimedOut(timeout)),
            // The device thread has gone (device lost): the status says why.
            Err(RecvTimeoutError::Disconnected) => Err(self.unavailable()),
        }
    }

    fn unavailable(&self) -> PlayError {
        match self.status() {
            AudioStatus::Unavailable { reason } => PlayError::Unavailable(reason),
            AudioStatus::Available { .. } => {
                PlayError::Unavailable("the audio thread stopped".into())
            }
        }
    }

    /// Whether the device thread took it (false: silent speaker, or the device is gone).
    fn send(&self, command: Command) -> bool {
        match &self.inner.commands {
            Some(commands) => commands.send(command).is_ok(),
            None => false,
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(commands) = &self.commands {
            let _ = commands.send(Command::Close);
        }
        let closed = self
            .closed
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(closed) = closed {
            // Err either way: disconnected once the device is closed, or the timeout.
            let _ = closed.recv_timeout(CLOSE_TIMEOUT);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding the status must not take the alert down with it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Opens the default output, or another real one when the default will not open, like
/// `DeviceSinkBuilder::open_default_sink` does; done here rather than through it so the
/// stream's errors come to us (a lost device must turn the status to unavailable) instead of
/// to stderr. Returns the sink and a name for the technician.
fn open_output(errors: Sender<Command>) -> Result<(MixerDeviceSink, String), String> {
    // Glitches can come once per period for as long as a fault lasts: pass on the first only,
    // or they would pile up in the channel.
    let glitch_passed = Arc::new(AtomicBool::new(false));
    let on_error = move |e: rodio::CpalError| {
        if is_fatal(&e) || !glitch_passed.swap(true, Ordering::Relaxed) {
            let _ = errors.send(Command::StreamError(e));
        }
    };
    let host = rodio::cpal::default_host();
    let default = host
        .default_output_device()
        .ok_or_else(|| "no default audio output device".to_string())?;
    let first_error = match open_device(default, on_error.clone()) {
        Ok(opened) => return Ok(opened),
        Err(e) => e,
    };
    let others = host.output_devices().map_err(|_| first_error.clone())?;
    others
        // The null device "plays" into nothing: better to say there is no sound.
        .filter(|d| {
            d.description().is_ok_and(|desc| {
                desc.driver()
                    .is_some_and(|driver| driver != "null" && driver != "default")
            })
        })
        .find_map(|d| open_device(d, on_error.clone()).ok())
        .ok_or(first_error)
}

fn open_device<E>(device: rodio::Device, on_error: E) -> Result<(MixerDeviceSink, String), String>
where
    E: FnMut(rodio::CpalError) + Send + Clone + 'static,
{
    let (name, id) = match device.description() {
        Ok(desc) => (
            desc.name().to_string(),
            desc.driver().unwrap_or_default().to_string(),
        ),
        Err(e) => (format!("unnamed device ({e})"), String::new()),
    };
    let label = if id.is_empty() || id == name {
        name
    } else {
        format!("{name} ({id})")
    };
    let mut sink = DeviceSinkBuilder::from_device(device)
        .map(|b| b.with_error_callback(on_error))
        .and_then(|b| b.open_sink_or_fallback())
        .map_err(|e| format!("{label}: {}", chain(&e)))?;
    // Dropping the sink is how we close it; rodio would otherwise print that on stderr.
    sink.log_on_drop(false);
    let config = sink.config();
    let device = format!(
        "{label}, {} Hz, {} channel(s)",
        config.sample_rate(),
        config.channel_count()
    );
    Ok((sink, device))
}

/// An error and its causes on one line: rodio's outer message alone ("Failed to get the
/// config for the given device") does not tell a technician what is wrong.
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// Whether the stream is gone for good after this error (a glitch, by contrast, is survived).
fn is_fatal(e: &rodio::CpalError) -> bool {
    use rodio::CpalErrorKind as K;
    matches!(
        e.kind(),
        K::DeviceNotAvailable | K::HostUnavailable | K::PermissionDenied | K::StreamInvalidated
    )
}

/// One sounding of a pattern and who waits for its end.
struct Sounding {
    player: Player,
    reply: Option<Reply>,
    /// When the player ran dry; it is heard a little later, once the device has played its
    /// buffer.
    drained_at: Option<Instant>,
}

/// The state owned by the device thread.
struct DeviceThread {
    sink: MixerDeviceSink,
    status: Arc<Mutex<AudioStatus>>,
    alarm: Option<Alarm>,
    /// The alarm's latest sounding; kept so it plays on (dropping a `Player` stops it).
    alarm_sounding: Option<Player>,
    once: Vec<Sounding>,
    /// How long after the last sample left us it has surely reached the speaker.
    latency: Duration,
}

impl DeviceThread {
    fn new(sink: MixerDeviceSink, status: Arc<Mutex<AudioStatus>>) -> Self {
        let config = sink.config();
        let buffer = match config.buffer_size() {
            rodio::cpal::BufferSize::Fixed(frames) => {
                Duration::from_secs_f64(f64::from(*frames) / f64::from(config.sample_rate().get()))
            }
            rodio::cpal::BufferSize::Default => Duration::from_millis(100),
        };
        // ALSA keeps a couple of periods queued behind the one being played.
        let latency = buffer * 3;
        DeviceThread {
            sink,
            status,
            alarm: None,
            alarm_sounding: None,
            once: Vec::new(),
            latency,
        }
    }

    fn busy(&self) -> bool {
        self.alarm.is_some() || !self.once.is_empty()
    }

    fn run(mut self, commands: &Receiver<Command>) {
        loop {
            let command = if self.busy() {
                match commands.recv_timeout(TICK) {
                    Ok(command) => Some(command),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            } else {
                match commands.recv() {
                    Ok(command) => Some(command),
                    Err(_) => return,
                }
            };
            match command {
                Some(Command::Sound(level)) => match &mut self.alarm {
                    Some(alarm) => alarm.escalate(level),
                    None => self.alarm = Some(Alarm::new(level)),
                },
                Some(Command::Acknowledge) => self.silence(),
                Some(Command::PlayOnce(level, reply)) => {
                    let player = self.start(level);
                    self.once.push(Sounding {
                        player,
                        reply,
                        drained_at: None,
                    });
                }
                Some(Command::StreamError(e)) if is_fatal(&e) => {
                    let reason = format!("the audio device stopped: {}", chain(&e));
                    tracing::warn!(%reason, "audio unavailable: alerts will be silent");
                    *lock(&self.status) = AudioStatus::Unavailable {
                        reason: reason.clone(),
                    };
                    for sounding in self.once.drain(..) {
                        if let Some(reply) = sounding.reply {
                            let _ = reply.send(Err(PlayError::Unavailable(reason.clone())));
                        }
                    }
                    // Returning closes the device; later calls find no one listening.
                    return;
                }
                // Underruns and the like pass; one line is enough to notice a pattern.
                Some(Command::StreamError(e)) => {
                    tracing::debug!(error = %chain(&e), "audio glitch (further ones not logged)");
                }
                Some(Command::Close) => return,
                None => {}
            }
            self.tick(Instant::now());
        }
    }

    fn tick(&mut self, now: Instant) {
        if let Some(alarm) = &mut self.alarm
            && alarm.due(now)
        {
            let level = alarm.level();
            if level.repeat_every().is_none() {
                // Sounded its once: the next hit, even as low, is a new alarm.
                self.alarm = None;
            }
            // Replacing the previous sounding cuts it: a more urgent pattern takes over at
            // once instead of playing over the lesser one.
            self.alarm_sounding = Some(self.start(level));
        }
        let latency = self.latency;
        self.once.retain_mut(|sounding| {
            if !sounding.player.empty() {
                return true;
            }
            let drained_at = *sounding.drained_at.get_or_insert(now);
            if now.duration_since(drained_at) < latency {
                return true;
            }
            if let Some(reply) = sounding.reply.take() {
                let _ = reply.send(Ok(()));
            }
            false
        });
    }

    fn silence(&mut self) {
        if let Some(alarm) = &mut self.alarm {
            alarm.acknowledge();
        }
        self.alarm = None;
        if let Some(player) = self.alarm_sounding.take() {
            player.stop();
        }
        for sounding in self.once.drain(..) {
            sounding.player.stop();
            if let Some(reply) = sounding.reply {
                let _ = reply.send(Err(PlayError::Silenced));
            }
        }
    }

    fn start(&self, level: AlertLevel) -> Player {
        let samples: Vec<rodio::Sample> = render(level)
            .into_iter()
            .map(|s| rodio::Sample::from(s) / 32_768.0)
            .collect();
        // Queued before the mixer sees it: a player handed to the mixer empty starts on filler
        // silence at another rate, and the switch to the tones' rate loses their first ~14 ms.
        let (player, output) = Player::new();
        player.append(SamplesBuffer::new(MONO, RATE, samples));
        self.sink.mixer().add(output);
        player
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_speaker_says_why_and_does_nothing() {
        let s = AlertSpeaker::silent("bench unit");
        assert_eq!(
            s.status(),
            AudioStatus::Unavailable {
                reason: "bench unit".into()
            }
        );
        assert_eq!(s.status().describe(), "no audio output: bench unit");
        s.sound(AlertLevel::Critical);
        s.acknowledge();
        s.play_once(AlertLevel::Low);
        let t0 = Instant::now();
        assert_eq!(
            s.play_once_blocking(AlertLevel::High, Duration::from_secs(5)),
            Err(PlayError::Unavailable("bench unit".into()))
        );
        assert!(t0.elapsed() < Duration::from_secs(1), "returns at once");
    }

    #[test]
    fn clones_share_the_speaker_across_threads() {
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<AlertSpeaker>();
        let s = AlertSpeaker::silent("none");
        let c = s.clone();
        std::thread::spawn(move || c.sound(AlertLevel::High))
            .join()
            .expect("the other thread");
        assert!(!s.status().is_available());
    }

    #[test]
    fn an_available_output_is_described_by_name() {
        let s = AudioStatus::Available {
            device: "Default Audio Device (default), 48000 Hz, 2 channel(s)".into(),
        };
        assert!(s.is_available());
        assert_eq!(
            s.describe(),
            "audio output: Default Audio Device (default), 48000 Hz, 2 channel(s)"
        );
    }

    #[test]
    fn errors_that_end_the_stream_are_told_from_glitches() {
        use rodio::CpalErrorKind as K;
        assert!(is_fatal(&K::DeviceNotAvailable.into()));
        assert!(is_fatal(&K::StreamInvalidated.into()));
        assert!(!is_fatal(&K::Xrun.into()));
        assert!(!is_fatal(&K::DeviceBusy.into()));
    }
}
