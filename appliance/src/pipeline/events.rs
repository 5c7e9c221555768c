use std::sync::Arc;

use crate::model::MatchedRead;

/// What the pipeline tells screens and consoles.
#[derive(Debug, Clone)]
pub enum PipelineEvent {
    /// A read raised hits the officer must be alerted to now (before it is stored).
    Alert(Arc<MatchedRead>),
    /// A read (with any hits) is safely stored.
    Stored(Arc<MatchedRead>),
}
