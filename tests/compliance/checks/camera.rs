//! What a camera's event becomes in the store: a plate read, nothing about the people.

use alpr_images::smart_camera::parse_read_event;
use alpr_tests::jpeg_bytes;
use base64::Engine;
use chrono::Utc;

use super::Fx;

/// The columns a read has: the plate and its readings, time, place, camera and the two images.
const READ_COLUMNS: &[&str] = &[
    "id",
    "car_id",
    "camera",
    "plate",
    "state",
    "confidence",
    "alternatives",
    "captured_at_ms",
    "lat",
    "lon",
    "fix_quality",
    "fix_age_ms",
    "hdop",
    "plate_image_sha256",
    "plate_image_format",
    "context_image_sha256",
    "context_image_format",
    "stored_at_ms",
];

/// An event carrying `face`, `occupants` and `audio` is stored as a plate read without them.
pub fn cameras_keep_plate_reads_only(policy_id: &str) {
    let mut fx = Fx::new(policy_id);
    let b64 = base64::engine::general_purpose::STANDARD;
    let line = format!(
        r#"{{"camera":"front","plate":"CAM123","state":"IA","confidence":0.93,"time":"{}",
            "plate_crop":"{}","face":"FACE-EMBEDDING-7731","occupants":["OCCUPANT-DRIVER-5520"],
            "audio":"AUDIO-CLIP-9902"}}"#,
        Utc::now().to_rfc3339(),
        b64.encode(jpeg_bytes(3))
    )
    .replace('\n', "");
    let parsed = parse_read_event(line.as_bytes()).expect("the read itself is valid");
    assert_eq!(
        parsed.warnings,
        ["ignored unknown fields: audio, face, occupants"],
        "the extra fields are named and dropped"
    );
    fx.insert(&[alpr_appliance::model::MatchedRead {
        read: alpr_appliance::model::Read {
            id: alpr_appliance::model::new_id(),
            observation: parsed.observation,
            position: None,
        },
        hits: vec![],
    }]);
    let stored = fx.store.recent_reads(10).expect("reads");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].plate, "CAM123");
    assert!(stored[0].plate_image_sha256.is_some());
    let json = serde_json::to_string(&stored[0]).expect("read as JSON");
    for word in ["face", "occupant", "audio", "FACE-", "OCCUPANT-", "AUDIO-"] {
        assert!(!json.contains(word), "{word} in {json}");
    }
    let mut stmt = fx
        .store
        .connection()
        .prepare("SELECT name FROM pragma_table_info('reads')")
        .expect("columns");
    let mut columns: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .expect("columns")
        .collect::<Result<_, _>>()
        .expect("columns");
    columns.sort();
    let mut want: Vec<String> = READ_COLUMNS.iter().map(|c| c.to_string()).collect();
    want.sort();
    assert_eq!(
        columns, want,
        "the reads table holds nothing but the plate read"
    );
    drop(stmt);
    let bytes = fx.db_bytes();
    for marker in [
        "FACE-EMBEDDING-7731",
        "OCCUPANT-DRIVER-5520",
        "AUDIO-CLIP-9902",
    ] {
        assert!(!super::holds(&bytes, marker), "{marker} is in alpr.db");
    }
}
