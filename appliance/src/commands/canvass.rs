//! `alpr canvass`: canvass mode at a crime scene. Reads the car stores while a canvass is open are
//! tagged with its case number; they are listed and exported as evidence from here.

use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use uuid::Uuid;

use super::access::MemberArgs;

#[derive(Debug, Subcommand)]
pub enum CanvassCommand {
    /// Start a canvass on this car: reads captured from now until it ends are tagged with the case.
    Start(StartArgs),
    /// End the canvass open on this car (or the one named).
    End {
        #[command(flatten)]
        member: MemberArgs,
        /// The canvass to end; the one open on this car when not given.
        id: Option<Uuid>,
    },
    /// Canvasses on record, newest first, with their read counts.
    Ls {
        #[command(flatten)]
        member: MemberArgs,
        #[arg(long)]
        json: bool,
    },
    /// A canvass and its reads, newest first (recorded in the audit trail).
    Show {
        #[command(flatten)]
        member: MemberArgs,
        id: Uuid,
        /// At most this many reads.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Write a canvass's reads, with their images and a sha256 manifest, to a folder or a
    /// mounted portable medium.
    Export {
        #[command(flatten)]
        member: MemberArgs,
        id: Uuid,
        /// A new (or empty) folder.
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct StartArgs {
    #[command(flatten)]
    member: MemberArgs,
    /// The case the canvass is for.
    #[arg(long = "case")]
    case_number: String,
    #[arg(long, default_value = "")]
    note: String,
}

pub fn run(cmd: CanvassCommand) -> anyhow::Result<()> {
    match cmd {
        CanvassCommand::Start(a) => {
            let (mut store, session) = a.member.login()?;
            let c = store
                .start_canvass(&session, &a.case_number, &a.note)
                .context("starting the canvass")?;
            println!("{}", c.id);
            eprintln!(
                "canvass for case {} started on {} at {}: reads are tagged until `alpr canvass end`",
                c.case_number,
                c.car_id,
                c.started_at.to_rfc3339()
            );
            store.close()?;
        }
        CanvassCommand::End { member, id } => {
            let (mut store, session) = member.login()?;
            let id = match id {
                Some(id) => id,
                None => match store.active_canvass()? {
                    Some(c) => c.id,
                    None => {
                        anyhow::bail!("no canvass is open on {}: nothing to end", store.car_id())
                    }
                },
            };
            let c = store
                .end_canvass(&session, id)
                .context("ending the canvass")?;
            println!(
                "canvass {} for case {} ended: {} reads tagged",
                c.id, c.case_number, c.reads
            );
            store.close()?;
        }
        CanvassCommand::Ls { member, json } => {
            let (store, session) = member.login()?;
            let list = store.canvasses(&session)?;
            if json {
                println!("{}", serde_json::to_string(&list)?);
            } else {
                for c in &list {
                    println!(
                        "{} case {:<14} {:<8} {} reads, by {} {}{}",
                        c.id,
                        c.case_number,
                        c.car_id,
                        c.reads,
                        c.started_by,
                        c.started_at.to_rfc3339(),
                        match (&c.ended_at, &c.ended_by) {
                            (Some(t), Some(b)) => format!(" (ended {} by {b})", t.to_rfc3339()),
                            (Some(t), None) => format!(" (ended {})", t.to_rfc3339()),
                            _ => " (open)".to_string(),
                        }
                    );
                }
            }
            store.close()?;
        }
        CanvassCommand::Show {
            member,
            id,
            limit,
            json,
        } => {
            let (store, session) = member.login()?;
            let c = store.canvass(&session, id)?;
            let reads = store.canvass_reads(&session, id, limit)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&serde_json::json!({ "canvass": c, "reads": reads }))?
                );
            } else {
                println!(
                    "canvass {} case {} on {}: started {} by {}{}; {} reads",
                    c.id,
                    c.case_number,
                    c.car_id,
                    c.started_at.to_rfc3339(),
                    c.started_by,
                    c.ended_at
                        .map(|t| format!(", ended {}", t.to_rfc3339()))
                        .unwrap_or_else(|| ", open".into()),
                    c.reads
                );
                for r in &reads {
                    println!(
                        "{} {} {:<10} {:<3} {:.2} {} {}",
                        r.id,
                        r.captured_at.to_rfc3339(),
                        r.plate,
                        r.state.as_deref().unwrap_or("-"),
                        r.confidence,
                        r.camera,
                        match (r.lat, r.lon) {
                            (Some(lat), Some(lon)) => format!("{lat:.5},{lon:.5}"),
                            _ => "no position".into(),
                        }
                    );
                }
            }
            store.close()?;
        }
        CanvassCommand::Export { member, id, out } => {
            let (mut store, session) = member.login()?;
            let r = store
                .export_canvass(&session, id, &out)
                .context("exporting the canvass")?;
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
            store.close()?;
        }
    }
    Ok(())
}
