use std::path::PathBuf;

use alpr_appliance::headquarters::HqLink;
use alpr_appliance::store::{DB_FILE, Store};
use anyhow::Context as _;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum HqCommand {
    /// Exchange changes between a car's store and headquarters' store (for instance a car's data
    /// directory read at the station).
    Sync {
        /// The car's data directory.
        #[arg(long)]
        car: PathBuf,
        /// Headquarters' data directory (created if missing).
        #[arg(long)]
        hq: PathBuf,
    },
}

pub async fn run(cmd: HqCommand) -> anyhow::Result<()> {
    match cmd {
        HqCommand::Sync { car, hq } => {
            if !car.join(DB_FILE).is_file() {
                anyhow::bail!("{} holds no store ({DB_FILE} is missing)", car.display());
            }
            // Opening runs any pending migrations on both sides before changes move.
            Store::open(&car, "unknown-car")
                .context("opening the car's store")?
                .close()?;
            Store::open(&hq, "HQ")
                .context("opening headquarters' store")?
                .close()?;
            let totals = HqLink::new(car.join(DB_FILE), hq.join(DB_FILE))
                .exchange()
                .await?;
            println!(
                "synced: {} rows ({} changes) to headquarters, {} rows ({} changes) to the car",
                totals.rows_to_hq, totals.changes_to_hq, totals.rows_to_car, totals.changes_to_car
            );
            Ok(())
        }
    }
}
