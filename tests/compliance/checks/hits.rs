//! A hit's verification checklist from the policy's `alerts.steps`, the reminder every alert
//! carries, and enforcement dispositions refused until the checklist allows them.

use alpr_appliance::policy::VerificationStep;
use alpr_appliance::store::ENFORCEMENT_ACTIONS;
use chrono::{Datelike, Utc};
use uuid::Uuid;

use super::{Fx, entry_input, listed, refused_naming};

/// A hit on an NCIC-list entry for `plate` (listed in `state`), read in `state`.
fn ncic_hit(fx: &mut Fx, plate: &str, state: &str) -> Uuid {
    fx.load_list("ncic", &[listed(plate, Some(state))]);
    fx.hit(plate, Some(state))
}

/// A hit on an approved agency entry on `list` for `plate`.
fn agency_hit(fx: &mut Fx, list: &str, plate: &str) -> Uuid {
    let (ofc, admin) = (fx.ofc.clone(), fx.admin.clone());
    let id = fx
        .store
        .enter_agency_entry(&ofc, &entry_input(list, plate))
        .expect("entered");
    fx.store.approve_agency_entry(&admin, id).expect("approved");
    fx.hit(plate, None)
}

/// Records `outcome` for a checklist step.
fn step(fx: &mut Fx, hit: Uuid, id: &str, outcome: &str, note: Option<&str>) {
    let ofc = fx.ofc.clone();
    fx.store
        .record_hit_step(&ofc, hit, id, outcome, None, note)
        .unwrap_or_else(|e| panic!("{id} {outcome}: {e}"));
}

/// An enforcement disposition (`confirmed` with `action`).
fn enforce(
    fx: &mut Fx,
    hit: Uuid,
    action: &str,
) -> Result<Uuid, alpr_appliance::store::StoreError> {
    let ofc = fx.ofc.clone();
    fx.store
        .record_hit_step(&ofc, hit, "disposition", "confirmed", Some(action), None)
}

/// Asserts `action` is refused on `hit` naming `step`'s text, and that nothing was recorded.
fn refused_before(fx: &mut Fx, hit: Uuid, action: &str, step: &VerificationStep) -> String {
    let before = fx.rows("dispositions WHERE step = 'disposition'");
    let text = refused_naming(enforce(fx, hit, action), &step.text);
    assert!(text.contains(&format!("no {action}")), "{text}");
    assert_eq!(
        fx.rows("dispositions WHERE step = 'disposition'"),
        before,
        "a refused disposition is not stored"
    );
    text
}

fn steps_for(fx: &Fx, list: &str) -> Vec<VerificationStep> {
    fx.policy.alerts.steps_for(list).cloned().collect()
}

/// Records every required step of the hit's checklist as confirmed, except those in `skip`.
fn confirm_all_but(fx: &mut Fx, hit: Uuid, list: &str, skip: &[&str]) {
    for s in steps_for(fx, list) {
        if s.required_before_enforcement && !skip.contains(&s.id.as_str()) {
            step(fx, hit, &s.id, "confirmed", None);
        }
    }
}

/// The checklist is the policy's steps in order, the last naming where a hit is confirmed
/// (`names`); an enforcement disposition with that step unrecorded is refused; recorded
/// `not-practicable` with a note it is accepted, the note kept.
pub fn checklist_ends_with_confirmation(policy_id: &str, names: &str) {
    let mut fx = Fx::new(policy_id);
    assert!(fx.policy.alerts.confirm_through.contains(names));
    let hit = ncic_hit(&mut fx, "NCC123", "IA");
    let ofc = fx.ofc.clone();
    let alert = fx.store.hit_alert(&ofc, hit).expect("alert");
    let want = steps_for(&fx, "ncic");
    let ids: Vec<&str> = alert.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        want.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        "the policy's steps, in order"
    );
    let last = want.last().expect("steps").clone();
    assert!(last.text.contains(names), "{:?}", last.text);
    assert!(last.required_before_enforcement);
    assert!(
        last.excusable.iter().any(|e| e == "not-practicable"),
        "the policy says \"if practicable\""
    );
    assert_eq!(alert.confirm_through, fx.policy.alerts.confirm_through);
    assert!(alert.steps.iter().all(|s| s.outcome.is_none()));

    confirm_all_but(&mut fx, hit, "ncic", &[&last.id]);
    for action in ENFORCEMENT_ACTIONS {
        let text = refused_before(&mut fx, hit, action, &last);
        assert!(text.contains("not recorded"), "{text}");
    }
    // Not practicable without a note is not enough.
    let ofc2 = fx.ofc.clone();
    refused_naming(
        fx.store
            .record_hit_step(&ofc2, hit, &last.id, "not-practicable", None, None),
        "needs a note",
    );
    let note = "radio dead zone on the interstate; record checked visually against the list";
    step(&mut fx, hit, &last.id, "not-practicable", Some(note));
    enforce(&mut fx, hit, "stop").expect("a stop once the step is excused with a note");
    let alert = fx.store.hit_alert(&ofc, hit).expect("alert");
    let s = alert
        .steps
        .iter()
        .find(|s| s.id == last.id)
        .expect("the step");
    assert_eq!(s.outcome.as_deref(), Some("not-practicable"));
    assert_eq!(s.notes.as_deref(), Some(note));
    assert_eq!(s.by.as_deref(), Some("ofc"));
    assert!(s.at.is_some());
    assert_eq!(alert.hit.disposition.as_deref(), Some("confirmed"));
}

/// Every alert carries the policy's reminder word for word, and it names each of `must_name`.
pub fn alert_carries_reminder(policy_id: &str, must_name: &[&str]) {
    let mut fx = Fx::new(policy_id);
    let reminder = fx.policy.alerts.reminder.clone();
    for n in must_name {
        assert!(
            reminder.to_lowercase().contains(&n.to_lowercase()),
            "the reminder {reminder:?} does not name {n:?}"
        );
    }
    let hit = ncic_hit(&mut fx, "RMD123", "IA");
    let ofc = fx.ofc.clone();
    let alert = fx.store.hit_alert(&ofc, hit).expect("alert");
    assert_eq!(alert.reminder, reminder);
    // A refused stop repeats it.
    let text = err_text_of(enforce(&mut fx, hit, "stop"));
    assert!(text.contains(&reminder), "{text}");
    let bolo = agency_hit(&mut fx, "bolo", "RMD456");
    assert_eq!(
        fx.store.hit_alert(&ofc, bolo).expect("alert").reminder,
        reminder
    );
}

fn err_text_of<T: std::fmt::Debug>(r: Result<T, alpr_appliance::store::StoreError>) -> String {
    super::err_text(r, "a refusal")
}

/// An NCIC hit: a stop is refused until the plate and the NCIC confirmation are recorded (the
/// NCIC step cannot be excused); on an agency-list hit the plate step is still required.
pub fn ncic_hit_needs_ncic_confirmation_before_stop(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let steps = steps_for(&fx, "ncic");
    let plate = steps
        .iter()
        .find(|s| s.id == "plate-characters")
        .expect("plate step")
        .clone();
    let ncic = steps
        .iter()
        .find(|s| s.text.contains("NCIC"))
        .expect("an NCIC step")
        .clone();
    assert!(plate.required_before_enforcement && plate.excusable.is_empty());
    assert!(
        ncic.required_before_enforcement && ncic.excusable.is_empty(),
        "\"must be confirmed through NCIC\": never excused"
    );
    let hit = ncic_hit(&mut fx, "NCI456", "IA");
    refused_before(&mut fx, hit, "stop", &plate);
    let ofc = fx.ofc.clone();
    refused_naming(
        fx.store.record_hit_step(
            &ofc,
            hit,
            &ncic.id,
            "not-practicable",
            None,
            Some("no radio"),
        ),
        "does not let",
    );
    step(&mut fx, hit, &plate.id, "confirmed", None);
    // Plate confirmed, NCIC not: still refused, naming the NCIC step.
    confirm_all_but(&mut fx, hit, "ncic", &[&ncic.id, &plate.id]);
    refused_before(&mut fx, hit, "stop", &ncic);
    // The file also requires the state and vehicle steps (recorded above with the plate); with
    // the NCIC step confirmed the stop is accepted.
    step(&mut fx, hit, &ncic.id, "confirmed", None);
    enforce(&mut fx, hit, "stop").expect("stop after plate and NCIC confirmed");

    let agency = agency_hit(&mut fx, "bolo", "AGY789");
    confirm_all_but(&mut fx, agency, "bolo", &[&plate.id]);
    refused_before(&mut fx, agency, "stop", &plate);
    step(&mut fx, agency, &plate.id, "confirmed", None);
    enforce(&mut fx, agency, "stop").expect("stop once the plate is verified");
}

/// The checklist is the policy's steps in order, the confirmation step naming MDT or dispatch;
/// a BOLO hit adds the BOLO step; each outcome is recorded with the member and the time.
pub fn checklist_confirms_via_mdt_or_dispatch(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    assert!(fx.policy.alerts.confirm_through.contains("MDT or dispatch"));
    let hit = ncic_hit(&mut fx, "MDT123", "KY");
    let ofc = fx.ofc.clone();
    let want = steps_for(&fx, "ncic");
    let alert = fx.store.hit_alert(&ofc, hit).expect("alert");
    let ids: Vec<&str> = alert.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, want.iter().map(|s| s.id.as_str()).collect::<Vec<_>>());
    assert_eq!(
        ids,
        ["plate-characters", "state", "vehicle", "dispatch-confirmed"]
    );
    let dispatch = &alert.steps[3];
    assert!(
        dispatch.text.contains("MDT or dispatch"),
        "{}",
        dispatch.text
    );
    let bolo = agency_hit(&mut fx, "bolo", "MDT456");
    let alert = fx.store.hit_alert(&ofc, bolo).expect("alert");
    let ids: Vec<&str> = alert.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        steps_for(&fx, "bolo")
            .iter()
            .map(|s| s.id.as_str())
            .collect::<Vec<_>>()
    );
    assert_eq!(ids.last(), Some(&"bolo-basis"));

    let t0 = Utc::now();
    for s in &want {
        step(&mut fx, hit, &s.id, "confirmed", None);
    }
    let t1 = Utc::now();
    let alert = fx.store.hit_alert(&ofc, hit).expect("alert");
    for s in &alert.steps {
        assert_eq!(s.outcome.as_deref(), Some("confirmed"), "{s:?}");
        assert_eq!(s.by.as_deref(), Some("ofc"));
        let at = s.at.expect("when").timestamp_millis();
        assert!(
            (t0.timestamp_millis()..=t1.timestamp_millis()).contains(&at),
            "{s:?}"
        );
    }
    assert_eq!(fx.audited("hit.verify", Some("ofc")), want.len() as i64);
}

/// No stop, arrest, citation or recovery on an alert that has not been validated; once the I.1
/// and I.2 steps are confirmed, accepted.
pub fn no_enforcement_before_validation(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let hit = ncic_hit(&mut fx, "VAL123", "KY");
    let first = steps_for(&fx, "ncic")[0].clone();
    for action in ENFORCEMENT_ACTIONS {
        refused_before(&mut fx, hit, action, &first);
    }
    assert_eq!(
        fx.audited("refused", Some("ofc")),
        ENFORCEMENT_ACTIONS.len() as i64
    );
    // Following the vehicle and losing it is no enforcement: that ending needs no validation.
    let lost = ncic_hit(&mut fx, "VAL789", "KY");
    let ofc = fx.ofc.clone();
    fx.store
        .record_hit_step(&ofc, lost, "disposition", "unable-to-locate", None, None)
        .expect("a non-enforcement ending");
    confirm_all_but(&mut fx, hit, "ncic", &[]);
    enforce(&mut fx, hit, "arrest").expect("validated: arrest accepted");
    let second = ncic_hit(&mut fx, "VAL456", "KY");
    confirm_all_but(&mut fx, second, "ncic", &[]);
    enforce(&mut fx, second, "stop").expect("validated: stop accepted");
}

/// The confirmation may be excused only as exigent, with a note; not as not-practicable.
pub fn confirmation_or_exigency_before_stop(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let dispatch = steps_for(&fx, "ncic")
        .into_iter()
        .find(|s| s.id == "dispatch-confirmed")
        .expect("the confirmation step");
    assert_eq!(
        dispatch.excusable,
        ["exigent"],
        "\"absent exigent circumstances\""
    );
    let hit = ncic_hit(&mut fx, "EXG123", "KY");
    confirm_all_but(&mut fx, hit, "ncic", &[&dispatch.id]);
    let text = refused_before(&mut fx, hit, "stop", &dispatch);
    assert!(text.contains("not recorded"), "{text}");
    let ofc = fx.ofc.clone();
    refused_naming(
        fx.store.record_hit_step(
            &ofc,
            hit,
            &dispatch.id,
            "not-practicable",
            None,
            Some("no signal"),
        ),
        "does not let",
    );
    refused_naming(
        fx.store
            .record_hit_step(&ofc, hit, &dispatch.id, "exigent", None, None),
        "needs a note",
    );
    refused_before(&mut fx, hit, "stop", &dispatch);
    let note = "driver matched the armed robbery suspect and was fleeing toward a school zone";
    step(&mut fx, hit, &dispatch.id, "exigent", Some(note));
    enforce(&mut fx, hit, "stop").expect("stop under exigency with a note");
    let alert = fx.store.hit_alert(&ofc, hit).expect("alert");
    let s = alert
        .steps
        .iter()
        .find(|s| s.id == dispatch.id)
        .expect("step");
    assert_eq!(
        (s.outcome.as_deref(), s.notes.as_deref()),
        (Some("exigent"), Some(note))
    );
}

/// Characters, state and vehicle must be confirmed, never excused; a mismatch keeps the stop
/// refused; a hit whose state differs or that matched only through an OCR confusion shows it.
pub fn visual_checks_required_before_stop(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let steps = steps_for(&fx, "ncic");
    for id in ["plate-characters", "state", "vehicle"] {
        let s = steps.iter().find(|s| s.id == id).expect("visual step");
        assert!(
            s.required_before_enforcement && s.excusable.is_empty(),
            "{s:?}"
        );
    }
    let state = steps
        .iter()
        .find(|s| s.id == "state")
        .expect("state")
        .clone();
    let hit = ncic_hit(&mut fx, "VIS123", "KY");
    let ofc = fx.ofc.clone();
    step(&mut fx, hit, "dispatch-confirmed", "confirmed", None);
    for outcome in ["exigent", "not-practicable"] {
        refused_naming(
            fx.store
                .record_hit_step(&ofc, hit, "state", outcome, None, Some("a note")),
            "does not let",
        );
    }
    step(&mut fx, hit, "plate-characters", "confirmed", None);
    step(&mut fx, hit, "vehicle", "confirmed", None);
    step(&mut fx, hit, "state", "mismatch", None);
    let text = refused_before(&mut fx, hit, "stop", &state);
    assert!(text.contains("recorded mismatch"), "{text}");
    step(&mut fx, hit, "state", "confirmed", None);
    enforce(&mut fx, hit, "stop").expect("all three confirmed");

    // The listed plate is in Kentucky; the read says Ohio.
    fx.load_list(
        "ncic",
        &[listed("OHI123", Some("KY")), listed("XYZ789", Some("KY"))],
    );
    let other_state = fx.hit("OHI123", Some("OH"));
    let alert = fx.store.hit_alert(&ofc, other_state).expect("alert");
    assert!(alert.state_mismatch, "{alert:?}");
    // Read as XYZ7B9: it meets XYZ789 only because OCR confuses 8 and B, at position 4.
    let confused = fx.hit("XYZ7B9", Some("KY"));
    let alert = fx.store.hit_alert(&ofc, confused).expect("alert");
    assert_eq!(alert.differing_positions, [4], "{alert:?}");
    assert!(alert.hit.match_kind.contains("confusion"), "{alert:?}");
    assert!(!alert.state_mismatch);
}

/// A BOLO hit has the BOLO step and a stop waits for it; an NCIC hit has no BOLO step.
pub fn bolo_hit_needs_reasonable_basis_step(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let bolo_step = fx
        .policy
        .alerts
        .steps
        .iter()
        .find(|s| {
            s.lists
                .as_ref()
                .is_some_and(|l| l.iter().any(|x| x == "bolo"))
        })
        .expect("a BOLO-only step")
        .clone();
    assert!(bolo_step.required_before_enforcement && bolo_step.excusable.is_empty());
    let hit = agency_hit(&mut fx, "bolo", "BOL123");
    let ofc = fx.ofc.clone();
    let alert = fx.store.hit_alert(&ofc, hit).expect("alert");
    assert!(
        alert.steps.iter().any(|s| s.id == bolo_step.id),
        "{alert:?}"
    );
    confirm_all_but(&mut fx, hit, "bolo", &[&bolo_step.id]);
    refused_before(&mut fx, hit, "stop", &bolo_step);
    step(&mut fx, hit, &bolo_step.id, "confirmed", None);
    enforce(&mut fx, hit, "stop").expect("stop once the BOLO step is recorded");

    let ncic = ncic_hit(&mut fx, "NCB456", "KY");
    let alert = fx.store.hit_alert(&ofc, ncic).expect("alert");
    assert!(
        alert.steps.iter().all(|s| s.id != bolo_step.id),
        "{:?}",
        alert.steps
    );
    let ofc2 = fx.ofc.clone();
    refused_naming(
        fx.store
            .record_hit_step(&ofc2, ncic, &bolo_step.id, "confirmed", None, None),
        "this alert's steps are",
    );
}

/// A hit stays open until a disposition clears it; the yearly report counts the dispositions'
/// actions by kind.
pub fn stops_cleared_with_disposition(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    fx.load_list(
        "ncic",
        &[listed("STP111", Some("KY")), listed("STP222", Some("KY"))],
    );
    let one = fx.hit("STP111", Some("KY"));
    let two = fx.hit("STP222", Some("KY"));
    for h in [one, two] {
        confirm_all_but(&mut fx, h, "ncic", &[]);
    }
    let ofc = fx.ofc.clone();
    let open: Vec<Uuid> = fx
        .store
        .open_hits(&ofc)
        .expect("open")
        .iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(open.len(), 2, "validated but not cleared: both open");
    // A stop is itself recorded as a disposition here (`confirmed` with an action), which clears
    // the hit: the hits are cleared with the arrest and the citation the stops led to.
    enforce(&mut fx, one, "arrest").expect("arrest");
    let open: Vec<Uuid> = fx
        .store
        .open_hits(&ofc)
        .expect("open")
        .iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(open, [two]);
    enforce(&mut fx, two, "citation").expect("citation");
    assert!(fx.store.open_hits(&ofc).expect("open").is_empty());
    let admin = fx.admin.clone();
    let year = Utc::now().year();
    let f = fx.store.annual_figures(&admin, year).expect("figures");
    assert_eq!(f.actions.get("arrest"), Some(&1), "{:?}", f.actions);
    assert_eq!(f.actions.get("citation"), Some(&1), "{:?}", f.actions);
    assert_eq!(f.confirmed(), 2);
}
