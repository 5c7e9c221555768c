//! Writing reads out of the store (evidence, released data): a folder with the reads as JSON, their
//! images, and a sha256 manifest (`sha256sum -c MANIFEST.sha256` checks it).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use alpr_images::ImageFormat;
use serde::Serialize;

use super::reads::StoredRead;
use super::{Store, StoreError, StoreResult};

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportReport {
    pub dir: PathBuf,
    pub reads: usize,
    pub images: usize,
    /// Images a row names that were not on disk (listed in the manifest's notes).
    pub missing_images: Vec<String>,
    /// sha256 of MANIFEST.sha256 itself, for the record kept in the store.
    pub manifest_sha256: String,
}

fn io_err(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Invalid(format!("writing {}: {e}", path.display()))
}

impl Store {
    /// Writes `reads` with `header` (who, why, which case) into `dir`, which must be new or empty.
    pub(crate) fn export_reads(
        &self,
        reads: &[StoredRead],
        header: serde_json::Value,
        dir: &Path,
    ) -> StoreResult<ExportReport> {
        if dir.exists() {
            let mut entries = fs::read_dir(dir).map_err(|e| io_err(dir, e))?;
            if entries.next().is_some() {
                return Err(StoreError::Invalid(format!(
                    "{} is not empty: export into a new folder",
                    dir.display()
                )));
            }
        }
        fs::create_dir_all(dir.join("images")).map_err(|e| io_err(dir, e))?;
        let mut manifest: Vec<(String, String)> = Vec::new();
        let mut missing = Vec::new();
        let mut images = 0;
        let mut copied = std::collections::BTreeSet::new();
        for read in reads {
            for sha in [&read.plate_image_sha256, &read.context_image_sha256]
                .into_iter()
                .flatten()
            {
                if !copied.insert(sha.clone()) {
                    continue;
                }
                let found = [ImageFormat::Jpeg, ImageFormat::Png]
                    .into_iter()
                    .find_map(|f| {
                        let p = self.images.path_of(sha, f);
                        p.exists().then_some((p, f))
                    });
                let Some((src, format)) = found else {
                    missing.push(sha.clone());
                    continue;
                };
                let bytes = self
                    .images
                    .get(&alpr_images::ImageRef {
                        sha256: sha.clone(),
                        format,
                        bytes: 0,
                    })
                    .map_err(|e| StoreError::Invalid(format!("{}: {e}", src.display())))?;
                let name = format!("images/{sha}.{}", format.extension());
                let dest = dir.join(&name);
                fs::write(&dest, &bytes).map_err(|e| io_err(&dest, e))?;
                manifest.push((sha.clone(), name));
                images += 1;
            }
        }
        let body = serde_json::json!({
            "export": header,
            "reads": reads,
            "missing_images": missing,
        });
        let text = serde_json::to_string_pretty(&body)
            .map_err(|e| StoreError::Invalid(format!("encoding the export: {e}")))?;
        let reads_path = dir.join("reads.json");
        fs::write(&reads_path, text.as_bytes()).map_err(|e| io_err(&reads_path, e))?;
        manifest.push((crate::sha256_hex(text.as_bytes()), "reads.json".into()));
        manifest.sort_by(|a, b| a.1.cmp(&b.1));
        let mut listing = String::new();
        for (sha, name) in &manifest {
            listing.push_str(&format!("{sha}  {name}\n"));
        }
        let manifest_path = dir.join("MANIFEST.sha256");
        let mut f = fs::File::create(&manifest_path).map_err(|e| io_err(&manifest_path, e))?;
        f.write_all(listing.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| io_err(&manifest_path, e))?;
        Ok(ExportReport {
            dir: dir.to_path_buf(),
            reads: reads.len(),
            images,
            missing_images: missing,
            manifest_sha256: crate::sha256_hex(listing.as_bytes()),
        })
    }
}
