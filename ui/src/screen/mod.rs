//! The touchscreen: the Slint screens (compiled from `ui/slint/`) and the Rust side of their
//! adapter globals.
//!
//! [`Screen`] lives on the thread that runs Slint's event loop. The appliance reaches it from any
//! thread through [`ScreenHandle`], which posts work into that loop; what the officer does comes
//! back through [`ScreenActions`], which the appliance implements over its store.

mod convert;
mod snapshot;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use slint::{ComponentHandle, Model, ModelRc, SharedString, VecModel};

use crate::alert_tones::AlertLevel;
use crate::audio::AlertSpeaker;
use crate::views::{
    AlertView, CanvassView, CheckView, EntryForm, LoginView, ReadView, SearchForm, StatusView,
    StepView,
};

#[allow(
    unsafe_code,
    missing_debug_implementations,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
mod generated {
    slint::include_modules!();
}

pub use generated::*;
pub use snapshot::SnapshotError;

/// Reads kept on the patrol screen.
const PATROL_READS: usize = 60;

/// What the officer's touches ask of the appliance. Each returns the officer-facing message when
/// it is refused.
pub trait ScreenActions {
    fn login(&self, user: &str, password: &str, acknowledged: bool) -> Result<LoginView, String>;
    fn logout(&self, why: &str);
    /// Whether the session still stands (the policy's idle lock); the reason when it does not.
    fn session_alive(&self) -> Result<(), String>;
    fn record_step(
        &self,
        hit_id: &str,
        step: &str,
        outcome: &str,
        note: &str,
    ) -> Result<AlertProgress, String>;
    fn dispose(
        &self,
        hit_id: &str,
        disposition: &str,
        action: Option<&str>,
        note: &str,
    ) -> Result<AlertProgress, String>;
    /// A summary line and the reads found.
    fn search(&self, form: &SearchForm) -> Result<(String, Vec<ReadView>), String>;
    /// What was entered, in words.
    fn enter(&self, form: &EntryForm) -> Result<String, String>;
    fn start_canvass(&self, case_number: &str, note: &str) -> Result<CanvassView, String>;
    fn end_canvass(&self) -> Result<CanvassView, String>;
    fn canvass(&self) -> Result<CanvassView, String>;
    /// Where the evidence went, in words.
    fn export_canvass(&self) -> Result<String, String>;
    /// The technician's checks; `audio` is the screen's own speaker.
    fn diagnostics(&self, audio: &crate::audio::AudioStatus) -> Vec<CheckView>;
}

/// The checklist after a step or disposition was stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertProgress {
    pub steps: Vec<StepView>,
    pub enforcement_allowed: bool,
    pub disposed: Option<String>,
}

/// What does not change while the appliance runs: the agency, the car and the policy's forms.
#[derive(Debug, Clone, Default)]
pub struct ScreenSetup {
    pub agency: String,
    pub car: String,
    pub version: String,
    pub prohibited_uses: Vec<String>,
    pub crime_types: Vec<String>,
    pub reason_min_chars: usize,
    pub case_required: bool,
    /// The lists an officer may enter a BOLO or partial plate on.
    pub entry_lists: Vec<String>,
}

#[derive(Default)]
struct Alerts {
    current: Option<AlertView>,
    waiting: VecDeque<AlertView>,
}

/// The window and what it shows.
pub struct Screen {
    window: AppWindow,
    actions: Rc<dyn ScreenActions>,
    speaker: AlertSpeaker,
    reads: Rc<VecModel<ReadRow>>,
    canvass_reads: Rc<VecModel<ReadRow>>,
    alerts: RefCell<Alerts>,
    logged_in: RefCell<bool>,
    idle_timer: slint::Timer,
    raised_hook: RefCell<Option<RaisedHook>>,
}

type RaisedHook = Box<dyn Fn(&str)>;

impl std::fmt::Debug for Screen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Screen")
            .field("reads", &self.reads.row_count())
            .finish_non_exhaustive()
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<Screen>>> = const { RefCell::new(None) };
}

/// Reaches the screen from any thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScreenHandle;

impl ScreenHandle {
    /// Runs `f` on the screen inside its event loop. Fails only when the loop has stopped.
    pub fn post(
        &self,
        f: impl FnOnce(&Screen) + Send + 'static,
    ) -> Result<(), slint::EventLoopError> {
        slint::invoke_from_event_loop(move || {
            CURRENT.with(|c| {
                if let Some(s) = c.borrow().as_ref() {
                    f(s);
                }
            });
        })
    }

    pub fn read(&self, read: ReadView) -> Result<(), slint::EventLoopError> {
        self.post(move |s| s.push_read(&read))
    }

    pub fn alert(&self, alert: AlertView) -> Result<(), slint::EventLoopError> {
        self.post(move |s| s.raise(alert))
    }

    /// The read behind alerts `hit_ids`, once stored with its position.
    pub fn alert_read(
        &self,
        hit_ids: Vec<String>,
        read: ReadView,
    ) -> Result<(), slint::EventLoopError> {
        self.post(move |s| s.update_alert_read(&hit_ids, &read))
    }

    pub fn status(&self, status: StatusView) -> Result<(), slint::EventLoopError> {
        self.post(move |s| s.set_status(&status))
    }
}

impl Screen {
    /// Builds the window (not yet shown) and wires its callbacks to `actions`. Must run on the
    /// thread that will run the event loop; the screen is reachable from others through
    /// [`ScreenHandle`] from now on.
    pub fn create(
        setup: &ScreenSetup,
        actions: Rc<dyn ScreenActions>,
        speaker: AlertSpeaker,
    ) -> Result<Rc<Screen>, slint::PlatformError> {
        let window = AppWindow::new()?;
        let reads = Rc::new(VecModel::default());
        let screen = Rc::new(Screen {
            window,
            actions,
            speaker,
            reads,
            canvass_reads: Rc::new(VecModel::default()),
            alerts: RefCell::new(Alerts::default()),
            logged_in: RefCell::new(false),
            idle_timer: slint::Timer::default(),
            raised_hook: RefCell::new(None),
        });
        screen.set_up(setup);
        Screen::wire(&screen);
        CURRENT.with(|c| *c.borrow_mut() = Some(screen.clone()));
        Ok(screen)
    }

    pub fn window(&self) -> &AppWindow {
        &self.window
    }

    /// Where the officer is: `login`, `patrol`, `alert`, ...
    pub fn current_screen(&self) -> String {
        self.window.global::<Nav>().get_screen().to_string()
    }

    pub fn show_screen(&self, name: &str) {
        self.window.global::<Nav>().set_screen(name.into());
    }

    pub fn set_night(&self, night: bool) {
        self.window.global::<Theme>().set_night(night);
    }

    /// The alert on screen, if any.
    pub fn current_alert(&self) -> Option<AlertView> {
        self.alerts.borrow().current.clone()
    }

    /// Alerts raised and not yet disposed of, the one on screen included.
    pub fn open_alerts(&self) -> usize {
        let a = self.alerts.borrow();
        a.waiting.len() + usize::from(a.current.as_ref().is_some_and(|c| c.disposed.is_none()))
    }

    fn set_up(&self, setup: &ScreenSetup) {
        let nav = self.window.global::<Nav>();
        nav.set_agency(setup.agency.as_str().into());
        nav.set_car(setup.car.as_str().into());
        self.window
            .global::<LoginPage>()
            .set_prohibited_uses(convert::strings(&setup.prohibited_uses));
        let search = self.window.global::<SearchPage>();
        search.set_crime_types(convert::strings(&setup.crime_types));
        let per_row = usize::try_from(search.get_per_row()).unwrap_or(7).max(1);
        search.set_crime_rows(ModelRc::new(VecModel::from(
            setup
                .crime_types
                .chunks(per_row)
                .map(convert::strings)
                .collect::<Vec<_>>(),
        )));
        search.set_reason_min_chars(i32::try_from(setup.reason_min_chars).unwrap_or(i32::MAX));
        search.set_case_required(setup.case_required);
        self.window
            .global::<EntryPage>()
            .set_lists(convert::strings(&setup.entry_lists));
        self.window
            .global::<DiagnosticsPage>()
            .set_version(setup.version.as_str().into());
        self.window
            .global::<PatrolPage>()
            .set_reads(ModelRc::from(self.reads.clone()));
        self.window
            .global::<CanvassPage>()
            .set_reads(ModelRc::from(self.canvass_reads.clone()));
        let nav = self.window.global::<Nav>();
        let mut line = nav.get_status();
        self.fill_audio(&mut line);
        nav.set_status(line);
    }

    /// The status bar's audio part comes from the speaker itself.
    fn fill_audio(&self, line: &mut StatusLine) {
        let audio = self.speaker.status();
        line.audio = audio.describe().into();
        line.audio_verdict = if audio.is_available() { "pass" } else { "warn" }.into();
    }

    fn wire(screen: &Rc<Screen>) {
        let w = &screen.window;
        let weak = Rc::downgrade(screen);
        let with = move |f: &dyn Fn(&Screen)| {
            if let Some(s) = weak.upgrade() {
                f(&s);
            }
        };
        let on = with.clone();
        w.global::<LoginPage>()
            .on_login(move |user, password, ack| on(&|s| s.login(&user, &password, ack)));
        let on = with.clone();
        w.global::<Nav>()
            .on_logout(move || on(&|s| s.logout("logged out")));
        let on = with.clone();
        w.global::<AlertPage>().on_acknowledge(move || {
            on(&|s| {
                s.speaker.acknowledge();
                s.window.global::<AlertPage>().set_acknowledged(true);
            })
        });
        let on = with.clone();
        w.global::<AlertPage>()
            .on_record_step(move |step, outcome, note| {
                on(&|s| s.record_step(&step, &outcome, &note))
            });
        let on = with.clone();
        w.global::<AlertPage>()
            .on_dispose(move |disposition, action, note| {
                on(&|s| s.dispose(&disposition, &action, &note))
            });
        let on = with.clone();
        w.global::<AlertPage>()
            .on_next(move || on(&|s| s.next_alert()));
        let on = with.clone();
        w.global::<SearchPage>()
            .on_search(move |plate, case, reason, crime| {
                let form = SearchForm {
                    plate: plate.to_string(),
                    case_number: case.to_string(),
                    reason: reason.to_string(),
                    crime_type: crime.to_string(),
                };
                on(&|s| s.search(&form))
            });
        let on = with.clone();
        w.global::<EntryPage>().on_enter(
            move |list, plate, state, make, model, color, reason, case, instructions, days| {
                let form = EntryForm {
                    list: list.to_string(),
                    plate: plate.to_string(),
                    state: state.to_string(),
                    make: make.to_string(),
                    model: model.to_string(),
                    color: color.to_string(),
                    reason: reason.to_string(),
                    case_number: case.to_string(),
                    instructions: instructions.to_string(),
                    expires_days: days.to_string(),
                };
                on(&|s| s.enter(&form))
            },
        );
        let on = with.clone();
        w.global::<CanvassPage>().on_start(move |case, note| {
            on(&|s| s.canvass_result(s.actions.start_canvass(&case, &note)))
        });
        let on = with.clone();
        w.global::<CanvassPage>()
            .on_end(move || on(&|s| s.canvass_result(s.actions.end_canvass())));
        let on = with.clone();
        w.global::<CanvassPage>().on_export(move || {
            on(&|s| {
                let message = match s.actions.export_canvass() {
                    Ok(m) | Err(m) => m,
                };
                s.window.global::<CanvassPage>().set_message(message.into());
            })
        });
        let on = with.clone();
        w.global::<DiagnosticsPage>()
            .on_refresh(move || on(&|s| s.refresh_diagnostics()));
        let on = with;
        w.global::<DiagnosticsPage>().on_test_audio(move || {
            on(&|s| s.speaker.play_once(AlertLevel::Normal));
        });

        // The policy's idle lock: a car left logged in locks itself.
        let weak = Rc::downgrade(screen);
        screen.idle_timer.start(
            slint::TimerMode::Repeated,
            std::time::Duration::from_secs(5),
            move || {
                if let Some(s) = weak.upgrade()
                    && *s.logged_in.borrow()
                    && let Err(why) = s.actions.session_alive()
                {
                    s.lock(&why);
                }
            },
        );
    }

    /// Logs a member in as the login screen does; the refusal as the screen shows it.
    pub fn log_in(&self, user: &str, password: &str, acknowledged: bool) -> Result<(), String> {
        self.login(user, password, acknowledged);
        match self.window.global::<LoginPage>().get_error().as_str() {
            "" => Ok(()),
            e => Err(e.to_string()),
        }
    }

    /// Called with the read's plate each time an alert has been shown and its tone started (the
    /// alert benchmark times it).
    pub fn on_raised(&self, hook: impl Fn(&str) + 'static) {
        *self.raised_hook.borrow_mut() = Some(Box::new(hook));
    }

    /// Silences and drops every alert, shown or waiting, and goes back to the patrol list (the
    /// alert benchmark's reset between alerts).
    pub fn clear_alerts(&self) {
        self.speaker.acknowledge();
        *self.alerts.borrow_mut() = Alerts::default();
        self.count_alerts();
        if *self.logged_in.borrow() && self.window.global::<Nav>().get_can_patrol() {
            self.show_screen("patrol");
        }
    }

    /// The speaker's state in words (the diagnostics screen and benchmarks).
    pub fn audio_status(&self) -> String {
        self.speaker.status().describe()
    }

    fn login(&self, user: &str, password: &str, acknowledged: bool) {
        let page = self.window.global::<LoginPage>();
        match self.actions.login(user, password, acknowledged) {
            Ok(who) => {
                page.set_error(SharedString::new());
                *self.logged_in.borrow_mut() = true;
                let nav = self.window.global::<Nav>();
                nav.set_can_patrol(who.can_patrol);
                nav.set_can_search(who.can_search);
                nav.set_can_enter(who.can_enter);
                let mut status = nav.get_status();
                status.officer = who.display_name.into();
                nav.set_status(status);
                let open = self.open_alerts() > 0;
                self.show_screen(if open && who.can_patrol {
                    "alert"
                } else if who.can_patrol {
                    "patrol"
                } else {
                    "diagnostics"
                });
                if !who.can_patrol {
                    self.refresh_diagnostics();
                }
                if who.can_patrol {
                    self.canvass_result(self.actions.canvass());
                }
            }
            Err(why) => page.set_error(why.into()),
        }
    }

    /// Ends the session and goes back to the login screen (alerts keep sounding and wait).
    pub fn logout(&self, why: &str) {
        if *self.logged_in.borrow() {
            self.actions.logout(why);
        }
        *self.logged_in.borrow_mut() = false;
        let nav = self.window.global::<Nav>();
        nav.set_can_patrol(false);
        nav.set_can_search(false);
        nav.set_can_enter(false);
        self.window
            .global::<SearchPage>()
            .set_results(ModelRc::default());
        self.show_screen("login");
    }

    fn lock(&self, why: &str) {
        self.logout(why);
        self.window.global::<LoginPage>().set_error(why.into());
    }

    /// Adds a read to the top of the patrol list, and of the canvass list while a canvass runs
    /// (the store tags it the same way; the list is read back from the store whenever the
    /// canvass starts or the officer logs in).
    pub fn push_read(&self, read: &ReadView) {
        let canvass = self.window.global::<CanvassPage>();
        let mut row = convert::read_row(read);
        row.canvass = row.canvass || canvass.get_active();
        if row.canvass {
            self.canvass_reads.insert(0, row.clone());
        }
        self.reads.insert(0, row);
        while self.reads.row_count() > PATROL_READS {
            self.reads.remove(PATROL_READS);
        }
        let page = self.window.global::<PatrolPage>();
        page.set_reads_today(page.get_reads_today().saturating_add(1));
        if read.hit {
            page.set_hits_today(page.get_hits_today().saturating_add(1));
        }
    }

    /// Sounds the alert and shows it, or queues it behind the one the officer is working on.
    pub fn raise(&self, alert: AlertView) {
        self.speaker
            .sound(AlertLevel::from_priority(&alert.priority));
        let show = {
            let mut a = self.alerts.borrow_mut();
            let busy = a.current.as_ref().is_some_and(|c| c.disposed.is_none());
            if busy {
                a.waiting.push_back(alert);
                None
            } else {
                a.current = Some(alert.clone());
                Some(alert)
            }
        };
        if let Some(alert) = show {
            convert::fill_alert(&self.window.global::<AlertPage>(), &alert);
            if *self.logged_in.borrow() && self.window.global::<Nav>().get_can_patrol() {
                self.show_screen("alert");
            }
            if let Some(hook) = self.raised_hook.borrow().as_ref() {
                hook(&alert.read.plate);
            }
        }
        self.count_alerts();
    }

    /// Gives alerts raised before their read had a position the position it was stored with.
    pub fn update_alert_read(&self, hit_ids: &[String], read: &ReadView) {
        let mut a = self.alerts.borrow_mut();
        let Alerts { current, waiting } = &mut *a;
        for alert in current.iter_mut().chain(waiting.iter_mut()) {
            if hit_ids.contains(&alert.hit_id) {
                alert.read.position.clone_from(&read.position);
                alert
                    .read
                    .position_quality
                    .clone_from(&read.position_quality);
            }
        }
        if let Some(c) = current.as_ref().filter(|c| hit_ids.contains(&c.hit_id)) {
            convert::fill_position(&self.window.global::<AlertPage>(), c);
        }
    }

    fn count_alerts(&self) {
        let n = self.open_alerts();
        self.window
            .global::<Nav>()
            .set_open_alerts(i32::try_from(n).unwrap_or(i32::MAX));
    }

    fn record_step(&self, step: &str, outcome: &str, note: &str) {
        let Some(hit_id) = self.current_alert().map(|a| a.hit_id) else {
            return;
        };
        let result = self.actions.record_step(&hit_id, step, outcome, note);
        self.progress(result);
    }

    fn dispose(&self, disposition: &str, action: &str, note: &str) {
        let Some(hit_id) = self.current_alert().map(|a| a.hit_id) else {
            return;
        };
        let action = (!action.is_empty()).then_some(action);
        let result = self.actions.dispose(&hit_id, disposition, action, note);
        let disposed = result.as_ref().is_ok_and(|p| p.disposed.is_some());
        self.progress(result);
        if disposed {
            self.speaker.acknowledge();
            self.window.global::<AlertPage>().set_acknowledged(true);
        }
    }

    fn progress(&self, result: Result<AlertProgress, String>) {
        let page = self.window.global::<AlertPage>();
        match result {
            Ok(p) => {
                page.set_error(SharedString::new());
                if let Some(current) = self.alerts.borrow_mut().current.as_mut() {
                    current.steps = p.steps;
                    current.enforcement_allowed = p.enforcement_allowed;
                    current.disposed = p.disposed;
                    convert::fill_progress(&page, current);
                }
                self.count_alerts();
            }
            Err(why) => page.set_error(why.into()),
        }
    }

    fn next_alert(&self) {
        let next = {
            let mut a = self.alerts.borrow_mut();
            let next = a.waiting.pop_front();
            a.current = next.clone();
            next
        };
        match next {
            Some(alert) => {
                convert::fill_alert(&self.window.global::<AlertPage>(), &alert);
                self.speaker
                    .sound(AlertLevel::from_priority(&alert.priority));
            }
            None => self.show_screen("patrol"),
        }
        self.count_alerts();
    }

    fn search(&self, form: &SearchForm) {
        let page = self.window.global::<SearchPage>();
        match self.actions.search(form) {
            Ok((summary, reads)) => {
                page.set_message(summary.into());
                page.set_results(ModelRc::new(VecModel::from(
                    reads.iter().map(convert::read_row).collect::<Vec<_>>(),
                )));
            }
            Err(why) => {
                page.set_message(why.into());
                page.set_results(ModelRc::default());
            }
        }
    }

    fn enter(&self, form: &EntryForm) {
        let page = self.window.global::<EntryPage>();
        let (saved, message) = match self.actions.enter(form) {
            Ok(m) => (true, m),
            Err(m) => (false, m),
        };
        page.set_saved(saved);
        page.set_message(message.into());
    }

    fn canvass_result(&self, result: Result<CanvassView, String>) {
        let page = self.window.global::<CanvassPage>();
        match result {
            Ok(c) => {
                page.set_active(c.active);
                page.set_case_number(c.case_number.as_str().into());
                page.set_started(c.started.as_str().into());
                self.canvass_reads
                    .set_vec(c.reads.iter().map(convert::read_row).collect::<Vec<_>>());
                page.set_message(SharedString::new());
            }
            Err(why) => page.set_message(why.into()),
        }
    }

    pub fn refresh_diagnostics(&self) {
        let checks = self.actions.diagnostics(&self.speaker.status());
        let page = self.window.global::<DiagnosticsPage>();
        let rows: Vec<CheckRow> = checks.iter().map(convert::check_row).collect();
        let half = rows.len().div_ceil(2);
        page.set_checks_left(ModelRc::new(VecModel::from(rows[..half].to_vec())));
        page.set_checks_right(ModelRc::new(VecModel::from(rows[half..].to_vec())));
        page.set_checked_at(convert::now_hms().into());
    }

    /// The status bar; audio comes from the speaker itself.
    pub fn set_status(&self, status: &StatusView) {
        let nav = self.window.global::<Nav>();
        let mut line = nav.get_status();
        convert::fill_status(&mut line, status);
        self.fill_audio(&mut line);
        nav.set_status(line);
    }

    /// Draws the window as it stands into a PNG file.
    pub fn save_png(&self, path: &std::path::Path) -> Result<(), SnapshotError> {
        snapshot::save_png(self.window.window(), path)
    }
}
