//! `alpr report annual`: the yearly report to the council, as HTML and PDF (and Markdown).

use std::path::PathBuf;

use alpr_appliance::reports::annual_report;
use clap::Subcommand;

use super::access::MemberArgs;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Devices in use, reads, hits, confirmed hits, dispositions, searches, with plots.
    Annual {
        #[command(flatten)]
        member: MemberArgs,
        #[arg(long)]
        year: i32,
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

pub fn run(cmd: ReportCommand) -> anyhow::Result<()> {
    match cmd {
        ReportCommand::Annual { member, year, out } => {
            let (mut store, session) = member.login()?;
            let figures = store.annual_figures(&session, year)?;
            let doc = annual_report(session.policy(), &figures);
            std::fs::create_dir_all(&out)?;
            let written = doc.write_all(&out, &format!("alpr-annual-report-{year}"))?;
            println!(
                "{year}: {} devices, {} reads, {} hits, {} confirmed, {} searches",
                figures.devices.len(),
                figures.reads(),
                figures.hits(),
                figures.confirmed(),
                figures.searches()
            );
            for p in written {
                println!("{}", p.display());
            }
        }
    }
    Ok(())
}
