//! Builds cr-sqlite's loadable extension from its pinned source release.
//!
//! The source comes from the npm registry (`npm pack`, never `npm install`, whose install script
//! downloads a prebuilt binary from elsewhere). An image build hands in a pre-fetched tarball through
//! `CRSQLITE_TARBALL` instead. Either way the tarball's sha256 must match the pin. The result is
//! cached under the target directory, keyed by everything that goes into it, because the nested
//! build takes minutes and cargo would otherwise redo it for every profile.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

const VERSION: &str = "0.16.3";
const TARBALL_NAME: &str = "vlcn.io-crsqlite-0.16.3.tgz";
const TARBALL_SHA256: &str = "e16e462763ebe38c30a466e53b979dc2464de1e2ebc0e2255c04266ca232a012";

fn main() {
    if let Err(e) = run() {
        eprintln!("error: building cr-sqlite {VERSION}: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let recipe_dir = manifest_dir.join("crsqlite");
    let script = recipe_dir.join("build.sh");
    let patch = recipe_dir.join("crsqlite-0.16.3.patch");
    println!("cargo:rerun-if-changed={}", script.display());
    println!("cargo:rerun-if-changed={}", patch.display());
    println!("cargo:rerun-if-env-changed=CRSQLITE_TARBALL");
    println!("cargo:rerun-if-env-changed=ALPR_CRSQLITE_CACHE");

    let cache = match env::var_os("ALPR_CRSQLITE_CACHE") {
        Some(dir) => PathBuf::from(dir),
        None => target_dir(&out_dir)?.join("crsqlite"),
    };
    fs::create_dir_all(&cache).map_err(|e| format!("creating {}: {e}", cache.display()))?;

    let tarball = match env::var_os("CRSQLITE_TARBALL") {
        Some(path) => PathBuf::from(path),
        None => fetch_tarball(&cache)?,
    };
    let tar_sha = sha256_file(&tarball)?;
    if tar_sha != TARBALL_SHA256 {
        return Err(format!(
            "{} has sha256 {tar_sha}, expected {TARBALL_SHA256}: refusing to build from it",
            tarball.display()
        ));
    }

    let key = {
        let mut h = Sha256::new();
        h.update(tar_sha.as_bytes());
        h.update(read(&script)?);
        h.update(read(&patch)?);
        hex::encode(h.finalize())
    };
    let cached = cache.join(format!("crsqlite-{}.so", &key[..16]));
    if !cached.exists() {
        let work = cache.join(format!("build-{}", &key[..16]));
        let status = Command::new("bash")
            .arg(&script)
            .env("CRSQLITE_TARBALL", &tarball)
            .env("CRSQLITE_PATCH", &patch)
            .env("OUT_DIR", &work)
            .status()
            .map_err(|e| format!("running {}: {e}", script.display()))?;
        if !status.success() {
            return Err(format!("{} failed with {status}", script.display()));
        }
        fs::rename(work.join("crsqlite.so"), &cached)
            .map_err(|e| format!("moving the built extension into {}: {e}", cached.display()))?;
        let _ = fs::remove_dir_all(&work);
    }
    let so = out_dir.join("crsqlite.so");
    fs::copy(&cached, &so).map_err(|e| format!("copying {}: {e}", cached.display()))?;
    println!("cargo:rustc-env=ALPR_CRSQLITE_SO={}", so.display());
    println!("cargo:rustc-env=ALPR_CRSQLITE_VERSION={VERSION}");
    Ok(())
}

/// `OUT_DIR` is `<target>/<profile>/build/<pkg>-<hash>/out`; the cache lives beside the profiles so
/// debug, release and check builds share one extension.
fn target_dir(out_dir: &Path) -> Result<PathBuf, String> {
    out_dir
        .ancestors()
        .nth(4)
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("unexpected OUT_DIR layout: {}", out_dir.display()))
}

fn fetch_tarball(cache: &Path) -> Result<PathBuf, String> {
    let tarball = cache.join(TARBALL_NAME);
    if tarball.exists() && sha256_file(&tarball)? == TARBALL_SHA256 {
        return Ok(tarball);
    }
    let status = Command::new("npm")
        .args(["pack", &format!("@vlcn.io/crsqlite@{VERSION}"), "--silent", "--pack-destination"])
        .arg(cache)
        .status()
        .map_err(|e| {
            format!("running npm pack (install npm, or set CRSQLITE_TARBALL to a pre-fetched {TARBALL_NAME}): {e}")
        })?;
    if !status.success() {
        return Err(format!(
            "npm pack @vlcn.io/crsqlite@{VERSION} failed with {status}"
        ));
    }
    Ok(tarball)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))
}

fn sha256_file(path: &Path) -> Result<String, String> {
    Ok(hex::encode(Sha256::digest(read(path)?)))
}
