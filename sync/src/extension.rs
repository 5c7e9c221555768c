//! The cr-sqlite loadable extension, embedded in the binary so that `alpr` is one file.
//!
//! SQLite can only load an extension from a file, so the embedded copy is written out once per
//! process, named by its hash and verified by that hash, into a directory only its owner can
//! write to. `ALPR_CRSQLITE_LIB` points at an installed copy instead (an image installs
//! `/usr/lib/alpr/crsqlite.so` on a read-only root filesystem).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// The cr-sqlite release the embedded extension is built from.
pub const CRSQLITE_VERSION: &str = env!("ALPR_CRSQLITE_VERSION");

static EMBEDDED: &[u8] = include_bytes!(env!("ALPR_CRSQLITE_SO"));

static EXTRACTED: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();

/// Path of the extension file to load: `ALPR_CRSQLITE_LIB` if set, else the embedded copy.
pub fn extension_path() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("ALPR_CRSQLITE_LIB") {
        return Ok(PathBuf::from(path));
    }
    EXTRACTED
        .get_or_init(|| extract().map_err(|e| e.to_string()))
        .clone()
        .map_err(|reason| Error::Extension {
            path: extraction_dir(),
            reason,
        })
}

fn extraction_dir() -> PathBuf {
    let base = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    // The uid keeps users apart on a shared /tmp; the directory is created 0700 below.
    base.join(format!("alpr-crsqlite-{}", uid()))
}

fn uid() -> u32 {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m))
        .unwrap_or(0)
}

fn extract() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let digest = hex::encode(Sha256::digest(EMBEDDED));
    let dir = extraction_dir();
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    let meta = fs::metadata(&dir)?;
    if meta.permissions().mode() & 0o022 != 0 || std::os::unix::fs::MetadataExt::uid(&meta) != uid()
    {
        return Err(std::io::Error::other(format!(
            "{} is writable by others or not ours: refusing to load code from it",
            dir.display()
        )));
    }
    let path = dir.join(format!("crsqlite-{}.so", &digest[..16]));
    if matches_digest(&path, &digest) {
        return Ok(path);
    }
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    tmp.write_all(EMBEDDED)?;
    tmp.as_file().sync_all()?;
    tmp.persist(&path).map_err(|e| e.error)?;
    if !matches_digest(&path, &digest) {
        return Err(std::io::Error::other(
            "written extension does not match its digest",
        ));
    }
    Ok(path)
}

fn matches_digest(path: &Path, digest: &str) -> bool {
    fs::read(path)
        .map(|bytes| hex::encode(Sha256::digest(bytes)) == digest)
        .unwrap_or(false)
}
