//! `alpr search` and `alpr read show`: stored reads, for a case, with a reason.

use alpr_appliance::store::{Area, ReadQuery, SearchPurpose, StoredRead};
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use clap::Args;
use uuid::Uuid;

use super::access::MemberArgs;

/// The query: a plate, a time range, an area, a camera, and nothing else.
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// A plate or part of one: `*` any run of characters, `?` one character.
    #[arg(long)]
    pub plate: Option<String>,
    /// From: RFC 3339, or YYYY-MM-DD for the start of that day (UTC).
    #[arg(long)]
    pub from: Option<String>,
    /// To: RFC 3339, or YYYY-MM-DD for the end of that day (UTC).
    #[arg(long)]
    pub to: Option<String>,
    /// An area: LAT,LON,RADIUS_M.
    #[arg(long)]
    pub near: Option<String>,
    #[arg(long)]
    pub camera: Option<String>,
}

/// Why: the case or call-for-service number, the reason, the crime type.
#[derive(Debug, Args)]
pub struct PurposeArgs {
    /// Case, incident or call-for-service number.
    #[arg(long = "case", default_value = "")]
    pub case_number: String,
    #[arg(long, default_value = "")]
    pub reason: String,
    #[arg(long, default_value = "")]
    pub crime_type: String,
}

impl PurposeArgs {
    pub fn purpose(&self) -> SearchPurpose {
        SearchPurpose {
            case_number: self.case_number.clone(),
            reason: self.reason.clone(),
            crime_type: self.crime_type.clone(),
        }
    }
}

fn time(flag: &str, v: &Option<String>, end_of_day: bool) -> anyhow::Result<Option<DateTime<Utc>>> {
    v.as_deref()
        .map(|s| {
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                return Ok(t.with_timezone(&Utc));
            }
            let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map_err(|_| anyhow::anyhow!("{flag} {s:?}: RFC 3339 or YYYY-MM-DD"))?;
            let t = if end_of_day {
                day.and_hms_milli_opt(23, 59, 59, 999)
            } else {
                day.and_hms_opt(0, 0, 0)
            };
            t.map(|t| t.and_utc())
                .ok_or_else(|| anyhow::anyhow!("{flag} {s:?}: not a time"))
        })
        .transpose()
}

impl QueryArgs {
    pub fn query(&self) -> anyhow::Result<ReadQuery> {
        let area = self
            .near
            .as_deref()
            .map(|s| {
                let parts: Vec<f64> = s
                    .split(',')
                    .map(|p| p.trim().parse::<f64>())
                    .collect::<Result<_, _>>()
                    .with_context(|| format!("--near {s:?}: LAT,LON,RADIUS_M"))?;
                match parts[..] {
                    [lat, lon, radius_m] => Ok(Area { lat, lon, radius_m }),
                    _ => anyhow::bail!("--near {s:?}: LAT,LON,RADIUS_M"),
                }
            })
            .transpose()?;
        Ok(ReadQuery {
            plate: self.plate.clone(),
            from: time("--from", &self.from, false)?,
            to: time("--to", &self.to, true)?,
            area,
            camera: self.camera.clone(),
        })
    }
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    member: MemberArgs,
    #[command(flatten)]
    query: QueryArgs,
    #[command(flatten)]
    purpose: PurposeArgs,
    /// One JSON object per read.
    #[arg(long)]
    json: bool,
}

pub fn print_read(r: &StoredRead, json: bool) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string(r)?);
    } else {
        let at = match (r.lat, r.lon) {
            (Some(lat), Some(lon)) => format!("{lat:.5},{lon:.5}"),
            _ => "no position".into(),
        };
        println!(
            "{} {} {:<10} {:<3} {} {} {} hits {}",
            r.id,
            r.captured_at.to_rfc3339(),
            r.plate,
            r.state.as_deref().unwrap_or("??"),
            r.car_id,
            r.camera,
            at,
            r.hits
        );
    }
    Ok(())
}

pub fn search(args: SearchArgs) -> anyhow::Result<()> {
    let query = args.query.query()?;
    let (mut store, session) = args.member.login()?;
    let found = store.search_reads(&session, &query, &args.purpose.purpose())?;
    for r in &found.reads {
        print_read(r, args.json)?;
    }
    eprintln!(
        "{} reads found (search {} recorded under case {}){}",
        found.reads.len(),
        found.search_id,
        args.purpose.case_number.trim(),
        if found.truncated {
            "; more matched: narrow the search"
        } else {
            ""
        }
    );
    Ok(())
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    member: MemberArgs,
    id: Uuid,
    #[arg(long)]
    json: bool,
}

pub fn show(args: ShowArgs) -> anyhow::Result<()> {
    let (store, session) = args.member.login()?;
    let read = store.view_read(&session, args.id)?;
    print_read(&read, args.json)
}
