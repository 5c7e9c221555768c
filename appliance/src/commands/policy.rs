//! `alpr policy`: the agency policies the program carries, and what one of them requires.
//! Policies are public documents: no login.

use alpr_appliance::policy::{EMBEDDED, Policy};
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// The policies built in, by id.
    Ls,
    /// What a policy requires: retention, searches, access, prohibited uses, roles.
    Show {
        /// An id from `alpr policy ls`, or a policy file.
        policy: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: PolicyCommand) -> anyhow::Result<()> {
    match cmd {
        PolicyCommand::Ls => {
            for (id, _) in EMBEDDED {
                let p = Policy::load(id)?;
                println!("{id:<12} {} ({})", p.agency.name, p.agency.source);
            }
        }
        PolicyCommand::Show { policy, json } => {
            let p = Policy::load(&policy)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&p)?);
                return Ok(());
            }
            println!("{} ({})", p.agency.name, p.agency.source);
            println!(
                "retention: reads kept at most {} days (at least {}); holds: {}",
                p.retention.max_days,
                p.retention.min_days,
                p.retention.hold_kinds.join(", ")
            );
            println!(
                "searches: case number {}, reason {} (at least {} characters), crime type {}; records kept {} years",
                if p.search.case_number_required {
                    "required"
                } else {
                    "optional"
                },
                if p.search.reason_required {
                    "required"
                } else {
                    "optional"
                },
                p.search.reason_min_chars,
                if p.search.crime_type_required {
                    "required"
                } else {
                    "optional"
                },
                p.search.record_retention_years
            );
            println!(
                "access: training {}, NCIC certification {}, sworn {}; lockout after {} failures for {} min; screen locks after {} min",
                p.access.training_required,
                p.access.ncic_certification_required,
                p.access.sworn_required,
                p.access.lockout_after_failures,
                p.access.lockout_minutes,
                p.access.idle_lock_minutes
            );
            println!("prohibited uses (acknowledged at every login):");
            for item in &p.prohibited_uses.items {
                println!("  - {item}");
            }
            println!("roles:");
            for (role, grant) in &p.roles {
                let names: Vec<&str> = grant.permissions.iter().map(|p| p.name()).collect();
                println!("  {role:<14} {}", names.join(", "));
            }
        }
    }
    Ok(())
}
