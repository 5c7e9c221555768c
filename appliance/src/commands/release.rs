//! `alpr release`: another agency's written request for ALPR data, the administrator's decision,
//! and the release itself.

use std::path::PathBuf;

use alpr_appliance::store::ReleaseRequestInput;
use clap::{Args, Subcommand};
use uuid::Uuid;

use super::access::MemberArgs;
use super::search::QueryArgs;

#[derive(Debug, Subcommand)]
pub enum ReleaseCommand {
    /// Record a written request.
    Request(RequestArgs),
    /// Approve or deny a pending request.
    Decide {
        #[command(flatten)]
        member: MemberArgs,
        id: Uuid,
        #[arg(long, conflicts_with = "deny", required_unless_present = "deny")]
        approve: bool,
        #[arg(long)]
        deny: bool,
        /// Why.
        #[arg(long)]
        note: String,
    },
    /// Write what an approved request asked for to a folder and record what went out.
    Fulfil {
        #[command(flatten)]
        member: MemberArgs,
        id: Uuid,
        #[arg(long)]
        out: PathBuf,
    },
    /// Requests on file.
    Ls {
        #[command(flatten)]
        member: MemberArgs,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct RequestArgs {
    #[command(flatten)]
    member: MemberArgs,
    /// The requesting agency's name.
    #[arg(long)]
    agency: String,
    /// law-enforcement, prosecutorial or other.
    #[arg(long)]
    agency_kind: String,
    /// The person requesting.
    #[arg(long)]
    requester: String,
    /// The intended purpose.
    #[arg(long)]
    purpose: String,
    /// Their call-for-service or incident report number.
    #[arg(long = "case", default_value = "")]
    case_number: String,
    #[command(flatten)]
    query: QueryArgs,
}

pub fn run(cmd: ReleaseCommand) -> anyhow::Result<()> {
    match cmd {
        ReleaseCommand::Request(a) => {
            let (mut store, session) = a.member.login()?;
            let id = store.record_release_request(
                &session,
                &ReleaseRequestInput {
                    agency: a.agency,
                    agency_kind: a.agency_kind,
                    requester: a.requester,
                    purpose: a.purpose,
                    case_number: a.case_number,
                    query: a.query.query()?,
                },
            )?;
            println!("{id}");
            eprintln!("request on file; an administrator decides it before anything is released");
        }
        ReleaseCommand::Decide {
            member,
            id,
            approve,
            deny: _,
            note,
        } => {
            let (mut store, session) = member.login()?;
            let r = store.decide_release(&session, id, approve, &note)?;
            println!("request {id} {} by {}", r.status, session.user());
        }
        ReleaseCommand::Fulfil { member, id, out } => {
            let (mut store, session) = member.login()?;
            let r = store.fulfil_release(&session, id, &out)?;
            println!(
                "{} reads and {} images written to {}; MANIFEST.sha256 sha256 {}",
                r.reads,
                r.images,
                r.dir.display(),
                r.manifest_sha256
            );
        }
        ReleaseCommand::Ls { member, json } => {
            let (store, session) = member.login()?;
            for r in store.release_requests(&session)? {
                if json {
                    println!("{}", serde_json::to_string(&r)?);
                } else {
                    println!(
                        "{} {} {:<10} {} ({}, {}) case {}: {}",
                        r.id,
                        r.at.to_rfc3339(),
                        r.status,
                        r.agency,
                        r.agency_kind,
                        r.requester,
                        r.case_number,
                        r.purpose
                    );
                }
            }
        }
    }
    Ok(())
}
