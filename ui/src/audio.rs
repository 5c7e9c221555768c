//! Playback of the alert tones (being written).
