//! `alpr hotlist`: import lists, see them, try a plate against them, enter and approve BOLOs and
//! partial plates.

use std::io::Read as _;

use super::access::MemberArgs;
use std::path::PathBuf;

use alpr_appliance::hotlist::ConfusionTable;
use alpr_appliance::hotlist::import::{
    Action, ImportError, ImportOptions, ListFormat, expiry, parse_file,
};
use alpr_appliance::hotlist::plate::DEFAULT_CONFUSIONS;
use alpr_appliance::model::{ListedPlate, Priority, Read, new_id};
use alpr_appliance::policy::Permission;
use alpr_appliance::store::AgencyEntryInput;
use alpr_images::{Alternative, PlateObservation};
use anyhow::{Context as _, bail};
use chrono::Utc;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum HotlistCommand {
    /// Import a list: replaces it whole (a new version), or applies a daily delta.
    Import(ImportArgs),
    /// The lists, their versions and counts.
    Ls {
        #[command(flatten)]
        member: MemberArgs,
        #[arg(long)]
        json: bool,
    },
    /// Try a plate against the lists as the appliance would match a read.
    Match(MatchArgs),
    /// Enter a BOLO or partial plate (active once an administrator approves it).
    Enter(EnterArgs),
    /// Approve an agency entry, then match it against the reads already stored.
    Approve {
        #[command(flatten)]
        member: MemberArgs,
        /// The entry's id, as `alpr hotlist enter` printed it.
        id: Uuid,
    },
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    member: MemberArgs,
    /// The list file.
    file: PathBuf,
    /// The list's id (`ncic`, `state-stolen`, ...).
    #[arg(long)]
    list: String,
    /// Its display name (the id when not given).
    #[arg(long)]
    name: Option<String>,
    /// ncic, genetec or csv.
    #[arg(long)]
    format: String,
    /// Where the fields are: NCIC `fixed` or `LIC:1:10,...`; Genetec `PlateNumber=1,...`;
    /// CSV `plate=Tag,...`.
    #[arg(long)]
    layout: Option<String>,
    /// The field delimiter of a delimited file.
    #[arg(long)]
    delimiter: Option<char>,
    /// The file is a daily delta (each line adds or removes an entry).
    #[arg(long)]
    delta: bool,
    /// Skip up to this many bad lines (each is reported); more fail the import.
    #[arg(long, default_value_t = 0)]
    max_errors: usize,
}

#[derive(Debug, Args)]
pub struct MatchArgs {
    #[command(flatten)]
    member: MemberArgs,
    plate: String,
    /// The state the plate was read as.
    #[arg(long)]
    state: Option<String>,
    /// Other readings of the same plate, as a recogniser gives them.
    #[arg(long = "alternative")]
    alternatives: Vec<String>,
    /// OCR confusion classes.
    #[arg(long, default_value = DEFAULT_CONFUSIONS)]
    confusions: String,
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct EnterArgs {
    #[command(flatten)]
    member: MemberArgs,
    /// The plate, or a partial plate: `*` any run of characters, `?` one character.
    #[arg(long)]
    plate: String,
    #[arg(long, default_value = "bolo")]
    list: String,
    #[arg(long)]
    state: Option<String>,
    #[arg(long)]
    make: Option<String>,
    #[arg(long)]
    model: Option<String>,
    #[arg(long)]
    color: Option<String>,
    /// Why the vehicle is wanted.
    #[arg(long)]
    reason: String,
    #[arg(long)]
    case: String,
    #[arg(long)]
    synopsis: String,
    /// The officer who asked for the entry.
    #[arg(long)]
    requested_by: String,
    /// When it stops matching: RFC 3339, or a date (YYYY-MM-DD, YYYYMMDD, MM/DD/YYYY) meaning the
    /// end of that day, UTC.
    #[arg(long)]
    expires: String,
    /// low, normal, high or critical.
    #[arg(long, default_value = "high")]
    priority: String,
    /// Instructions to the field.
    #[arg(long)]
    instructions: Option<String>,
}

pub async fn run(cmd: HotlistCommand) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(move || run_blocking(cmd))
        .await
        .context("running the hot-list command")?
}

fn run_blocking(cmd: HotlistCommand) -> anyhow::Result<()> {
    match cmd {
        HotlistCommand::Import(args) => import(&args),
        HotlistCommand::Ls { member, json } => ls(&member, json),
        HotlistCommand::Match(args) => try_match(&args),
        HotlistCommand::Enter(args) => enter(&args),
        HotlistCommand::Approve { member, id } => approve(&member, id),
    }
}

fn sha256_of(path: &PathBuf) -> anyhow::Result<String> {
    let mut f = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

fn import(args: &ImportArgs) -> anyhow::Result<()> {
    let format = ListFormat::from_cli(&args.format, args.layout.as_deref(), args.delimiter)
        .map_err(|e| anyhow::anyhow!("--format/--layout: {e}"))?;
    let options = ImportOptions {
        max_errors: args.max_errors,
        delta: args.delta,
        ..ImportOptions::default()
    };
    let size = std::fs::metadata(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?
        .len();
    let bar = ProgressBar::new(size).with_message(format!("reading {}", args.file.display()));
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let parsed = parse_file(&args.file, &format, &options, &mut |b| bar.set_position(b));
    bar.finish_and_clear();
    let parsed = match parsed {
        // A day without changes is a delta with nothing in it.
        Err(ImportError::Empty) if args.delta => {
            println!("{}: the delta has no changes", args.list);
            return Ok(());
        }
        other => other.with_context(|| format!("{} was not imported", args.file.display()))?,
    };
    for p in &parsed.problems {
        eprintln!("{}: skipped {p}", args.file.display());
    }
    let sha = sha256_of(&args.file)?;
    let (mut store, session) = args.member.login()?;
    store.record_access(
        &session,
        Permission::HotlistImport,
        if args.delta {
            "hotlist.delta"
        } else {
            "hotlist.import"
        },
        "hotlist",
        &args.list,
        &format!("{} (sha256 {sha})", args.file.display()),
    )?;
    let by = session.user().to_string();
    let (adds, removes): (Vec<_>, Vec<_>) = parsed
        .entries
        .into_iter()
        .partition(|(_, action, _)| matches!(action, Action::Add));
    let adds: Vec<ListedPlate> = adds.into_iter().map(|(_, _, e)| e).collect();
    let removes: Vec<ListedPlate> = removes.into_iter().map(|(_, _, e)| e).collect();
    let spinner = ProgressBar::new_spinner().with_message(format!("storing into {}", args.list));
    spinner.enable_steady_tick(std::time::Duration::from_millis(200));
    let outcome = if args.delta {
        store
            .apply_hotlist_delta(&args.list, &adds, &removes, &sha, &by)
            .map(|d| {
                format!(
                    "{}: version {}, {} added, {} removed ({} removals named no entry)",
                    args.list, d.version, d.added, d.removed, d.not_found
                )
            })
    } else {
        store
            .replace_hotlist(
                &args.list,
                args.name.as_deref().unwrap_or(&args.list),
                &adds,
                &sha,
                &by,
            )
            .map(|v| format!("{}: version {v}, {} entries", args.list, adds.len()))
    };
    spinner.finish_and_clear();
    let outcome = outcome.with_context(|| {
        format!(
            "{} was not imported; the list in use is unchanged",
            args.file.display()
        )
    })?;
    println!(
        "{outcome} ({} lines read, {} skipped)",
        parsed.lines,
        parsed.problems.len()
    );
    store.close()?;
    Ok(())
}

fn ls(member: &MemberArgs, json: bool) -> anyhow::Result<()> {
    let (store, session) = member.login()?;
    store.record_access(
        &session,
        Permission::HotlistView,
        "hotlist.list",
        "hotlist",
        "",
        "",
    )?;
    for l in store.hotlist_summaries()? {
        let loaded = l.loaded_at.map(|t| t.to_rfc3339()).unwrap_or_default();
        if json {
            println!(
                "{}",
                json!({"id": l.id, "name": l.name, "kind": l.kind, "version": l.version,
                    "entries": l.entries, "pending": l.pending, "loaded_at": loaded,
                    "loaded_by": l.loaded_by, "source_sha256": l.source_sha256})
            );
        } else {
            println!(
                "{:<16} {:<8} v{:<4} {:>9} entries {:>4} pending  {} {}  {}",
                l.id, l.kind, l.version, l.entries, l.pending, loaded, l.loaded_by, l.name
            );
        }
    }
    Ok(())
}

fn try_match(args: &MatchArgs) -> anyhow::Result<()> {
    let confusions = ConfusionTable::parse(&args.confusions)
        .map_err(|e| anyhow::anyhow!("--confusions: {e}"))?;
    let (store, session) = args.member.login()?;
    store.record_access(
        &session,
        Permission::HotlistView,
        "hotlist.try",
        "plate",
        "",
        "a plate tried against the lists",
    )?;
    let now = Utc::now();
    let (index, _) = store.load_hotlist_index(now, confusions)?;
    let read = Read {
        id: new_id(),
        observation: PlateObservation {
            camera: "cli".into(),
            plate: args.plate.clone(),
            state: args.state.clone(),
            confidence: 1.0,
            captured_at: now,
            alternatives: args
                .alternatives
                .iter()
                .map(|p| Alternative {
                    plate: p.clone(),
                    confidence: 0.5,
                })
                .collect(),
            plate_crop: None,
            context_image: None,
            ack: None,
        },
        position: None,
    };
    let hits = index.match_read(&read, now);
    if hits.is_empty() && !args.json {
        println!("no match for {} in {} entries", args.plate, index.len());
    }
    for h in hits {
        let e = &h.entry.listed;
        if args.json {
            println!(
                "{}",
                json!({"list": h.entry.list_id, "entry": h.entry.id.to_string(),
                    "listed_plate": e.plate, "listed_state": e.state, "read_plate": h.read_plate,
                    "match": h.kind.as_str(), "via_alternative": h.via_alternative,
                    "confused_positions": h.confused, "state_mismatch": h.state_mismatch,
                    "reason": e.reason, "priority": e.priority.as_str(), "make": e.make,
                    "model": e.model, "color": e.color, "ncic_number": e.ncic_number,
                    "instructions": e.instructions})
            );
        } else {
            let mut line = format!(
                "{} [{}] {} {} {} ({}) priority {}",
                h.entry.list_id,
                h.match_label(),
                e.plate,
                e.state.as_deref().unwrap_or("??"),
                h.read_plate,
                e.reason,
                e.priority.as_str()
            );
            if h.state_mismatch {
                line.push_str(" STATE DIFFERS");
            }
            if !h.confused.is_empty() {
                let at: Vec<String> = h.confused.iter().map(|i| (i + 1).to_string()).collect();
                line.push_str(&format!(" CHECK CHARACTERS {}", at.join(",")));
            }
            println!("{line}");
        }
    }
    Ok(())
}

fn enter(args: &EnterArgs) -> anyhow::Result<()> {
    let Some(priority) = Priority::parse(&args.priority) else {
        bail!(
            "--priority {:?}: low, normal, high or critical",
            args.priority
        );
    };
    let input = AgencyEntryInput {
        list_id: args.list.clone(),
        listed: ListedPlate {
            plate: args.plate.clone(),
            state: args.state.clone(),
            make: args.make.clone(),
            model: args.model.clone(),
            color: args.color.clone(),
            reason: args.reason.clone(),
            priority,
            instructions: args.instructions.clone(),
            expires_at: Some(expiry("--expires", &args.expires).map_err(anyhow::Error::msg)?),
            ..Default::default()
        },
        case_number: args.case.clone(),
        synopsis: args.synopsis.clone(),
        requested_by: args.requested_by.clone(),
    };
    let (mut store, session) = args.member.login()?;
    let id = store.enter_agency_entry(&session, &input)?;
    println!("{id}");
    eprintln!(
        "entered on {}; it matches once an administrator approves it",
        args.list
    );
    Ok(())
}

fn approve(member: &MemberArgs, id: Uuid) -> anyhow::Result<()> {
    let (mut store, session) = member.login()?;
    let entry = store.approve_agency_entry(&session, id)?;
    println!(
        "approved {} ({}, case {}) by {}",
        entry.listed.plate,
        entry.listed.reason,
        entry.case_number,
        session.user()
    );
    let found = store.lookback(&session, id)?;
    println!(
        "look-back over stored reads (recorded as a search under case {}): {} found",
        entry.case_number,
        found.len()
    );
    for m in found {
        let at = match (m.lat, m.lon) {
            (Some(lat), Some(lon)) => format!("{lat:.5},{lon:.5}"),
            _ => "no position".into(),
        };
        println!(
            "  {} {} read {} (as {}) [{}] {}",
            m.captured_at.to_rfc3339(),
            m.camera,
            m.plate,
            m.reading,
            m.kind.as_str(),
            at
        );
    }
    Ok(())
}
