//! View models into the structs and properties the Slint screens take.

use slint::{Image, ModelRc, Rgba8Pixel, SharedPixelBuffer, SharedString, VecModel};

use super::{AlertPage, CheckRow, PlateChar, ReadRow, StatusLine, StepRow};
use crate::views::{AlertView, CheckView, EncodedImage, Mark, ReadView, StatusView, StepView};

pub(super) fn strings(items: &[String]) -> ModelRc<SharedString> {
    ModelRc::new(VecModel::from(
        items
            .iter()
            .map(|s| SharedString::from(s.as_str()))
            .collect::<Vec<_>>(),
    ))
}

/// A camera's JPEG or PNG as pixels; an image that does not decode is shown as missing (and
/// logged), never as an error on the officer's screen.
pub(super) fn decode(image: &EncodedImage) -> Option<Image> {
    match image::load_from_memory(&image.0) {
        Ok(decoded) => {
            let rgba = decoded.to_rgba8();
            let buffer = SharedPixelBuffer::<Rgba8Pixel>::clone_from_slice(
                rgba.as_raw(),
                rgba.width(),
                rgba.height(),
            );
            Some(Image::from_rgba8(buffer))
        }
        Err(e) => {
            tracing::warn!(
                "a camera image ({} bytes) does not decode: {e}",
                image.0.len()
            );
            None
        }
    }
}

pub(super) fn read_row(r: &ReadView) -> ReadRow {
    let crop = r.crop.as_ref().and_then(decode);
    ReadRow {
        time: r.time.as_str().into(),
        camera: r.camera.as_str().into(),
        plate: r.plate.as_str().into(),
        state: r.state.as_str().into(),
        confidence: i32::from(r.confidence_pct),
        position: r.position.as_str().into(),
        quality: r.position_quality.as_str().into(),
        has_crop: crop.is_some(),
        crop: crop.unwrap_or_default(),
        hit: r.hit,
        canvass: r.canvass,
    }
}

fn plate_chars(chars: &[(char, Mark)]) -> ModelRc<PlateChar> {
    ModelRc::new(VecModel::from(
        chars
            .iter()
            .map(|(c, m)| PlateChar {
                ch: c.to_string().into(),
                mark: match m {
                    Mark::Same => 0,
                    Mark::Confusion => 1,
                    Mark::Wildcard => 2,
                    Mark::Differs => 3,
                },
            })
            .collect::<Vec<_>>(),
    ))
}

fn step_row(s: &StepView) -> StepRow {
    StepRow {
        id: s.id.as_str().into(),
        text: s.text.as_str().into(),
        required: s.required,
        excusable_not_practicable: s.excusable.iter().any(|e| e == "not-practicable"),
        excusable_exigent: s.excusable.iter().any(|e| e == "exigent"),
        outcome: s.outcome.as_deref().unwrap_or_default().into(),
        recorded: s.recorded.as_str().into(),
    }
}

pub(super) fn fill_alert(page: &AlertPage<'_>, a: &AlertView) {
    page.set_hit_id(a.hit_id.as_str().into());
    page.set_priority(a.priority.as_str().into());
    page.set_list(a.list.as_str().into());
    page.set_match_kind(a.match_kind.as_str().into());
    page.set_reason(a.reason.as_str().into());
    page.set_instructions(a.instructions.as_str().into());
    page.set_entry_age(a.entry_age.as_str().into());
    page.set_case_number(a.case_number.as_str().into());
    page.set_synopsis(a.synopsis.as_str().into());
    let crop = a.crop.as_ref().and_then(decode);
    page.set_has_crop(crop.is_some());
    page.set_crop(crop.unwrap_or_default());
    let context = a.context.as_ref().and_then(decode);
    page.set_has_context(context.is_some());
    page.set_context(context.unwrap_or_default());
    page.set_read_plate(a.read.plate.as_str().into());
    page.set_read_time(a.read.time.as_str().into());
    page.set_read_camera(a.read.camera.as_str().into());
    fill_position(page, a);
    page.set_read_confidence(format!("{}%", a.read.confidence_pct).into());
    page.set_read_chars(plate_chars(&a.read_chars));
    page.set_listed_chars(plate_chars(&a.listed_chars));
    page.set_read_state(a.read.state.as_str().into());
    page.set_listed_state(a.listed_state.as_str().into());
    page.set_state_differs(a.state_differs);
    page.set_listed_vehicle(a.listed_vehicle.as_str().into());
    page.set_vehicle_note(a.vehicle_note.as_str().into());
    page.set_character_note(a.character_note.as_str().into());
    page.set_confirm_through(a.confirm_through.as_str().into());
    page.set_reminder(a.reminder.as_str().into());
    page.set_error(SharedString::new());
    page.set_acknowledged(false);
    fill_progress(page, a);
}

pub(super) fn fill_position(page: &AlertPage<'_>, a: &AlertView) {
    page.set_read_position(if a.read.position.is_empty() {
        SharedString::from("no position yet")
    } else {
        format!("{} ({})", a.read.position, a.read.position_quality).into()
    });
}

pub(super) fn fill_progress(page: &AlertPage<'_>, a: &AlertView) {
    page.set_steps(ModelRc::new(VecModel::from(
        a.steps.iter().map(step_row).collect::<Vec<_>>(),
    )));
    page.set_enforcement_allowed(a.enforcement_allowed);
    page.set_disposed(a.disposed.as_deref().unwrap_or_default().into());
}

pub(super) fn check_row(c: &CheckView) -> CheckRow {
    CheckRow {
        name: c.name.as_str().into(),
        verdict: c.verdict.as_str().into(),
        detail: c.detail.as_str().into(),
        hint: c.hint.as_str().into(),
    }
}

pub(super) fn fill_status(line: &mut StatusLine, s: &StatusView) {
    line.gps = s.gps.text.as_str().into();
    line.gps_verdict = s.gps.verdict.as_str().into();
    line.cameras = s.cameras.text.as_str().into();
    line.cameras_verdict = s.cameras.verdict.as_str().into();
    line.hotlist = s.hotlists.text.as_str().into();
    line.hotlist_verdict = s.hotlists.verdict.as_str().into();
    line.sync = s.sync.text.as_str().into();
    line.sync_verdict = s.sync.verdict.as_str().into();
}

/// The wall clock, `HH:MM:SS` UTC: the screen's own clock for "checked at".
pub(super) fn now_hms() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "{:02}:{:02}:{:02} UTC",
        secs / 3600 % 24,
        secs / 60 % 60,
        secs % 60
    )
}
