//! A recorded NMEA log, read whole.

use chrono::{DateTime, Utc};

use crate::epoch::{NmeaDecoder, SentenceStats};
use crate::fix::Fix;

/// Why a log gave nothing to use.
#[derive(Debug, thiserror::Error)]
pub enum NmeaLogError {
    #[error("the NMEA log has no usable fix ({rejected} of {read} sentences rejected)")]
    NoFixes { read: u64, rejected: u64 },
}

/// Every fix in an NMEA log (bytes as recorded: noise and all), with counts of what was read and
/// rejected.
pub fn read_nmea_fixes(log: &[u8]) -> (Vec<Fix>, SentenceStats) {
    let mut decoder = NmeaDecoder::default();
    let mut fixes = Vec::new();
    decoder.push(log, &mut fixes);
    decoder.finish(&mut fixes);
    (fixes, decoder.stats().clone())
}

/// The fixes of a recorded log (a route to replay) that have a position, in time order.
#[derive(Debug, Clone)]
pub struct NmeaLog {
    fixes: Vec<Fix>,
    stats: SentenceStats,
}

impl NmeaLog {
    pub fn parse(log: &[u8]) -> Result<Self, NmeaLogError> {
        let (mut fixes, stats) = read_nmea_fixes(log);
        fixes.retain(|f| f.position().is_some());
        if fixes.is_empty() {
            return Err(NmeaLogError::NoFixes {
                read: stats.read,
                rejected: stats.rejected,
            });
        }
        fixes.sort_by_key(|f| f.time);
        Ok(Self { fixes, stats })
    }

    pub fn stats(&self) -> &SentenceStats {
        &self.stats
    }

    /// The recorded time of the first fix.
    pub fn start(&self) -> Option<DateTime<Utc>> {
        self.fixes.first().map(|f| f.time)
    }

    pub fn into_fixes(self) -> Vec<Fix> {
        self.fixes
    }
}
