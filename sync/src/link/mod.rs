//! The link between a car and headquarters: HTTP/1.1 over mutually authenticated TLS 1.3.
//!
//! Requests (all under `/v1/`, bodies are `wire::ChangeBatch`es or small JSON):
//! - `GET  hello?site=HEX&db_version=N` — who HQ is (its site id) and that it knows the car;
//! - `GET  state?stream=S` — through which of the car's versions HQ holds `S`;
//! - `POST push` — a batch of the car's changes; `200 {"through": N}`, or `409 {"expected": N}`
//!   when it does not start where HQ is (a replay or a gap), `422` when refused;
//! - `POST pull?stream=S` with the car's `Resume` (JSON) — HQ's next batch for the car, `204`
//!   when there is none.
//!
//! The car is the one who connects (it knows when it has a link); HQ never reaches a car.

pub mod client;
pub mod server;

use serde::{Deserialize, Serialize};

/// `hello`'s answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u16,
    /// Headquarters' site id, hex.
    pub hq_site: String,
    /// The car id HQ read from the car's certificate.
    pub car_id: String,
}

/// `push`'s and `state`'s answer: where headquarters stands with the car on a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushAck {
    pub through: i64,
    /// Where headquarters stands, parts of a version kept aside included.
    pub resume: crate::exchange::Resume,
}

/// The answer to a refused request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub error: String,
    /// For an image chunk at the wrong offset: the offset to resend from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected: Option<i64>,
    /// For an out-of-order batch: where to resend from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<crate::exchange::Resume>,
}
