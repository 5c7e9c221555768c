//! Hot lists: loading them, and matching reads against them.

mod csv_list;
pub mod import;
mod index;
pub mod naive;
pub mod plate;
mod record;
pub mod wildcard;

pub use csv_list::{CsvListError, parse_csv_list};
pub use index::{Candidate, HotlistIndex, IndexBuilder, secs};
pub use plate::ConfusionTable;
