//! The officer's touchscreen, driven by the appliance: [`StoreActions`] answers the screen's
//! touches from the car's store, [`forward`] brings it the pipeline's reads and alerts, and
//! [`open`] builds it on the thread that will run its event loop.

mod actions;
mod alert_view;
mod bridge;

use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

pub use actions::{StoreActions, setup};
pub use alert_view::{alert_view, marks, progress};
pub use bridge::{OutsideStatus, forward};

use alpr_ui::audio::AlertSpeaker;
use alpr_ui::screen::Screen;

use crate::policy::Policy;
use crate::store::Store;

/// Whether a screen can be opened here: a window system, or (with the `kms` build) a display
/// device the program may draw to directly.
pub fn display_available() -> bool {
    std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty())
        || std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty())
        || (cfg!(feature = "kms") && Path::new("/dev/dri/card0").exists())
}

/// Builds the screen over the car's store in `data_dir` (a connection of its own). Call on the
/// thread that runs the event loop, after the current platform (real or test) is set.
pub fn open(
    data_dir: &Path,
    car_id: &str,
    policy: Arc<Policy>,
    speaker: AlertSpeaker,
) -> anyhow::Result<Rc<Screen>> {
    use anyhow::Context as _;
    let mut store =
        Store::open(data_dir, car_id).context("opening the car's store for the screen")?;
    store.use_policy(policy.clone())?;
    let actions = StoreActions::new(store, data_dir.to_path_buf());
    let setup = setup(&policy, car_id, actions.entry_lists());
    let screen =
        Screen::create(&setup, Rc::new(actions), speaker).context("building the screen")?;
    Ok(screen)
}
