use std::path::PathBuf;
use std::time::Duration;

use alpr_appliance::demo::{self, DemoOptions};
use alpr_ui::Console;
use anyhow::Context as _;
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct DemoArgs {
    #[command(subcommand)]
    tool: Option<DemoTool>,
    /// Print reads and hits as lines instead of opening the touchscreen UI.
    #[arg(long)]
    headless: bool,
    /// Recorded seconds replayed per real second.
    #[arg(long, default_value_t = 20.0)]
    speed: f64,
    /// Where the car's and headquarters' stores are kept.
    #[arg(long, env = "ALPR_DEMO_DATA")]
    data_dir: Option<PathBuf>,
    /// Seconds between syncs with headquarters.
    #[arg(long, default_value_t = 2.0)]
    sync_every: f64,
    /// The demo car's id.
    #[arg(long, default_value = "DEMO-CAR-1")]
    car_id: String,
}

#[derive(Debug, Subcommand)]
enum DemoTool {
    /// Write the demo's recorded feed, route and hot list (as shipped in appliance/demo/).
    Generate {
        #[arg(long)]
        out: PathBuf,
    },
}

impl DemoArgs {
    pub fn is_headless(&self) -> bool {
        self.headless
    }
}

impl DemoArgs {
    /// Whether this run opens the touchscreen: not asked to be headless, not a generate, and a
    /// display to draw on.
    pub fn wants_screen(&self) -> bool {
        !self.headless && self.tool.is_none() && alpr_appliance::screen::display_available()
    }
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    if let Some(DemoTool::Generate { out }) = args.tool {
        return generate(&out);
    }
    if !args.headless {
        tracing::warn!("no display to open the touchscreen on: showing the patrol as text");
    }
    let options = options(args)?;
    println!(
        "alpr demo: simulated patrol at {}x, stores in {}",
        options.speed,
        options.data_dir.display()
    );
    demo::run_demo(options, Console::new(std::io::stdout())).await?;
    Ok(())
}

/// The demo with its touchscreen: Slint's event loop runs on this thread (the main one, as window
/// systems want), the patrol on `runtime`. Closing the window ends the patrol; what was read is
/// still stored and synced. A window that cannot be opened falls back to the text console.
pub fn run_with_screen(args: DemoArgs, runtime: &tokio::runtime::Runtime) -> anyhow::Result<()> {
    let mut options = options(args)?;
    let policy = std::sync::Arc::new(alpr_appliance::policy::Policy::load(demo::DEMO_POLICY)?);
    let car_dir = options.data_dir.join("car");
    {
        let mut car = alpr_appliance::store::Store::open(&car_dir, &options.car_id)
            .context("opening the car's store")?;
        car.use_policy(policy.clone())?;
        demo::seed_members(&mut car)?;
        car.close()?;
    }
    let speaker = alpr_ui::audio::AlertSpeaker::open();
    let screen = match alpr_appliance::screen::open(&car_dir, &options.car_id, policy, speaker)
        .and_then(|s| {
            use slint::ComponentHandle as _;
            s.window().show()?;
            Ok(s)
        }) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!("the touchscreen does not open ({e:#}): showing the patrol as text");
            return runtime.block_on(async {
                demo::run_demo(options, Console::new(std::io::stdout())).await?;
                Ok(())
            });
        }
    };
    println!(
        "alpr demo: simulated patrol at {}x on the touchscreen; log in as {} with password {}",
        options.speed,
        demo::DEMO_MEMBERS[1].0,
        demo::DEMO_PASSWORD
    );
    options.screen = Some(alpr_ui::screen::ScreenHandle);
    let stop = options.stop.clone();
    let patrol = runtime.spawn(demo::run_demo(options, Console::new(std::io::stdout())));
    let shown = slint::run_event_loop().context("running the touchscreen");
    stop.cancel();
    drop(screen);
    runtime
        .block_on(patrol)
        .context("the patrol task")?
        .context("the patrol")?;
    shown
}

fn options(args: DemoArgs) -> anyhow::Result<DemoOptions> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        anyhow::bail!("--speed must be a positive number, not {}", args.speed);
    }
    if !(args.sync_every.is_finite() && args.sync_every > 0.0) {
        anyhow::bail!(
            "--sync-every must be a positive number of seconds, not {}",
            args.sync_every
        );
    }
    let data_dir = match args.data_dir {
        Some(d) => d,
        None => default_data_dir()?,
    };
    let options = DemoOptions {
        data_dir,
        speed: args.speed,
        sync_every: Duration::from_secs_f64(args.sync_every),
        car_id: args.car_id,
        screen: None,
        stop: tokio_util::sync::CancellationToken::new(),
    };
    Ok(options)
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .context("neither XDG_DATA_HOME nor HOME is set: pass --data-dir")?;
    Ok(base.join("alpr/demo"))
}

fn generate(out: &std::path::Path) -> anyhow::Result<()> {
    let files = demo::generate::generate();
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for (name, text) in [
        ("feed.jsonl", &files.feed),
        ("route.nmea", &files.route),
        ("hotlist.csv", &files.hotlist),
    ] {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
