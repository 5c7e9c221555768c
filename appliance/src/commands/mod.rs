//! The `alpr` program's command line.

mod access;
mod audit;
mod bench;
mod bench_alert;
mod bench_hits;
mod bench_layouts;
mod bench_passes;
mod bench_recognize;
mod bench_sync;
mod camera;
mod canvass;
mod demo;
mod gps;
mod hit;
mod hotlist;
mod hq;
mod member;
mod policy;
mod recognize;
mod release;
mod render;
mod report;
mod retention;
mod run;
mod search;
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
    /// Members of the agency: roles, training, certification.
    #[command(subcommand)]
    User(member::UserCommand),
    /// The agency policies the program carries, and what each requires.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Search stored reads (needs a case number and a reason; recorded).
    Search(search::SearchArgs),
    /// One stored read.
    #[command(subcommand)]
    Read(ReadCommand),
    /// Hits: list them, record verification steps and dispositions.
    #[command(subcommand)]
    Hit(hit::HitCommand),
    /// The audit trail: verify, read, and the monthly sample of searches.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Purge reads past the policy's retention (legal holds excepted).
    Purge(retention::PurgeArgs),
    /// Legal holds: warrants, preservation requests, disclosure orders, evidence.
    #[command(subcommand)]
    Hold(retention::HoldCommand),
    /// Export held reads as evidence.
    #[command(subcommand)]
    Evidence(retention::EvidenceCommand),
    /// Canvass mode: tag the reads taken at a scene with a case, list and export them.
    #[command(subcommand)]
    Canvass(canvass::CanvassCommand),
    /// Requests for ALPR data from other agencies.
    #[command(subcommand)]
    Release(release::ReleaseCommand),
    /// Reports: the yearly report to the council.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Read the plates in image files (JPEG, PNG) with the built-in recogniser.
    Recognize(recognize::RecognizeArgs),
    /// Check every part of the installation: cameras, GPS, clock, storage, hot lists, ...
    Selftest(selftest::SelftestArgs),
    /// Benchmarks: figures for the performance targets, one JSON line.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Synthetic plates and street frames (training data, the demo's camera).
    #[command(subcommand)]
    Render(render::RenderCommand),
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

/// Runs the command; the demo with its touchscreen needs this (the main) thread for the screen.
pub fn run_main(cli: Cli, runtime: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    match cli.command {
        Command::Demo(args) if args.wants_screen() => demo::run_with_screen(args, runtime),
        Command::Bench(bench::BenchCommand::Alert(args)) => bench_alert::run(args, runtime),
        Command::Run(args) if args.wants_screen() => run::run_with_screen(args, runtime),
        command => runtime.block_on(run(Cli { command })),
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
        Command::Recognize(args) => tokio::task::spawn_blocking(move || recognize::run(args))
            .await
            .map_err(anyhow::Error::from)?,
        Command::Selftest(args) => selftest::run(args),
        Command::Hotlist(cmd) => hotlist::run(*cmd).await,
        Command::User(cmd) => blocking(move || member::run(cmd)).await,
        Command::Policy(cmd) => policy::run(cmd),
        Command::Search(args) => blocking(move || search::search(args)).await,
        Command::Read(ReadCommand::Show(args)) => blocking(move || search::show(args)).await,
        Command::Hit(cmd) => blocking(move || hit::run(cmd)).await,
        Command::Audit(cmd) => blocking(move || audit::run(cmd)).await,
        Command::Purge(args) => blocking(move || retention::purge(args)).await,
        Command::Hold(cmd) => blocking(move || retention::hold(cmd)).await,
        Command::Evidence(cmd) => blocking(move || retention::evidence(cmd)).await,
        Command::Canvass(cmd) => blocking(move || canvass::run(cmd)).await,
        Command::Release(cmd) => blocking(move || release::run(cmd)).await,
        Command::Report(cmd) => blocking(move || report::run(cmd)).await,
        Command::Render(cmd) => blocking(move || render::run(cmd)).await,
    }
}

#[derive(Debug, Subcommand)]
enum ReadCommand {
    /// Show one read by id (recorded in the audit trail).
    Show(search::ShowArgs),
}

/// Store work (SQLite, Argon2) off the async runtime's threads.
async fn blocking(f: impl FnOnce() -> anyhow::Result<()> + Send + 'static) -> anyhow::Result<()> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| anyhow::anyhow!("the command's worker stopped: {e}"))?
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
