//! Opening the store as a logged-in member: every command that reaches stored ALPR data goes
//! through `MemberArgs::login`, so none runs without a login, and each is audited.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::Arc;

use alpr_appliance::policy::Policy;
use alpr_appliance::store::{Session, Store};
use anyhow::{Context as _, bail};
use chrono::Utc;
use clap::Args;

/// Where the store is and which policy it runs under.
#[derive(Debug, Args)]
pub struct StoreArgs {
    /// The data directory (the store, alpr.db, and images/).
    #[arg(long, env = "ALPR_DATA_DIR")]
    pub data_dir: PathBuf,
    /// This store's car id, recorded when the store is created (HQ for headquarters).
    #[arg(long, env = "ALPR_CAR_ID", default_value = "HQ")]
    pub car_id: String,
    /// The agency's policy: an id (`alpr policy ls`) or a policy file. A store keeps the one it
    /// was first opened under.
    #[arg(long, env = "ALPR_POLICY")]
    pub policy: Option<String>,
}

impl StoreArgs {
    /// The store, without a policy (jobs of the appliance itself).
    pub fn open(&self) -> anyhow::Result<Store> {
        Store::open(&self.data_dir, &self.car_id)
            .with_context(|| format!("opening the store in {}", self.data_dir.display()))
    }

    /// The store under the agency's policy: the one named, else the one the store recorded.
    pub fn open_under_policy(&self) -> anyhow::Result<Store> {
        let mut store = self.open()?;
        let name = match (&self.policy, store.recorded_policy()?) {
            (Some(p), _) => p.clone(),
            (None, Some(recorded)) => recorded,
            (None, None) => bail!(
                "no policy: give --policy (or ALPR_POLICY) with the agency's policy; `alpr policy ls` lists them"
            ),
        };
        let policy = Policy::load(&name)?;
        store.use_policy(Arc::new(policy))?;
        Ok(store)
    }
}

/// A member's login: the store, who, and the acknowledgement of the prohibited uses.
#[derive(Debug, Args)]
pub struct MemberArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Your member id. The password comes from ALPR_PASSWORD or is asked for at the terminal.
    #[arg(long = "user", env = "ALPR_USER")]
    pub user: Option<String>,
    /// I acknowledge the prohibited uses of ALPR data (`alpr policy show`); asked at the terminal
    /// when not given.
    #[arg(
        long,
        env = "ALPR_ACKNOWLEDGE_PROHIBITED_USES",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub acknowledge_prohibited_uses: bool,
}

impl MemberArgs {
    /// Logs in (recorded in the audit trail, as is a refusal) and returns the store and session.
    pub fn login(&self) -> anyhow::Result<(Store, Session)> {
        let mut store = self.store.open_under_policy()?;
        let Some(user) = self.user.as_deref().filter(|u| !u.trim().is_empty()) else {
            bail!("this needs a login: give --user (or ALPR_USER)");
        };
        let password = match std::env::var("ALPR_PASSWORD") {
            Ok(p) => p,
            Err(_) if std::io::stdin().is_terminal() => {
                rpassword::prompt_password(format!("Password for {user}: "))
                    .context("reading the password")?
            }
            Err(_) => bail!("no password: set ALPR_PASSWORD or run at a terminal"),
        };
        let acknowledged = self.acknowledge_prohibited_uses || ask_acknowledgement(&store)?;
        let session = store
            .login(user, &password, acknowledged, Utc::now())
            .with_context(|| format!("login as {user} refused"))?;
        Ok((store, session))
    }
}

fn ask_acknowledgement(store: &Store) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        return Ok(false);
    }
    let name = store.recorded_policy()?.unwrap_or_default();
    let policy = Policy::load(&name)?;
    eprintln!(
        "{}: prohibited uses of the ALPR system, its data and hot lists:",
        policy.agency.name
    );
    for item in &policy.prohibited_uses.items {
        eprintln!("  - {item}");
    }
    eprint!("Type yes to acknowledge: ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the acknowledgement")?;
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}
