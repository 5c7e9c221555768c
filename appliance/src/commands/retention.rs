//! `alpr purge`, `alpr hold` and `alpr evidence`: the retention schedule, legal holds, and
//! evidence exports of held reads.

use std::path::PathBuf;

use alpr_appliance::store::HoldInput;
use chrono::Utc;
use clap::{Args, Subcommand};
use uuid::Uuid;

use super::access::MemberArgs;
use super::search::{PurposeArgs, QueryArgs};

/// The scheduled purge runs inside `alpr run`; this is the administrator's purge by hand.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    #[command(flatten)]
    member: MemberArgs,
    #[arg(long)]
    json: bool,
}

pub fn purge(args: PurgeArgs) -> anyhow::Result<()> {
    let (mut store, session) = args.member.login()?;
    let report = store.purge_expired(Some(&session), Utc::now())?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "purged reads captured before {}: {} reads, {} hits, {} dispositions, {} images; {} held reads kept",
            report.cutoff.to_rfc3339(),
            report.reads,
            report.hits,
            report.dispositions,
            report.images,
            report.held
        );
    }
    store.close()?;
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum HoldCommand {
    /// Hold reads past their retention: by id, or every read a search finds.
    Place(Box<PlaceArgs>),
    /// End a hold.
    Release {
        #[command(flatten)]
        member: MemberArgs,
        id: Uuid,
    },
    /// Holds on record.
    Ls {
        #[command(flatten)]
        member: MemberArgs,
    },
}

#[derive(Debug, Args)]
pub struct PlaceArgs {
    #[command(flatten)]
    member: MemberArgs,
    /// warrant, preservation-request, disclosure-order or evidence (as the policy lists them).
    #[arg(long)]
    kind: String,
    /// The warrant's or request's own number.
    #[arg(long, default_value = "")]
    reference: String,
    #[arg(long, default_value = "")]
    note: String,
    /// Reads to hold, by id.
    #[arg(long = "read")]
    reads: Vec<Uuid>,
    #[command(flatten)]
    query: QueryArgs,
    #[command(flatten)]
    purpose: PurposeArgs,
}

pub fn hold(cmd: HoldCommand) -> anyhow::Result<()> {
    match cmd {
        HoldCommand::Place(a) => {
            let (mut store, session) = a.member.login()?;
            let input = HoldInput {
                kind: a.kind.clone(),
                case_number: a.purpose.case_number.clone(),
                reference: a.reference.clone(),
                note: a.note.clone(),
            };
            let (id, n) = if a.reads.is_empty() {
                store.place_hold_on_search(
                    &session,
                    &input,
                    &a.query.query()?,
                    &a.purpose.purpose(),
                )?
            } else {
                (store.place_hold(&session, &input, &a.reads)?, a.reads.len())
            };
            println!("{id}");
            eprintln!(
                "{n} reads held ({} for case {})",
                a.kind, a.purpose.case_number
            );
        }
        HoldCommand::Release { member, id } => {
            let (mut store, session) = member.login()?;
            store.release_hold(&session, id)?;
            println!("hold {id} released");
        }
        HoldCommand::Ls { member } => {
            let (store, session) = member.login()?;
            for h in store.holds(&session)? {
                println!(
                    "{} {:<20} case {:<14} ref {:<12} {} reads, by {} {}{}",
                    h.id,
                    h.kind,
                    h.case_number,
                    h.reference,
                    h.reads,
                    h.created_by,
                    h.created_at.to_rfc3339(),
                    h.released_at
                        .map(|t| format!(" (released {})", t.to_rfc3339()))
                        .unwrap_or_default()
                );
            }
        }
    }
    Ok(())
}

#[derive(Debug, Subcommand)]
pub enum EvidenceCommand {
    /// Write the reads held for a case, with their images and a sha256 manifest, to a folder or
    /// a mounted portable medium.
    Export {
        #[command(flatten)]
        member: MemberArgs,
        #[arg(long = "case")]
        case_number: String,
        /// A new (or empty) folder.
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn evidence(cmd: EvidenceCommand) -> anyhow::Result<()> {
    match cmd {
        EvidenceCommand::Export {
            member,
            case_number,
            out,
        } => {
            let (mut store, session) = member.login()?;
            let r = store.export_evidence(&session, &case_number, &out)?;
            println!(
                "{} reads and {} images written to {}; MANIFEST.sha256 sha256 {}",
                r.reads,
                r.images,
                r.dir.display(),
                r.manifest_sha256
            );
            for m in &r.missing_images {
                eprintln!("image {m} was not on disk");
            }
        }
    }
    Ok(())
}
