//! The smart-camera read event, version 1 (see `images/SMART_CAMERA_PROTOCOL.md`).

use std::collections::BTreeMap;

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::image_store::ImageFormat;
use crate::observation::{Alternative, ImageBytes, PlateObservation, normalise_plate};

/// The largest image accepted in an event, before base64.
const MAX_IMAGE_BYTES: usize = 4 * 1024 * 1024;

/// One read event as it appears on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadEvent {
    /// Always `"read"` in version 1; absent means `"read"`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub camera: String,
    /// The camera's id for the event: when given, the appliance answers `{"ack": id}` once the
    /// read is stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub plate: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub confidence: f64,
    /// RFC 3339 with a zone, as the camera's clock had it when the frame was captured.
    pub time: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<Alternative>,
    /// Base64 JPEG or PNG of the plate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate_crop: Option<String>,
    /// Base64 JPEG or PNG of the scene around the plate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_image: Option<String>,
    /// Fields this version does not know; kept to be reported, never fatal.
    #[serde(flatten)]
    pub unknown: BTreeMap<String, serde_json::Value>,
}

/// What was wrong with a line; `kind` names the fault for counting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct LineError {
    pub kind: &'static str,
    pub message: String,
}

impl LineError {
    fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

/// A parsed event with anything worth a warning that did not stop it.
#[derive(Debug)]
pub struct ParsedRead {
    pub observation: PlateObservation,
    /// The event's id, to acknowledge it by.
    pub id: Option<String>,
    pub warnings: Vec<String>,
}

/// Parses and checks one line. An event with a bad image keeps its read and loses the image, with
/// a warning: the plate and time are the evidence, the picture supports it.
pub fn parse_read_event(line: &[u8]) -> Result<ParsedRead, LineError> {
    let text = std::str::from_utf8(line)
        .map_err(|e| LineError::new("not-utf8", format!("not UTF-8: {e}")))?;
    let event: ReadEvent = serde_json::from_str(text)
        .map_err(|e| LineError::new("bad-json", format!("not a read event: {e}")))?;
    let mut warnings = Vec::new();
    match event.kind.as_deref() {
        None | Some("read") => {}
        Some(other) => {
            return Err(LineError::new(
                "unknown-type",
                format!("unknown event type {other:?}"),
            ));
        }
    }
    if !event.unknown.is_empty() {
        let names: Vec<&str> = event.unknown.keys().map(String::as_str).collect();
        warnings.push(format!("ignored unknown fields: {}", names.join(", ")));
    }
    let camera = event.camera.trim();
    if camera.is_empty() || camera.len() > 64 || camera.chars().any(char::is_control) {
        return Err(LineError::new(
            "bad-camera",
            "camera must be a name of 1 to 64 printable characters",
        ));
    }
    let plate = normalise_plate(&event.plate).ok_or_else(|| {
        LineError::new(
            "bad-plate",
            format!("plate {:?} is not 1 to 10 letters and digits", event.plate),
        )
    })?;
    let confidence = checked_confidence(event.confidence, "confidence")?;
    let state = match event.state.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) if s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()) => {
            Some(s.to_ascii_uppercase())
        }
        Some(s) => {
            return Err(LineError::new(
                "bad-state",
                format!("state {s:?} is not a two-letter code"),
            ));
        }
    };
    let captured_at = DateTime::parse_from_rfc3339(&event.time)
        .map_err(|e| {
            LineError::new(
                "bad-time",
                format!("time {:?} is not RFC 3339 with a zone: {e}", event.time),
            )
        })?
        .with_timezone(&Utc);
    let mut alternatives = Vec::with_capacity(event.alternatives.len());
    for alt in &event.alternatives {
        let Some(p) = normalise_plate(&alt.plate) else {
            warnings.push(format!(
                "dropped alternative {:?}: not letters and digits",
                alt.plate
            ));
            continue;
        };
        alternatives.push(Alternative {
            plate: p,
            confidence: checked_confidence(alt.confidence, "alternative confidence")?,
        });
    }
    let plate_crop = decode_image(event.plate_crop.as_deref(), "plate_crop", &mut warnings);
    let context_image = decode_image(
        event.context_image.as_deref(),
        "context_image",
        &mut warnings,
    );
    Ok(ParsedRead {
        observation: PlateObservation {
            camera: camera.to_string(),
            plate,
            state,
            confidence,
            captured_at,
            alternatives,
            plate_crop,
            context_image,
            ack: None,
        },
        id: event.id.clone().filter(|id| !id.is_empty()),
        warnings,
    })
}

fn checked_confidence(c: f64, what: &str) -> Result<f64, LineError> {
    if (0.0..=1.0).contains(&c) {
        Ok(c)
    } else {
        Err(LineError::new(
            "bad-confidence",
            format!("{what} {c} is outside 0 to 1"),
        ))
    }
}

fn decode_image(b64: Option<&str>, field: &str, warnings: &mut Vec<String>) -> Option<ImageBytes> {
    let b64 = b64?;
    if b64.len() / 4 * 3 > MAX_IMAGE_BYTES {
        warnings.push(format!(
            "dropped {field}: larger than {MAX_IMAGE_BYTES} bytes"
        ));
        return None;
    }
    match base64::engine::general_purpose::STANDARD.decode(b64) {
        Ok(bytes) if ImageFormat::sniff(&bytes).is_some() => Some(ImageBytes(bytes)),
        Ok(_) => {
            warnings.push(format!("dropped {field}: not a JPEG or PNG image"));
            None
        }
        Err(e) => {
            warnings.push(format!("dropped {field}: bad base64: {e}"));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG_B64: &str = "/9j/4AAQ"; // FF D8 FF E0 00 10

    #[test]
    fn a_full_event_parses() {
        let line = format!(
            r#"{{"type":"read","camera":"front-left","plate":"7abc-123","state":"ca","confidence":0.93,
                "time":"2026-11-23T18:04:05.250-08:00","alternatives":[{{"plate":"7A8C123","confidence":0.4}}],
                "plate_crop":"{JPEG_B64}"}}"#
        )
        .replace('\n', "");
        let p = parse_read_event(line.as_bytes()).expect("valid event");
        let o = p.observation;
        assert_eq!(
            (o.plate.as_str(), o.state.as_deref()),
            ("7ABC123", Some("CA"))
        );
        assert_eq!(o.captured_at.to_rfc3339(), "2026-11-24T02:04:05.250+00:00");
        assert_eq!(o.alternatives[0].plate, "7A8C123");
        assert!(o.plate_crop.is_some() && o.context_image.is_none());
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn unknown_fields_warn_but_keep_the_read() {
        let line = br#"{"camera":"c","plate":"X1","confidence":1,"time":"2026-01-01T00:00:00Z","speed":42}"#;
        let p = parse_read_event(line).expect("read kept");
        assert_eq!(
            p.warnings,
            vec!["ignored unknown fields: speed".to_string()]
        );
    }

    #[test]
    fn faults_are_named() {
        let cases: [(&[u8], &str); 6] = [
            (b"{not json", "bad-json"),
            (b"\xff\xfe", "not-utf8"),
            (br#"{"camera":"c","plate":"X!","confidence":1,"time":"2026-01-01T00:00:00Z"}"#, "bad-plate"),
            (br#"{"camera":"c","plate":"X1","confidence":93,"time":"2026-01-01T00:00:00Z"}"#, "bad-confidence"),
            (br#"{"camera":"c","plate":"X1","confidence":1,"time":"2026-01-01 00:00"}"#, "bad-time"),
            (br#"{"type":"status","camera":"c","plate":"X1","confidence":1,"time":"2026-01-01T00:00:00Z"}"#, "unknown-type"),
        ];
        for (line, kind) in cases {
            let err = parse_read_event(line).expect_err("fault");
            assert_eq!(err.kind, kind, "{err}");
        }
    }

    #[test]
    fn a_bad_image_loses_the_image_not_the_read() {
        let line = br#"{"camera":"c","plate":"X1","confidence":1,"time":"2026-01-01T00:00:00Z","context_image":"R0lGODlh"}"#;
        let p = parse_read_event(line).expect("read kept");
        assert!(p.observation.context_image.is_none());
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    }
}
