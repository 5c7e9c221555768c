//! Helpers shared by the tests that run the `alpr` program as a process.

// Each test binary uses some of these, not all.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};

/// The `alpr` program, logging warnings only.
pub fn alpr() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_alpr"));
    // A developer's desktop session must not get windows from the tests.
    c.env("ALPR_LOG", "warn")
        .env("ALPR_POLICY", "clinton")
        .env("ALPR_NO_SCREEN", "true");
    c
}

/// The password of every member the tests add.
pub const PASSWORD: &str = "correct horse battery staple";

/// `alpr` on the store in `data` (car id HQ when it creates it), logged in as `user`.
pub fn alpr_as(data: &std::path::Path, user: &str) -> Command {
    let mut c = alpr();
    c.env("ALPR_DATA_DIR", data)
        .env("ALPR_USER", user)
        .env("ALPR_PASSWORD", PASSWORD)
        .env("ALPR_ACKNOWLEDGE_PROHIBITED_USES", "true");
    c
}

/// Adds member `id` with `role` (trained for a year) to the store in `data`: the first one with
/// no login (it must be an administrator), later ones by `admin`.
pub fn add_member(data: &std::path::Path, id: &str, role: &str) {
    let out = alpr_as(data, "admin")
        .env("ALPR_NEW_PASSWORD", PASSWORD)
        .args(["user", "add", id, "--name", id, "--role", role, "--sworn"])
        .args([
            "--training-until",
            "2099-12-31",
            "--ncic-until",
            "2099-12-31",
        ])
        .output()
        .expect("alpr user add runs");
    assert!(out.status.success(), "adding {id}: {out:?}");
}

/// A running `alpr run`, killed if the test ends before stopping it.
pub struct Running {
    pub child: Child,
    /// The rest of its standard output, after the listening line.
    pub stdout: BufReader<ChildStdout>,
    /// Where its smart cameras connect.
    pub camera_addr: String,
}

impl Running {
    /// Starts `cmd` (an `alpr run` with `--camera-listen 127.0.0.1:0` or another address) and
    /// waits until it listens for cameras.
    pub fn start(cmd: &mut Command) -> Self {
        let mut child = cmd.stdout(Stdio::piped()).spawn().expect("alpr run starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("listening line");
        assert!(line.starts_with("listening for smart cameras on"), "{line}");
        let camera_addr = line.trim().rsplit(' ').next().expect("address").to_string();
        Self {
            child,
            stdout,
            camera_addr,
        }
    }

    /// Asks it to stop as systemd would.
    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A running `alpr hq serve`, killed if the test ends before stopping it.
pub struct Serving {
    pub child: Child,
    /// The rest of its standard output, after the serving line.
    pub stdout: BufReader<ChildStdout>,
    /// Where cars connect.
    pub addr: String,
}

impl Serving {
    /// Starts `cmd` (an `alpr hq serve` with `--listen 127.0.0.1:0` or another address) and
    /// waits until it serves cars.
    pub fn start(cmd: &mut Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .spawn()
            .expect("alpr hq serve starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("serving line");
        assert!(line.starts_with("serving cars on"), "{line:?}");
        let addr = line.trim().rsplit(' ').next().expect("address").to_string();
        Self {
            child,
            stdout,
            addr,
        }
    }

    /// Asks it to stop as systemd would.
    pub fn sigterm(&self) {
        sigterm(&self.child);
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// SIGTERM to `child` alone (by its pid).
pub fn sigterm(child: &Child) {
    let pid = i32::try_from(child.id()).expect("a pid fits an i32");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("SIGTERM delivered");
}

/// Waits up to `limit` for `child` to exit; `Err` says it did not (it is then killed).
pub fn wait_exit(
    child: &mut Child,
    limit: std::time::Duration,
) -> Result<std::process::ExitStatus, String> {
    let deadline = std::time::Instant::now() + limit;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("pid {} still running after {limit:?}", child.id()));
            }
            Err(e) => return Err(format!("waiting for pid {}: {e}", child.id())),
        }
    }
}
