//! Adapters from the appliance's reads and hits to the screens' view models.

use alpr_ui::{HitView, ReadView};
use chrono::Local;

use crate::model::{Hit, Read};

pub fn read_view(r: &Read) -> ReadView {
    let o = &r.observation;
    ReadView {
        time: o
            .captured_at
            .with_timezone(&Local)
            .format("%H:%M:%S")
            .to_string(),
        camera: o.camera.clone(),
        plate: o.plate.clone(),
        state: o.state.clone().unwrap_or_default(),
        confidence_pct: (o.confidence * 100.0).round().clamp(0.0, 100.0) as u8,
        position: r
            .position
            .as_ref()
            .map(|p| format!("{:.5},{:.5}", p.lat, p.lon))
            .unwrap_or_default(),
        position_quality: r
            .position
            .as_ref()
            .map_or("no fix", |p| p.quality.as_str())
            .to_string(),
        crop: o
            .plate_crop
            .as_ref()
            .map(|i| alpr_ui::EncodedImage(i.0.clone())),
        hit: false,
        canvass: false,
    }
}

pub fn hit_view(r: &Read, h: &Hit) -> HitView {
    HitView {
        read: read_view(r),
        list: h.entry.list_id.clone(),
        listed_plate: h.entry.listed.plate.clone(),
        listed_state: h.entry.listed.state.clone().unwrap_or_default(),
        reason: h.entry.listed.reason.clone(),
        priority: h.entry.listed.priority.as_str().to_string(),
        match_kind: h.match_label(),
        matched_reading: h.read_plate.clone(),
        confused_positions: h.confused.clone(),
        state_mismatch: h.state_mismatch,
    }
}
