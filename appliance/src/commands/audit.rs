//! `alpr audit`: verify the trail, read it, and take the monthly sample of searches.

use std::path::PathBuf;

use alpr_appliance::reports::audit_memo;
use alpr_appliance::store::AuditFilter;
use clap::Subcommand;

use super::access::MemberArgs;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole trail: fails naming the first record that was changed, removed or moved.
    Verify {
        #[command(flatten)]
        member: MemberArgs,
        #[arg(long)]
        json: bool,
    },
    /// The trail, oldest first.
    Log {
        #[command(flatten)]
        member: MemberArgs,
        /// Only this member's.
        #[arg(long)]
        of: Option<String>,
        /// Only this action (login, search, read.view, purge, ...).
        #[arg(long)]
        action: Option<String>,
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Pick the month's searches for audit at random (reproducibly) and write the memorandum to
    /// the chief as Markdown, HTML and PDF; it is also filed in the store.
    Sample {
        #[command(flatten)]
        member: MemberArgs,
        /// YYYY-MM.
        #[arg(long)]
        month: String,
        /// The random seed; by default one derived from the agency and month.
        #[arg(long)]
        seed: Option<u64>,
        /// At least this many (the policy's number when larger).
        #[arg(long, default_value_t = 10)]
        count: usize,
        /// Where the memorandum goes.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

pub fn run(cmd: AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Verify { member, json } => {
            let (store, session) = member.login()?;
            let v = store.verify_audit(&session)?;
            if json {
                println!("{}", serde_json::to_string(&v)?);
            } else {
                for (chain, n) in &v.chains {
                    println!("chain {chain}: {n} records");
                }
            }
            if let Some(b) = v.broken.first() {
                anyhow::bail!(
                    "the audit trail is broken: chain {} record {} (id {}): {}",
                    b.chain,
                    b.seq,
                    if b.id.is_empty() { "-" } else { &b.id },
                    b.problem
                );
            }
            println!("audit trail intact: {} records", v.records);
        }
        AuditCommand::Log {
            member,
            of,
            action,
            limit,
        } => {
            let (store, session) = member.login()?;
            let filter = AuditFilter {
                user: of,
                action,
                limit,
                ..Default::default()
            };
            for r in store.audit_records(&session, &filter)? {
                println!(
                    "{} {} {:<14} {:<18} {} {} {}",
                    r.at.to_rfc3339(),
                    r.car_id,
                    r.user_id,
                    r.action,
                    r.object_kind,
                    r.object_id,
                    r.detail
                );
            }
        }
        AuditCommand::Sample {
            member,
            month,
            seed,
            count,
            out,
        } => {
            let (mut store, session) = member.login()?;
            let sample = store.sample_searches(&session, &month, seed, count)?;
            let memo = audit_memo(session.policy(), &sample, session.display_name());
            store.file_audit_memo(&session, &sample, &memo.to_markdown())?;
            std::fs::create_dir_all(&out)?;
            let written = memo.write_all(&out, &format!("alpr-audit-{month}"))?;
            println!(
                "{} of {} searches in {month} sampled (seed {})",
                sample.picked.len(),
                sample.population,
                sample.seed
            );
            for p in written {
                println!("{}", p.display());
            }
        }
    }
    Ok(())
}
