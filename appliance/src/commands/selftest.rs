//! `alpr selftest`: every part of the installation, pass, warn or fail, with what to do.

use std::path::PathBuf;

use alpr_appliance::config::{self, Config};
use alpr_appliance::diagnostics::{Thresholds, Verdict, selftest};
use anyhow::{Context as _, bail};
use chrono::Utc;
use clap::Args;

#[derive(Debug, Args)]
pub struct SelftestArgs {
    /// The appliance's configuration (for its data directory); /etc/alpr/alpr.toml when it
    /// exists.
    #[arg(long, env = "ALPR_CONFIG")]
    config: Option<PathBuf>,
    /// The data directory, over the configuration's.
    #[arg(long, env = "ALPR_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// One JSON object with every check, for fleet tools.
    #[arg(long)]
    json: bool,
    /// A camera disconnected and silent this long fails.
    #[arg(long, default_value_t = 60)]
    camera_silence_secs: i64,
    /// A receiver with no position this long fails (the antenna hint).
    #[arg(long, default_value_t = 120)]
    gps_no_fix_secs: i64,
}

pub fn run(args: SelftestArgs) -> anyhow::Result<()> {
    let path = args.config.clone().or_else(|| {
        let p = PathBuf::from(config::DEFAULT_PATH);
        p.exists().then_some(p)
    });
    let configured = match &path {
        Some(p) => Config::load(p)?.data_dir,
        None => None,
    };
    let data_dir = args
        .data_dir
        .clone()
        .or(configured)
        .context("no data directory: give --data-dir or a configuration")?;
    let thresholds = Thresholds {
        camera_silence: chrono::Duration::seconds(args.camera_silence_secs),
        gps_no_fix: chrono::Duration::seconds(args.gps_no_fix_secs),
        ..Thresholds::default()
    };
    let checks = selftest(&data_dir, &thresholds, Utc::now());
    let overall = checks
        .iter()
        .map(|c| c.status)
        .max()
        .unwrap_or(Verdict::Pass);
    if args.json {
        println!(
            "{}",
            serde_json::json!({"overall": overall, "checks": checks})
        );
    } else {
        for c in &checks {
            let word = match c.status {
                Verdict::Pass => "PASS",
                Verdict::Warn => "WARN",
                Verdict::Fail => "FAIL",
            };
            println!("{word}  {:<10} {}", c.name, c.detail);
            if !c.hint.is_empty() {
                println!("      {:<10} -> {}", "", c.hint);
            }
        }
    }
    let failed: Vec<&str> = checks
        .iter()
        .filter(|c| c.status == Verdict::Fail)
        .map(|c| c.name.as_str())
        .collect();
    if !failed.is_empty() {
        bail!("self-test failed: {}", failed.join(", "));
    }
    Ok(())
}
