//! `alpr hit`: hits and their verification steps and dispositions, from the command line (the
//! officer's screen does the same through the store).

use clap::Subcommand;
use uuid::Uuid;

use super::access::MemberArgs;

#[derive(Debug, Subcommand)]
pub enum HitCommand {
    /// The newest hits and their dispositions.
    Ls {
        #[command(flatten)]
        member: MemberArgs,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Record a verification step (plate-characters, state, vehicle, dispatch-confirmed: match,
    /// mismatch, not-checked) or, with step `disposition`, how the alert ended.
    Record {
        #[command(flatten)]
        member: MemberArgs,
        hit: Uuid,
        #[arg(long)]
        step: String,
        #[arg(long)]
        outcome: String,
        /// For a confirmed hit: arrest, recovery, stop or none.
        #[arg(long)]
        action: Option<String>,
        #[arg(long)]
        notes: Option<String>,
    },
}

pub fn run(cmd: HitCommand) -> anyhow::Result<()> {
    match cmd {
        HitCommand::Ls {
            member,
            limit,
            json,
        } => {
            let (store, session) = member.login()?;
            for h in store.recent_hits(&session, limit)? {
                if json {
                    println!("{}", serde_json::to_string(&h)?);
                } else {
                    println!(
                        "{} {} {} read {} as {} [{}] {} {}",
                        h.id,
                        h.raised_at.to_rfc3339(),
                        h.list_id,
                        h.listed_plate,
                        h.read_plate,
                        h.match_kind,
                        h.priority,
                        h.disposition.as_deref().unwrap_or("open")
                    );
                }
            }
        }
        HitCommand::Record {
            member,
            hit,
            step,
            outcome,
            action,
            notes,
        } => {
            let (mut store, session) = member.login()?;
            store.record_hit_step(
                &session,
                hit,
                &step,
                &outcome,
                action.as_deref(),
                notes.as_deref(),
            )?;
            println!(
                "{step}: {outcome} recorded for hit {hit} by {}",
                session.user()
            );
        }
    }
    Ok(())
}
