//! Hot lists: loading them, and matching reads against them.

mod csv_list;
mod index;

pub use csv_list::{CsvListError, parse_csv_list};
pub use index::HotlistIndex;
