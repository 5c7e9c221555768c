//! The `alpr` program's command line.

mod bench;
mod camera;
mod demo;
mod gps;
mod hotlist;
mod hq;
mod run;
mod selftest;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "alpr",
    version,
    about = "In-car ALPR appliance: plate reads, hot lists, headquarters sync"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a simulated patrol on the embedded defaults (recorded camera feed and route, local HQ).
    Demo(demo::DemoArgs),
    /// Run the in-car appliance: smart cameras over TCP, GPS, hot-list matching, the local store.
    Run(run::RunArgs),
    /// Read a GPS receiver (serial, gpsd or a recorded log) and print each fix.
    Gps(gps::GpsArgs),
    /// Headquarters: exchange changes with a car's store.
    #[command(subcommand)]
    Hq(hq::HqCommand),
    /// Camera tools for technicians.
    #[command(subcommand)]
    Camera(camera::CameraCommand),
    /// Hot lists: import, list, try a plate, enter and approve BOLOs and partial plates.
    #[command(subcommand)]
    Hotlist(Box<hotlist::HotlistCommand>),
    /// Members of the agency and their roles.
    #[command(subcommand)]
    User(hotlist::UserCommand),
    /// Check every part of the installation: cameras, GPS, clock, storage, hot lists, ...
    Selftest(selftest::SelftestArgs),
    /// Benchmarks: figures for the performance targets, one JSON line.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

impl Cli {
    /// Logs go to standard error; a headless demo keeps them to warnings so its output reads well.
    pub fn default_log_filter(&self) -> &'static str {
        match &self.command {
            Command::Demo(args) if args.is_headless() => "warn",
            _ => "info",
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(args) => demo::run(args).await,
        Command::Run(args) => run::run(args).await,
        Command::Gps(args) => gps::run(args).await,
        Command::Hq(cmd) => hq::run(cmd).await,
        Command::Camera(cmd) => camera::run(cmd).await,
        Command::Bench(cmd) => bench::run(cmd).await,
        Command::Selftest(args) => selftest::run(args),
        Command::Hotlist(cmd) => hotlist::run(*cmd).await,
        Command::User(cmd) => hotlist::run_user(cmd).await,
    }
}

/// Resolves on Ctrl-C or SIGTERM (systemd's stop, ignition-off's shutdown).
pub(crate) async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!("cannot watch for SIGTERM: {e}");
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
