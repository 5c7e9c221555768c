//! `alpr user`: members, their roles, training and certification.

use alpr_appliance::store::{NewMember, Store};

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};

use super::access::{MemberArgs, StoreArgs};
use alpr_appliance::hotlist::import::expiry;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a member (or update one). The store's first member is its administrator and is added
    /// without a login; every later one needs an administrator's.
    Add(AddArgs),
    /// The members on record.
    Ls {
        #[command(flatten)]
        member: MemberArgs,
        #[arg(long)]
        json: bool,
    },
    /// Take a member's access away (their records stay).
    Deactivate {
        #[command(flatten)]
        member: MemberArgs,
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    member: MemberArgs,
    /// The new member's id.
    id: String,
    #[arg(long)]
    name: String,
    /// operator, investigator, administrator, auditor or technician; repeat or separate with commas.
    #[arg(long = "role", value_delimiter = ',', required = true)]
    roles: Vec<String>,
    /// End of the member's ALPR training (YYYY-MM-DD or RFC 3339).
    #[arg(long)]
    training_until: Option<String>,
    /// End of the member's NCIC certification.
    #[arg(long)]
    ncic_until: Option<String>,
    /// The member is a sworn officer.
    #[arg(long)]
    sworn: bool,
}

fn date(flag: &str, v: &Option<String>) -> anyhow::Result<Option<DateTime<Utc>>> {
    v.as_deref()
        .map(|s| expiry(flag, s).map_err(anyhow::Error::msg))
        .transpose()
}

fn first_member(store: &StoreArgs) -> anyhow::Result<Option<Store>> {
    let store = store.open_under_policy()?;
    Ok((store.member_count()? == 0).then_some(store))
}

pub fn run(cmd: UserCommand) -> anyhow::Result<()> {
    match cmd {
        UserCommand::Add(a) => {
            // Log in first: nobody learns how new members are made without one.
            let (mut store, session) = match first_member(&a.member.store)? {
                Some(store) => (store, None),
                None => {
                    let (store, session) = a.member.login()?;
                    (store, Some(session))
                }
            };
            let password = std::env::var("ALPR_NEW_PASSWORD")
                .context("the new member's password comes from ALPR_NEW_PASSWORD")?;
            let m = NewMember {
                id: a.id.clone(),
                display_name: a.name.clone(),
                roles: a.roles.clone(),
                password,
                training_expires: date("--training-until", &a.training_until)?,
                ncic_expires: date("--ncic-until", &a.ncic_until)?,
                sworn: a.sworn,
            };
            store.add_member(session.as_ref(), &m)?;
            match session {
                None => println!("{} recorded as the store's first administrator", a.id),
                Some(_) => println!("{} recorded as {}", a.id, a.roles.join(", ")),
            }
        }
        UserCommand::Ls { member, json } => {
            let (store, session) = member.login()?;
            for m in store.members(&session)? {
                if json {
                    println!("{}", serde_json::to_string(&m)?);
                } else {
                    let d = |t: Option<DateTime<Utc>>| {
                        t.map(|t| t.format("%Y-%m-%d").to_string())
                            .unwrap_or_else(|| "-".into())
                    };
                    println!(
                        "{:<16} {:<24} {:<28} training {} ncic {} {}{}",
                        m.id,
                        m.display_name,
                        m.roles.join(","),
                        d(m.training_expires),
                        d(m.ncic_expires),
                        if m.sworn { "sworn" } else { "civilian" },
                        if m.active { "" } else { " INACTIVE" }
                    );
                }
            }
        }
        UserCommand::Deactivate { member, id } => {
            let (mut store, session) = member.login()?;
            if id == session.user() {
                bail!("another administrator deactivates your account");
            }
            store.deactivate_member(&session, &id)?;
            println!("{id} deactivated");
        }
    }
    Ok(())
}
