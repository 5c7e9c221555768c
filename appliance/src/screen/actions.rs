//! What the officer's touches do to the car's store: the appliance's side of
//! [`alpr_ui::screen::ScreenActions`], over a connection of its own (the pipeline's writer has
//! another), with the logged-in member's session.

use std::cell::RefCell;
use std::path::PathBuf;

use alpr_ui::screen::{AlertProgress, ScreenActions};
use alpr_ui::{CanvassView, CheckView, EntryForm, LoginView, ReadView, SearchForm};
use chrono::Utc;
use uuid::Uuid;

use super::alert_view::progress;
use crate::diagnostics::{Thresholds, Verdict, selftest_with_audio};
use crate::model::{ListedPlate, Priority};
use crate::policy::{Permission, Policy};
use crate::store::{AgencyEntryInput, ReadQuery, SearchPurpose, Session, Store, StoredRead};

/// Reads a canvass screen lists.
const CANVASS_READS: usize = 200;

pub struct StoreActions {
    store: RefCell<Store>,
    session: RefCell<Option<Session>>,
    data_dir: PathBuf,
}

impl std::fmt::Debug for StoreActions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreActions")
            .field("data_dir", &self.data_dir)
            .finish_non_exhaustive()
    }
}

impl StoreActions {
    pub fn new(store: Store, data_dir: PathBuf) -> Self {
        Self {
            store: RefCell::new(store),
            session: RefCell::new(None),
            data_dir,
        }
    }

    /// The lists an officer may put a BOLO or partial plate on: the agency's own lists as
    /// stored, and the usual two.
    pub fn entry_lists(&self) -> Vec<String> {
        let mut lists = vec!["bolo".to_string(), "major-crime".to_string()];
        let store = self.store.borrow();
        let found: Result<Vec<String>, _> = store
            .connection()
            .prepare("SELECT id FROM hotlists WHERE kind = 'agency' ORDER BY id")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect());
        match found {
            Ok(found) => {
                for l in found {
                    if !lists.contains(&l) {
                        lists.push(l);
                    }
                }
            }
            Err(e) => tracing::warn!("listing the agency's lists: {e}"),
        }
        lists
    }

    fn with_session<T>(
        &self,
        f: impl FnOnce(&mut Store, &Session) -> Result<T, String>,
    ) -> Result<T, String> {
        let session = self.session.borrow();
        let Some(session) = session.as_ref() else {
            return Err("log in first".into());
        };
        f(&mut self.store.borrow_mut(), session)
    }
}

/// The read's plate crop from the image store, when it is there and still matches its hash.
fn stored_crop(store: &Store, r: &StoredRead) -> Option<alpr_ui::EncodedImage> {
    use alpr_images::{ImageFormat, ImageRef};
    let sha = r.plate_image_sha256.as_ref()?;
    [ImageFormat::Jpeg, ImageFormat::Png]
        .into_iter()
        .find(|f| store.images().path_of(sha, *f).exists())
        .and_then(|format| {
            store
                .images()
                .get(&ImageRef {
                    sha256: sha.clone(),
                    format,
                    bytes: 0,
                })
                .map_err(|e| tracing::warn!("plate crop of read {}: {e}", r.id))
                .ok()
        })
        .map(alpr_ui::EncodedImage)
}

fn read_view(store: &Store, r: &StoredRead, canvass: bool) -> ReadView {
    ReadView {
        time: r
            .captured_at
            .with_timezone(&chrono::Local)
            .format("%m-%d %H:%M:%S")
            .to_string(),
        camera: r.camera.clone(),
        plate: r.plate.clone(),
        state: r.state.clone().unwrap_or_default(),
        confidence_pct: (r.confidence * 100.0).round().clamp(0.0, 100.0) as u8,
        position: match (r.lat, r.lon) {
            (Some(lat), Some(lon)) => format!("{lat:.5},{lon:.5}"),
            _ => String::new(),
        },
        position_quality: r.fix_quality.clone(),
        crop: stored_crop(store, r),
        hit: r.hits > 0,
        canvass,
    }
}

impl ScreenActions for StoreActions {
    fn login(&self, user: &str, password: &str, acknowledged: bool) -> Result<LoginView, String> {
        let session = self
            .store
            .borrow_mut()
            .login(user.trim(), password, acknowledged, Utc::now())
            .map_err(|e| e.to_string())?;
        let view = LoginView {
            display_name: session.display_name().to_string(),
            can_patrol: session.may(Permission::Patrol),
            can_search: session.may(Permission::Search),
            can_enter: session.may(Permission::HotlistEnter),
        };
        if let Some(old) = self.session.borrow_mut().replace(session) {
            // One member at the screen at a time.
            let _ = self.store.borrow().logout(&old, "another member logged in");
        }
        Ok(view)
    }

    fn logout(&self, why: &str) {
        if let Some(s) = self.session.borrow_mut().take()
            && let Err(e) = self.store.borrow().logout(&s, why)
        {
            tracing::warn!("recording the logout: {e}");
        }
    }

    fn session_alive(&self) -> Result<(), String> {
        match self.session.borrow().as_ref() {
            Some(s) => s.idle_check(Utc::now()).map_err(|e| e.to_string()),
            None => Err("logged out".into()),
        }
    }

    fn record_step(
        &self,
        hit_id: &str,
        step: &str,
        outcome: &str,
        note: &str,
    ) -> Result<AlertProgress, String> {
        let id = Uuid::parse_str(hit_id).map_err(|e| format!("hit {hit_id:?}: {e}"))?;
        self.with_session(|store, s| {
            let note = Some(note).filter(|n| !n.trim().is_empty());
            store
                .record_hit_step(s, id, step, outcome, None, note)
                .map_err(|e| e.to_string())?;
            store
                .hit_alert(s, id)
                .map(|a| progress(&a))
                .map_err(|e| e.to_string())
        })
    }

    fn dispose(
        &self,
        hit_id: &str,
        disposition: &str,
        action: Option<&str>,
        note: &str,
    ) -> Result<AlertProgress, String> {
        let id = Uuid::parse_str(hit_id).map_err(|e| format!("hit {hit_id:?}: {e}"))?;
        self.with_session(|store, s| {
            let note = Some(note).filter(|n| !n.trim().is_empty());
            store
                .record_hit_step(s, id, "disposition", disposition, action, note)
                .map_err(|e| e.to_string())?;
            store
                .hit_alert(s, id)
                .map(|a| progress(&a))
                .map_err(|e| e.to_string())
        })
    }

    fn search(&self, form: &SearchForm) -> Result<(String, Vec<ReadView>), String> {
        self.with_session(|store, s| {
            let query = ReadQuery {
                plate: Some(form.plate.trim().to_ascii_uppercase()),
                ..ReadQuery::default()
            };
            let purpose = SearchPurpose {
                case_number: form.case_number.trim().to_string(),
                reason: form.reason.trim().to_string(),
                crime_type: form.crime_type.clone(),
            };
            let found = store
                .search_reads(s, &query, &purpose)
                .map_err(|e| e.to_string())?;
            let summary = format!(
                "{}{} reads; search recorded for case {}",
                found.reads.len(),
                if found.truncated { "+" } else { "" },
                purpose.case_number
            );
            Ok((
                summary,
                found
                    .reads
                    .iter()
                    .map(|r| read_view(store, r, false))
                    .collect(),
            ))
        })
    }

    fn enter(&self, form: &EntryForm) -> Result<String, String> {
        let days: i64 = form
            .expires_days
            .trim()
            .parse()
            .ok()
            .filter(|d| (1..=366).contains(d))
            .ok_or_else(|| {
                format!(
                    "expires after {:?} days: give a whole number of days from 1 to 366",
                    form.expires_days
                )
            })?;
        self.with_session(|store, s| {
            let opt = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
            let input = AgencyEntryInput {
                list_id: form.list.clone(),
                listed: ListedPlate {
                    plate: alpr_images::plate_text(&form.plate),
                    state: opt(&form.state).map(|s| s.to_ascii_uppercase()),
                    make: opt(&form.make),
                    model: opt(&form.model),
                    color: opt(&form.color),
                    reason: form.reason.trim().to_string(),
                    priority: Priority::High,
                    oca: opt(&form.case_number),
                    instructions: opt(&form.instructions),
                    expires_at: Some(Utc::now() + chrono::Duration::days(days)),
                    ..ListedPlate::default()
                },
                case_number: form.case_number.trim().to_string(),
                synopsis: form.reason.trim().to_string(),
                requested_by: s.user().to_string(),
            };
            let id = store
                .enter_agency_entry(s, &input)
                .map_err(|e| e.to_string())?;
            let approval = if s.policy().hotlists.agency_entry_requires_approval {
                "; it matches once a supervisor approves it"
            } else {
                ""
            };
            Ok(format!(
                "Entered {} on {} for case {} (entry {id}){approval}",
                input.listed.plate, input.list_id, input.case_number
            ))
        })
    }

    fn start_canvass(&self, case_number: &str, note: &str) -> Result<CanvassView, String> {
        self.with_session(|store, s| {
            store
                .start_canvass(s, case_number.trim(), note.trim())
                .map_err(|e| e.to_string())?;
            Ok(())
        })?;
        self.canvass()
    }

    fn end_canvass(&self) -> Result<CanvassView, String> {
        self.with_session(|store, s| {
            let open = store
                .active_canvass()
                .map_err(|e| e.to_string())?
                .ok_or("no canvass is running")?;
            store.end_canvass(s, open.id).map_err(|e| e.to_string())?;
            Ok(())
        })?;
        self.canvass()
    }

    fn canvass(&self) -> Result<CanvassView, String> {
        self.with_session(|store, s| {
            let Some(open) = store.active_canvass().map_err(|e| e.to_string())? else {
                return Ok(CanvassView::default());
            };
            let reads = store
                .canvass_reads(s, open.id, CANVASS_READS)
                .map_err(|e| e.to_string())?;
            Ok(CanvassView {
                active: true,
                case_number: open.case_number.clone(),
                started: open
                    .started_at
                    .with_timezone(&chrono::Local)
                    .format("%H:%M:%S")
                    .to_string(),
                reads: reads.iter().map(|r| read_view(store, r, true)).collect(),
            })
        })
    }

    fn export_canvass(&self) -> Result<String, String> {
        self.with_session(|store, s| {
            let canvass = match store.active_canvass().map_err(|e| e.to_string())? {
                Some(c) => c,
                None => store
                    .canvasses(s)
                    .map_err(|e| e.to_string())?
                    .into_iter()
                    .max_by_key(|c| c.started_at)
                    .ok_or("no canvass to export")?,
            };
            let dir = self.data_dir.join("exports").join(format!(
                "canvass-{}-{}",
                canvass
                    .case_number
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
                Utc::now().format("%Y%m%dT%H%M%S")
            ));
            let report = store
                .export_canvass(s, canvass.id, &dir)
                .map_err(|e| e.to_string())?;
            Ok(format!(
                "Exported {} reads of case {} to {}",
                report.reads,
                canvass.case_number,
                dir.display()
            ))
        })
    }

    fn diagnostics(&self, audio: &alpr_ui::audio::AudioStatus) -> Vec<CheckView> {
        selftest_with_audio(&self.data_dir, &Thresholds::default(), Utc::now(), audio)
            .into_iter()
            .map(|c| CheckView {
                name: c.name,
                verdict: match c.status {
                    Verdict::Pass => "pass",
                    Verdict::Warn => "warn",
                    Verdict::Fail => "fail",
                }
                .into(),
                detail: c.detail,
                hint: c.hint,
            })
            .collect()
    }
}

/// The policy's forms and wording for the screen.
pub fn setup(policy: &Policy, car: &str, entry_lists: Vec<String>) -> alpr_ui::screen::ScreenSetup {
    alpr_ui::screen::ScreenSetup {
        agency: policy.agency.name.clone(),
        car: car.to_string(),
        version: format!("alpr {}", env!("CARGO_PKG_VERSION")),
        prohibited_uses: policy.prohibited_uses.items.clone(),
        crime_types: policy.search.crime_types.clone(),
        reason_min_chars: policy.search.reason_min_chars,
        case_required: policy.search.case_number_required,
        entry_lists,
    }
}
